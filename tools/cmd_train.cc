// `seqrt train`: train a small recurrent model on .npy data and export it to ONNX.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seqrt/train.h"
#include "tools/args.h"
#include "tools/cli_common.h"
#include "tools/commands.h"

namespace seqrt::tools {
namespace {

constexpr char kCommand[] = "train";

constexpr char kUsage[] =
    "usage: seqrt train --x X.npy --y Y.npy --layers SPEC --out MODEL.onnx [options]\n"
    "\n"
    "Trains a recurrent model (Keras semantics) and exports it to ONNX.\n"
    "X is float32 [N, T, F]. Integer labels [N] train a classifier (the last dense layer gets\n"
    "softmax, loss cross-entropy); float32 targets [N] / [N, K] (or [N, T, K] when the last\n"
    "recurrent layer returns sequences) train a regressor (mean squared error).\n"
    "\n"
    "  --layers SPEC            comma-separated KIND:UNITS, e.g. lstm:64,lstm:64,dense:10; KIND is\n"
    "                           rnn, rnn-relu, birnn, lstm, bilstm, gru, gru-v1 (reset_after=False),\n"
    "                           bigru, dense, dense-relu. Stacked recurrent layers return sequences.\n"
    "  --epochs N               training epochs (default 10)\n"
    "  --batch N                mini-batch size (default 32)\n"
    "  --optimizer adam|sgd     (default adam)\n"
    "  --lr X                   learning rate (default 1e-3)\n"
    "  --momentum X             SGD momentum (default 0)\n"
    "  --clip-norm X            clip the gradient's global L2 norm to X (default off)\n"
    "  --seed N                 weights and shuffling (default 1); same seed + threads = same bits\n"
    "  --validation-split X     fraction of the data, taken from the end, for validation (default 0)\n"
    "  --early-stopping N       stop after N epochs without a better (validation) loss; keep the best "
    "weights\n"
    "  --no-shuffle             keep the data order\n"
    "  -x, --threads N          GEMM threads (default 1)\n"
    "  --backend auto|onednn|reference\n"
    "                           recurrent layers' BPTT: oneDNN's RNN primitives or seqrt's own;\n"
    "                           auto (default) picks per layer what measured faster here\n"
    "  --opset N                ONNX opset of the export, 13 (default) to 17\n"
    "  --out MODEL.onnx         where to write the model\n"
    "  -q, --quiet              no per-epoch lines\n";

std::string Bar(int64_t done, int64_t total) {
  constexpr int kWidth = 30;
  const int fill = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
  return absl::StrCat("[", std::string(fill, '='), std::string(kWidth - fill, ' '), "]");
}

}  // namespace

int RunTrainCommand(const Args& args) {
  ArgParser parser;
  parser.Option("x")
      .Option("y")
      .Option("layers")
      .Option("epochs")
      .Option("batch")
      .Option("optimizer")
      .Option("lr");
  parser.Option("momentum")
      .Option("clip-norm")
      .Option("seed")
      .Option("validation-split")
      .Option("early-stopping");
  parser.Option("threads", 'x').Option("backend").Option("opset").Option("out").Flag("no-shuffle").Flag("quiet", 'q');
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (parser.help()) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!parser.positional().empty())
    return UsageError(kCommand, "unexpected argument '" + parser.positional()[0] + "'");
  for (const char* required : {"x", "y", "layers", "out"})
    if (!parser.has(required)) return UsageError(kCommand, absl::StrCat("--", required, " is required"));

