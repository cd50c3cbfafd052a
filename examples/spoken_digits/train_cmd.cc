// `spoken-digits train --out MODEL.onnx`: the seed's model — SimpleRNN(128, return_sequences) →
// SimpleRNN(128) → Dense(10, softmax), Adam, categorical cross-entropy — trained with seqrt's
// built-in trainer on the training speakers, watched on the validation speakers, exported to ONNX.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "utterance_features.h"
#include "seqrt/train.h"

namespace spoken_digits {
namespace {

// Train and validation speakers in one set, validation last: the trainer's validation_split
// takes the end of the data (Keras semantics), so validation stays speaker-disjoint.
absl::StatusOr<seqrt::TrainingData> TrainPlusValidation(const DataSet& set) {
  const int64_t n_train = set.train.size(), n_val = set.validation.size(), n = n_train + n_val;
  seqrt::Tensor x(seqrt::DType::kFloat, {n, kNumFrames, kNumCoefficients});
  seqrt::Tensor y(seqrt::DType::kInt32, {n});
  std::memcpy(x.raw_data(), set.train.x.raw_data(), set.train.x.byte_size());
  std::memcpy(static_cast<char*>(x.raw_data()) + set.train.x.byte_size(), set.validation.x.raw_data(),
              set.validation.x.byte_size());
  std::memcpy(y.raw_data(), set.train.y.raw_data(), set.train.y.byte_size());
  std::memcpy(static_cast<char*>(y.raw_data()) + set.train.y.byte_size(), set.validation.y.raw_data(),
              set.validation.y.byte_size());
  return seqrt::MakeTrainingData(std::move(x), std::move(y));
}

}  // namespace

absl::Status RunTrain(const std::vector<std::string>& args) {
  std::set<std::string> known = kDataOptions;
  known.insert({"out", "layers", "epochs", "batch", "lr", "patience", "clip", "model-seed", "threads", "finetune-epochs", "minutes"});
  auto options = Options::Parse(args, known);
  if (!options.ok()) return options.status();
  if (!options->Has("out")) return absl::InvalidArgumentError("train needs --out MODEL.onnx");
  const std::string out = options->String("out", "");
  auto epochs = options->Int("epochs", 30);
  auto batch = options->Int("batch", 32);
  auto patience = options->Int("patience", 5);
  auto finetune_epochs = options->Int("finetune-epochs", 8);
  auto model_seed = options->Int("model-seed", 1);
  // One thread by default: the trainer's GEMMs are small (batch × 128 × 128 per step), and on a
  // busy 2-core machine OpenMP threads spin against each other (measured 13× slower with 2).
  auto threads = options->Int("threads", 1);
  auto lr = options->Double("lr", 1e-3);
  auto clip = options->Double("clip", 5.0);
  for (const auto* v : {&epochs, &batch, &patience, &finetune_epochs, &model_seed, &threads}) {
    if (!v->ok()) return v->status();
  }
  // A wall-clock budget for both stages (0: none): an epoch is not started when it (and, in the
  // first stage, the fine-tuning epochs after it) would likely end past the budget.
  auto minutes = options->Double("minutes", 0);
  for (const auto* v : {&lr, &clip, &minutes}) {
    if (!v->ok()) return v->status();
  }

  auto set = LoadDataFromOptions(*options);
  if (!set.ok()) return set.status();
  auto data = TrainPlusValidation(*set);
  if (!data.ok()) return data.status();

  auto layers = seqrt::ParseLayerList(options->String("layers", "rnn:128,rnn:128,dense:10"));
  if (!layers.ok()) return layers.status();
  auto model = seqrt::TrainableModel::Create(kNumCoefficients, *layers, seqrt::TargetKind::kClasses, 10,
                                             static_cast<uint64_t>(*model_seed));
  if (!model.ok()) return model.status();
  std::printf("model: %lld parameters\n%s\n", static_cast<long long>(model->parameter_count()),
              model->Summary().c_str());

  seqrt::TrainOptions train;
  train.epochs = static_cast<int>(*epochs);
  train.batch_size = *batch;
  train.optimizer = seqrt::OptimizerKind::kAdam;
  train.learning_rate = *lr;
  train.clip_norm = *clip;
  train.validation_split = static_cast<double>(set->validation.size()) / data->num_samples();
  train.early_stopping_patience = static_cast<int>(*patience);
  train.restore_best_weights = true;
  train.seed = static_cast<uint64_t>(*model_seed);
  train.threads = static_cast<int>(*threads);
  Progress progress("training");
  train.on_batch = [&](int epoch, int64_t done, int64_t total, double loss) {
    // Off a terminal the per-epoch lines are the progress; batch lines would flood a log.
    if (progress.on_terminal()) {
      progress.Update(done, total, absl::StrFormat("epoch %d/%d loss %.4f", epoch, train.epochs, loss));
    }
  };
  train.on_epoch = [&](const seqrt::EpochStats& e) {
    progress.Finish(absl::StrFormat("epoch %d done", e.epoch));
    std::printf("epoch %3d/%d  loss %.4f  acc %.2f%%  val_loss %.4f  val_acc %.2f%%  %.1f s (%.0f samples/s)\n",
                e.epoch, train.epochs, e.train_loss, 100 * e.train_accuracy, e.val_loss, 100 * e.val_accuracy,
                e.seconds, e.samples_per_second);
    std::fflush(stdout);
  };
  const auto start = std::chrono::steady_clock::now();
  const double budget_s = *minutes * 60;
  auto over_budget = [&](const seqrt::EpochStats& e, int64_t epochs_after) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool over = budget_s > 0 && elapsed + e.seconds * (1 + epochs_after) > budget_s;
    if (over) std::printf("stopping: another epoch would pass the %.0f-minute budget\n", *minutes);
    return over;
  };
  train.stop_if = [&](const seqrt::EpochStats& e) { return over_budget(e, *finetune_epochs); };
  auto history = model->Fit(*data, train);
  if (!history.ok()) return history.status();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("trained %zu epochs in %.1f s%s; keeping epoch %d\n", history->epochs.size(), seconds,
              history->stopped_early ? " (stopped early)" : "", history->best_epoch);

