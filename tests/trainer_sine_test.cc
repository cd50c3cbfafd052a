// The synthetic task of issue #6: classify the frequency of a noisy sine.
// 4000 sequences of 50 steps, x_t = sin(2π·f·t/50 + φ) + N(0, 0.5²), f ∈ {2, 3, 5, 7}.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "gtest/gtest.h"
#include "seqrt/train.h"
#include "trainer/rng.h"

namespace seqrt {
namespace {

TrainingData SineTask(uint64_t seed) {
  constexpr int64_t kN = 4000, kT = 50;
  constexpr double kFreq[] = {2, 3, 5, 7};
  trainer::Rng rng(seed);
  Tensor x(DType::kFloat, {kN, kT, 1});
  Tensor y(DType::kInt64, {kN});
  for (int64_t i = 0; i < kN; ++i) {
    const int64_t label = static_cast<int64_t>(rng.Below(4));
    const double phase = rng.Uniform(0, 2 * std::numbers::pi);
    y.data_as<int64_t>()[i] = label;
    for (int64_t t = 0; t < kT; ++t)
      x.data_as<float>()[i * kT + t] = static_cast<float>(
          std::sin(2 * std::numbers::pi * kFreq[label] * t / kT + phase) + 0.5 * rng.Normal());
  }
  auto data = MakeTrainingData(std::move(x), std::move(y));
  EXPECT_TRUE(data.ok()) << data.status();
  return std::move(*data);
}

void TrainTo95(const std::string& layers) {
  const TrainingData data = SineTask(2024);
  auto specs = ParseLayerList(layers);
  ASSERT_TRUE(specs.ok()) << specs.status();
  auto model = TrainableModel::Create(1, *specs, TargetKind::kClasses, 4, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  TrainOptions opt;
  opt.epochs = 30;
  opt.batch_size = 32;
  opt.learning_rate = 1e-2;
  opt.clip_norm = 1.0;
  opt.validation_split = 0.2;
  opt.seed = 1;
  opt.threads = 1;  // tiny GEMMs: a second OpenMP thread costs more than it gives
  opt.on_epoch = [&](const EpochStats& s) {
    std::printf("[sine %s] epoch %2d loss %.4f acc %.4f val_loss %.4f val_acc %.4f %.2fs %.0f samples/s\n",
                layers.c_str(), s.epoch, s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy,
                s.seconds, s.samples_per_second);
    std::fflush(stdout);
  };
  opt.stop_if = [](const EpochStats& s) { return s.val_accuracy >= 0.95; };
  const auto start = std::chrono::steady_clock::now();
  auto history = model->Fit(data, opt);
  ASSERT_TRUE(history.ok()) << history.status();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const EpochStats& last = history->epochs.back();
  std::printf("[sine %s] reached val_acc %.4f after %d epochs in %.1f s\n", layers.c_str(), last.val_accuracy,
              last.epoch, seconds);
  EXPECT_GE(last.val_accuracy, 0.95);
}

TEST(TrainerSineTask, LstmReaches95PercentWithin30Epochs) { TrainTo95("lstm:32,dense:4"); }
TEST(TrainerSineTask, GruReaches95PercentWithin30Epochs) { TrainTo95("gru:32,dense:4"); }

}  // namespace
}  // namespace seqrt