  TrainOptions options;
  ExportOptions export_options;
  auto epochs = parser.GetInt("epochs", 10, 0);
  auto batch = parser.GetInt("batch", 32, 1);
  auto lr = parser.GetDouble("lr", 1e-3, 0);
  auto momentum = parser.GetDouble("momentum", 0, 0);
  auto clip = parser.GetDouble("clip-norm", 0, 0);
  auto seed = parser.GetInt("seed", 1, 0);
  auto split = parser.GetDouble("validation-split", 0, 0);
  auto patience = parser.GetInt("early-stopping", 0, 0);
  auto threads = parser.GetInt("threads", 1, 1);
  auto opset = parser.GetInt("opset", 13, 13);
  for (const absl::Status& s :
       {epochs.status(), batch.status(), lr.status(), momentum.status(), clip.status(), seed.status(),
        split.status(), patience.status(), threads.status(), opset.status()})
    if (!s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (*split >= 1)
    return UsageError(kCommand, absl::StrCat("--validation-split must be below 1, got ", *split));
  if (*lr <= 0) return UsageError(kCommand, "--lr must be > 0");
  const std::string optimizer = parser.get("optimizer", "adam");
  if (optimizer != "adam" && optimizer != "sgd")
    return UsageError(kCommand, absl::StrCat("--optimizer must be adam or sgd, got '", optimizer, "'"));
  options.epochs = static_cast<int>(*epochs);
  options.batch_size = *batch;
  options.optimizer = optimizer == "sgd" ? OptimizerKind::kSGD : OptimizerKind::kAdam;
  options.learning_rate = *lr;
  options.momentum = *momentum;
  options.clip_norm = *clip;
  options.seed = static_cast<uint64_t>(*seed);
  options.validation_split = *split;
  options.early_stopping_patience = static_cast<int>(*patience);
  options.shuffle = !parser.has("no-shuffle");
  options.threads = static_cast<int>(*threads);
  auto backend = ParseTrainBackend(parser.get("backend", "auto"));
  if (!backend.ok()) return UsageError(kCommand, std::string(backend.status().message()));
  options.backend = *backend;
  export_options.opset = static_cast<int>(*opset);
  if (export_options.opset > 17)
    return UsageError(kCommand, absl::StrCat("--opset must be 13 to 17, got ", *opset));

  auto layers = ParseLayerList(parser.get("layers"));
  if (!layers.ok())
    return UsageError(kCommand, absl::StrCat("--layers: ", std::string(layers.status().message())));
  auto data = LoadTrainingData(parser.get("x"), parser.get("y"));
  if (!data.ok()) return ModelError(kCommand, data.status());
  auto model =
      TrainableModel::Create(data->num_features(), *layers, data->target, data->num_outputs(), options.seed);
  if (!model.ok()) return ModelError(kCommand, model.status());

  const bool quiet = parser.has("quiet");
  const bool tty = isatty(fileno(stderr));
  const bool classes = data->target == TargetKind::kClasses;
  if (!quiet) {
    std::printf("model (%ld parameters), %ld samples of %ld x %ld, %s:\n%s",
                static_cast<long>(model->parameter_count()), static_cast<long>(data->num_samples()),
                static_cast<long>(data->num_steps()), static_cast<long>(data->num_features()),
                classes ? absl::StrCat(data->num_outputs(), " classes").c_str() : "regression",
                model->Summary().c_str());
    std::fflush(stdout);
  }
  if (tty && !quiet)
    options.on_batch = [&](int epoch, int64_t done, int64_t total, double loss) {
      std::fprintf(stderr, "\repoch %d/%d %s %ld/%ld loss %.4f", epoch, options.epochs,
                   Bar(done, total).c_str(), static_cast<long>(done), static_cast<long>(total), loss);
      std::fflush(stderr);
    };
  options.on_epoch = [&](const EpochStats& st) {
    if (tty && !quiet) std::fputs("\r\033[K", stderr);
    if (quiet) return;
    std::string line = absl::StrFormat("epoch %d/%d  loss %.4f", st.epoch, options.epochs, st.train_loss);
    if (classes) absl::StrAppendFormat(&line, "  acc %.4f", st.train_accuracy);
    if (st.has_validation) {
      absl::StrAppendFormat(&line, "  val_loss %.4f", st.val_loss);
      if (classes) absl::StrAppendFormat(&line, "  val_acc %.4f", st.val_accuracy);
    }
    absl::StrAppendFormat(&line, "  %.2fs  %.0f samples/s\n", st.seconds, st.samples_per_second);
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
  };
  auto history = model->Fit(*data, options);
  if (!history.ok()) return ModelError(kCommand, history.status());
  if (absl::Status s = model->ExportOnnx(parser.get("out"), export_options); !s.ok())
    return ModelError(kCommand, s);

  // Every epoch trains the same samples, so overall throughput is the harmonic mean of the epochs'.
  double seconds = 0, inverse_rate = 0;
  for (const EpochStats& st : history->epochs)
    seconds += st.seconds, inverse_rate += st.samples_per_second > 0 ? 1.0 / st.samples_per_second : 0.0;
  const size_t n = history->epochs.size();
  std::string summary =
      absl::StrFormat("trained %zu epochs%s", n, history->stopped_early ? " (stopped early)" : "");
  if (n > 0) {
    const EpochStats& best = history->epochs[history->best_epoch - 1];
    absl::StrAppendFormat(&summary, "; weights of epoch %d: loss %.4f", best.epoch, best.train_loss);
    if (classes) absl::StrAppendFormat(&summary, " acc %.4f", best.train_accuracy);
    if (best.has_validation) {
      absl::StrAppendFormat(&summary, ", val_loss %.4f", best.val_loss);
      if (classes) absl::StrAppendFormat(&summary, " val_acc %.4f", best.val_accuracy);
    }
    absl::StrAppendFormat(&summary, "; %.2f s/epoch, %.0f samples/s", seconds / n,
                          inverse_rate > 0 ? n / inverse_rate : 0.0);
  }
  absl::StrAppendFormat(&summary, "\nwrote %s (opset %d)\n", parser.get("out"), export_options.opset);
  std::fputs(summary.c_str(), stdout);
  return kExitOk;
}

}  // namespace seqrt::tools