  // A second, gentler stage from the kept weights (a fresh Adam at a fifth of the rate): the
  // step-decay schedule Keras users add with a callback. It settles the last percent or two.
  if (*finetune_epochs > 0) {
    train.epochs = static_cast<int>(*finetune_epochs);
    train.learning_rate = *lr / 5;
    train.early_stopping_patience = std::min<int>(3, train.epochs);
    train.seed = train.seed + 1;
    train.stop_if = [&](const seqrt::EpochStats& e) { return over_budget(e, 0); };
    std::printf("fine-tuning at learning rate %g\n", train.learning_rate);
    const auto start2 = std::chrono::steady_clock::now();
    auto tuned = model->Fit(*data, train);
    if (!tuned.ok()) return tuned.status();
    std::printf("fine-tuned %zu epochs in %.1f s%s; keeping epoch %d\n", tuned->epochs.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start2).count(),
                tuned->stopped_early ? " (stopped early)" : "", tuned->best_epoch);
  }

  auto test = seqrt::MakeTrainingData(set->test.x, set->test.y);
  if (!test.ok()) return test.status();
  auto stats = model->Evaluate(*test);
  if (!stats.ok()) return stats.status();
  std::printf("test voices (trainer's own forward pass): accuracy %.2f%% (%lld utterances)\n",
              100 * stats->train_accuracy, static_cast<long long>(set->test.size()));

  seqrt::ExportOptions export_options;
  export_options.graph_name = "spoken_digits";
  auto status = model->ExportOnnx(out, export_options);
  if (!status.ok()) return status;
  std::printf("exported %s\n", out.c_str());
  return absl::OkStatus();
}

}  // namespace spoken_digits
