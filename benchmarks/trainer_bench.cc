// Training throughput of the built-in trainer: samples/s for one epoch of mini-batch training
// (forward, BPTT, Adam) of LSTM(128) → Dense(10), T = 50, batch 32, 32 features.
//   seqrt_bench_trainer [--benchmark_filter=...]   (the items_per_second column is samples/s)
#include <cstdint>
#include <random>

#include "benchmark/benchmark.h"
#include "seqrt/train.h"

namespace {

seqrt::TrainingData RandomData(int64_t n, int64_t t, int64_t f, int64_t classes) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(-1, 1);
  seqrt::Tensor x(seqrt::DType::kFloat, {n, t, f});
  seqrt::Tensor y(seqrt::DType::kInt64, {n});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = u(gen);
  for (int64_t i = 0; i < n; ++i) y.data_as<int64_t>()[i] = i % classes;
  return *seqrt::MakeTrainingData(std::move(x), std::move(y));
}

void BM_TrainEpoch(benchmark::State& state, const char* layers) {
  constexpr int64_t kSamples = 640, kSteps = 50, kFeatures = 32, kClasses = 10;
  const seqrt::TrainingData data = RandomData(kSamples, kSteps, kFeatures, kClasses);
  auto model = seqrt::TrainableModel::Create(kFeatures, *seqrt::ParseLayerList(layers),
                                             seqrt::TargetKind::kClasses, kClasses, 1);
  if (!model.ok()) {
    state.SkipWithError(std::string(model.status().message()).c_str());
    return;
  }
  seqrt::TrainOptions opt;
  opt.epochs = 1;
  opt.batch_size = 32;
  opt.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto h = model->Fit(data, opt);
    if (!h.ok()) state.SkipWithError(std::string(h.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kSamples), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_TrainEpoch, lstm128, "lstm:128,dense:10")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainEpoch, gru128, "gru:128,dense:10")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
