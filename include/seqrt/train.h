// The built-in trainer: small recurrent models trained in C++ and exported to ONNX.
//
//   auto data = seqrt::LoadTrainingData("x.npy", "y.npy");
//   auto layers = seqrt::ParseLayerList("lstm:64,dense:4");
//   auto model = seqrt::TrainableModel::Create(data->num_features(), *layers, seqrt::TargetKind::kClasses, 4,
//   1); auto history = model->Fit(*data, seqrt::TrainOptions{}); model->ExportOnnx("model.onnx");
//
// Semantics follow Keras (gate orders, initializers, Adam/SGD update rules, validation split taken
// from the end of the data before shuffling), so a user's Keras intuition carries over. Runs are
// bit-for-bit reproducible for a given seed, thread count and backend.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"
#include "seqrt/export.h"

namespace seqrt {

enum class LayerKind { kSimpleRNN, kLSTM, kGRU, kDense };
enum class Activation { kTanh, kRelu, kLinear, kSoftmax };

struct LayerSpec {
  LayerKind kind = LayerKind::kLSTM;
  int64_t units = 0;
  // SimpleRNN: kTanh or kRelu. Dense: kLinear, kRelu or kSoftmax (the loss decides the last one).
  Activation activation = Activation::kTanh;
  bool bidirectional = false;     // recurrent layers: Keras Bidirectional(merge_mode="concat")
  bool return_sequences = false;  // recurrent layers: output every step, not just the last
  bool reset_after = true;        // GRU only: Keras' TF2 default (ONNX linear_before_reset=1)
};

// Parses "lstm:64,lstm:64,dense:10" (also rnn:N, rnn-relu:N, gru:N, gru-v1:N (reset_after=false),
// bilstm:N, bigru:N, birnn:N, dense:N, dense-relu:N). Every recurrent layer followed by another
// recurrent layer returns sequences. The last layer of a classifier must be dense; its activation
// is set by TrainableModel::Create.
SEQRT_EXPORT absl::StatusOr<std::vector<LayerSpec>> ParseLayerList(const std::string& text);

enum class TargetKind {
  kClasses,     // integer labels [N]; softmax cross-entropy
  kRegression,  // float targets [N, K]; mean squared error
};

// A training set held in memory. X is float32 [N, T, F]. Labels are int32/int64 [N] (classes)
// or float32 [N] / [N, K] (regression).
struct SEQRT_EXPORT TrainingData {
  Tensor x;
  Tensor y;
  TargetKind target = TargetKind::kClasses;
  int64_t num_samples() const { return x.dims().empty() ? 0 : x.dims()[0]; }
  int64_t num_steps() const { return x.dims().size() < 2 ? 0 : x.dims()[1]; }
  int64_t num_features() const { return x.dims().size() < 3 ? 0 : x.dims()[2]; }
  // Classes: 1 + the largest label. Regression: K.
  int64_t num_outputs() const;
};

// Validates and wraps tensors (InvalidArgument names the problem: dtype, rank, N mismatch,
// negative labels, non-finite values).
SEQRT_EXPORT absl::StatusOr<TrainingData> MakeTrainingData(Tensor x, Tensor y);
// Reads both .npy files, then MakeTrainingData.
SEQRT_EXPORT absl::StatusOr<TrainingData> LoadTrainingData(const std::string& x_path, const std::string& y_path);

enum class OptimizerKind { kSGD, kAdam };

// How float recurrent layers run forward and backpropagation through time.
enum class TrainBackend {
  kAuto,       // per layer, where measured faster: oneDNN for LSTM/GRU of >= 128 units with batch
               // >= 32 on >= 2 threads, else the reference (the default)
  kOnednn,     // oneDNN's RNN primitives (forward_training + backward)
  kReference,  // seqrt's own BPTT (GEMMs + fused gate math)
};
// "auto", "onednn" or "reference"; InvalidArgument names the accepted words otherwise.
SEQRT_EXPORT absl::StatusOr<TrainBackend> ParseTrainBackend(const std::string& text);

struct EpochStats {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  double train_accuracy = 0;  // classification only
  double val_loss = 0;        // valid when has_validation
  double val_accuracy = 0;
  bool has_validation = false;
  double seconds = 0;
  double samples_per_second = 0;
};

struct TrainOptions {
  int epochs = 10;
  int64_t batch_size = 32;
  OptimizerKind optimizer = OptimizerKind::kAdam;
  double learning_rate = 1e-3;
  double momentum = 0.0;                              // SGD
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;  // Adam (Keras defaults)
  double clip_norm = 0.0;         // > 0: scale gradients so their global L2 norm is at most this
  double validation_split = 0.0;  // fraction taken from the END of the data (Keras semantics)
  bool shuffle = true;
  uint64_t seed = 1;                // shuffling (weights are seeded in Create)
  int early_stopping_patience = 0;  // > 0: stop after this many epochs without a better monitored loss
  bool restore_best_weights = true;
  int threads = 1;  // GEMM threads (oneDNN/OpenMP); results are reproducible per count
  // Results are reproducible per backend too, but differ between backends in the last bits.
  TrainBackend backend = TrainBackend::kAuto;
  // Called after every batch (done, total) and every epoch; either may be empty.
  std::function<void(int epoch, int64_t done, int64_t total, double running_loss)> on_batch;
  std::function<void(const EpochStats&)> on_epoch;
  // Returning true ends training after that epoch (e.g. once a target accuracy is reached).
  std::function<bool(const EpochStats&)> stop_if;
};

struct TrainHistory {
  std::vector<EpochStats> epochs;
  int best_epoch = 0;  // the epoch whose weights the model holds at the end
  bool stopped_early = false;
};

struct ExportOptions {
  int opset = 13;  // 13 to 17 (libonnx 1.12's checker knows up to 17)
  std::string input_name = "x";
  std::string output_name = "y";
  std::string graph_name = "seqrt_trained";
};

class SEQRT_EXPORT TrainableModel {
 public:
  // Builds the layers with Keras initializers drawn from `seed`. For kClasses the last Dense
  // gets softmax (and must have num_outputs units); for kRegression it stays linear.
  static absl::StatusOr<TrainableModel> Create(int64_t num_features, const std::vector<LayerSpec>& layers,
                                               TargetKind target, int64_t num_outputs, uint64_t seed);
  TrainableModel(TrainableModel&&) noexcept;
  TrainableModel& operator=(TrainableModel&&) noexcept;
  ~TrainableModel();

  absl::StatusOr<TrainHistory> Fit(const TrainingData& data, const TrainOptions& options);
  // Loss and accuracy on a data set without training.
  absl::StatusOr<EpochStats> Evaluate(const TrainingData& data, int64_t batch_size = 256) const;
  // Model outputs (probabilities for classifiers) for X [N, T, F]: [N, K] (or [N, T, K] when the
  // last recurrent layer returns sequences).
  absl::StatusOr<Tensor> Predict(const Tensor& x, int64_t batch_size = 256) const;

  absl::StatusOr<std::string> SerializeOnnx(const ExportOptions& options = {}) const;
  absl::Status ExportOnnx(const std::string& path, const ExportOptions& options = {}) const;

  int64_t parameter_count() const;
  std::string Summary() const;  // one line per layer: kind, units, output, parameters

  struct SEQRT_HIDDEN Impl;  // not exported: callers only hold the pointer

 private:
  explicit TrainableModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seqrt
