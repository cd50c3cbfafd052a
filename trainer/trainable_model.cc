// TrainableModel: the public face of the trainer (fit / evaluate / predict / export).
#include <chrono>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "seqrt/status.h"
#include "seqrt/train.h"
#include "trainer/gemm.h"
#include "trainer/network.h"
#include "trainer/onnx_export.h"
#include "trainer/optimizer.h"

namespace seqrt {

using trainer::Network;
using trainer::Seq;

struct TrainableModel::Impl {
  // Mutable because a forward pass caches activations; a TrainableModel is not for concurrent use.
  mutable Network<float> net;
  std::vector<LayerSpec> specs;
  int64_t num_outputs = 0;
  bool sequence_output = false;

  // Copies rows idx[begin, end) of X [N,T,F] into time-major x and their targets.
  void Gather(const TrainingData& data, const std::vector<int64_t>& idx, int64_t begin, int64_t end,
              Seq<float>& x, std::vector<int64_t>& labels, std::vector<float>& values) const {
    const int64_t b = end - begin, t_steps = data.num_steps(), f = data.num_features();
    x.Resize(t_steps, b, f);
    const float* src = data.x.data_as<float>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t < t_steps; ++t)
        std::copy_n(src + (idx[begin + i] * t_steps + t) * f, f, x.v.data() + (t * b + i) * f);
    if (data.target == TargetKind::kClasses) {
      labels.resize(b);
      for (int64_t i = 0; i < b; ++i) labels[i] = data.y.data_as<int64_t>()[idx[begin + i]];
      return;
    }
    const int64_t k = data.y.dims().back(), steps = sequence_output ? t_steps : 1;
    values.resize(steps * b * k);
    const float* y = data.y.data_as<float>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t < steps; ++t)
        std::copy_n(y + (idx[begin + i] * steps + t) * k, k, values.data() + (t * b + i) * k);
  }

  absl::Status CheckData(const TrainingData& data) const {
    if (data.num_features() != net.num_features())
      return absl::InvalidArgumentError(absl::StrCat("training data X has ", data.num_features(),
                                                     " features per step, the model was built for ",
                                                     net.num_features()));
    if (data.target != net.target())
      return absl::InvalidArgumentError(data.target == TargetKind::kClasses
                                            ? "integer labels given to a regression model (use float targets)"
                                            : "float targets given to a classifier (use integer labels)");
    if (data.target == TargetKind::kClasses) {
      if (data.num_outputs() > num_outputs)
        return absl::InvalidArgumentError(
            absl::StrCat("label ", data.num_outputs() - 1, " is out of range for ", num_outputs, " classes"));
      return absl::OkStatus();
    }
    const size_t want_rank = sequence_output ? 3 : 2;
    if (data.y.dims().size() != want_rank || data.y.dims().back() != num_outputs)
      return absl::InvalidArgumentError(absl::StrCat("targets have shape ", DimsToString(data.y.dims()),
                                                     ", the model outputs ",
                                                     sequence_output ? "[N, T, " : "[N, ", num_outputs, "]"));
    return absl::OkStatus();
  }

  // Loss and accuracy over idx, without touching gradients.
  EpochStats Measure(const TrainingData& data, const std::vector<int64_t>& idx, int64_t batch) const {
    EpochStats st;
    Seq<float> x;
    std::vector<int64_t> labels;
    std::vector<float> values;
    double loss = 0;
    int64_t correct = 0;
    const int64_t n = static_cast<int64_t>(idx.size());
    for (int64_t b = 0; b < n; b += batch) {
      const int64_t e = std::min(n, b + batch);
      Gather(data, idx, b, e, x, labels, values);
      net.Forward(x);
      int64_t c = 0;
      loss += net.Loss({labels.data(), values.data()}, &c) * static_cast<double>(e - b);
      correct += c;
    }
    st.train_loss = n ? loss / n : 0;
    st.train_accuracy = n ? static_cast<double>(correct) / n : 0;
    return st;
  }
};

TrainableModel::TrainableModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrainableModel::TrainableModel(TrainableModel&&) noexcept = default;
TrainableModel& TrainableModel::operator=(TrainableModel&&) noexcept = default;
TrainableModel::~TrainableModel() = default;

absl::StatusOr<TrainableModel> TrainableModel::Create(int64_t num_features,
                                                      const std::vector<LayerSpec>& layers, TargetKind target,
                                                      int64_t num_outputs, uint64_t seed) {
  std::vector<LayerSpec> specs = layers;
  if (target == TargetKind::kClasses && !specs.empty() && specs.back().kind == LayerKind::kDense)
    specs.back().activation = Activation::kSoftmax;
  SEQRT_ASSIGN_OR_RETURN(Network<float> net,
                         Network<float>::Create(num_features, specs, target, num_outputs, seed));
  auto impl = std::make_unique<Impl>(Impl{std::move(net), specs, num_outputs, false});
  for (const LayerSpec& s : specs)
    if (s.kind != LayerKind::kDense) impl->sequence_output = s.return_sequences;
  return TrainableModel(std::move(impl));
}

absl::StatusOr<TrainHistory> TrainableModel::Fit(const TrainingData& data, const TrainOptions& options) {
  SEQRT_RETURN_IF_ERROR(impl_->CheckData(data));
  if (options.epochs < 0 || options.batch_size <= 0 || options.learning_rate <= 0 ||
      options.validation_split < 0 || options.validation_split >= 1)
    return absl::InvalidArgumentError(
        absl::StrCat("train options: need epochs >= 0, batch > 0, lr > 0 and validation "
                     "split in [0, 1); got epochs ",
                     options.epochs, ", batch ", options.batch_size, ", lr ", options.learning_rate,
                     ", split ", options.validation_split));
  const int64_t n = data.num_samples();
  // Keras: the validation set is the last fraction of the data, taken before any shuffling.
  const int64_t n_train =
      static_cast<int64_t>(std::floor(static_cast<double>(n) * (1.0 - options.validation_split)));
  if (n_train <= 0)
    return absl::InvalidArgumentError("train options: the validation split leaves no training samples");
  std::vector<int64_t> train_idx(n_train), val_idx(n - n_train);
  for (int64_t i = 0; i < n; ++i) (i < n_train ? train_idx[i] : val_idx[i - n_train]) = i;

  trainer::SetGemmThreads(options.threads);
  Network<float>& net = impl_->net;
  for (auto& layer : net.layers()) layer->set_backend(options.backend);
  trainer::Optimizer opt(options, net.params());
  trainer::Rng rng(options.seed);
  TrainHistory history;
  double best = INFINITY;
  int since_best = 0;
  std::vector<std::vector<float>> best_weights;
  Seq<float> x;
  std::vector<int64_t> labels;
  std::vector<float> values;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (options.shuffle) rng.Shuffle(train_idx);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t b = 0; b < n_train; b += options.batch_size) {
      const int64_t e = std::min(n_train, b + options.batch_size);
      impl_->Gather(data, train_idx, b, e, x, labels, values);
      net.ZeroGrad();
      net.Forward(x);
      int64_t c = 0;
      const double loss = net.Loss({labels.data(), values.data()}, &c);
      net.Backward();
      opt.Step();
      loss_sum += loss * static_cast<double>(e - b);
      correct += c;
      if (options.on_batch) options.on_batch(epoch, e, n_train, loss_sum / static_cast<double>(e));
    }
    EpochStats st;
    st.epoch = epoch;
    st.train_loss = loss_sum / static_cast<double>(n_train);
    st.train_accuracy = static_cast<double>(correct) / static_cast<double>(n_train);
    const double train_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!val_idx.empty()) {
      const EpochStats v = impl_->Measure(data, val_idx, 256);
      st.val_loss = v.train_loss;
      st.val_accuracy = v.train_accuracy;
      st.has_validation = true;
    }
    st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    st.samples_per_second = static_cast<double>(n_train) / train_seconds;
    history.epochs.push_back(st);
    if (options.on_epoch) options.on_epoch(st);
    const bool stop_requested = options.stop_if && options.stop_if(st);

    const double monitored = st.has_validation ? st.val_loss : st.train_loss;
    if (monitored < best) {
      best = monitored;
      since_best = 0;
      history.best_epoch = epoch;
      if (options.early_stopping_patience > 0 && options.restore_best_weights) {
        best_weights.clear();
        for (auto* p : net.params()) best_weights.push_back(p->value);
      }
    } else if (options.early_stopping_patience > 0 && ++since_best >= options.early_stopping_patience) {
      history.stopped_early = true;
      break;
    }
    if (stop_requested) break;
  }
  if (history.stopped_early && options.restore_best_weights && !best_weights.empty()) {
    auto params = net.params();
    for (size_t i = 0; i < params.size(); ++i) params[i]->value = best_weights[i];
  } else {
    history.best_epoch = static_cast<int>(history.epochs.size());
  }
  return history;
}

absl::StatusOr<EpochStats> TrainableModel::Evaluate(const TrainingData& data, int64_t batch_size) const {
  SEQRT_RETURN_IF_ERROR(impl_->CheckData(data));
  std::vector<int64_t> idx(data.num_samples());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
  EpochStats st = impl_->Measure(data, idx, std::max<int64_t>(1, batch_size));
  st.val_loss = st.train_loss, st.val_accuracy = st.train_accuracy, st.has_validation = true;
  return st;
}

absl::StatusOr<Tensor> TrainableModel::Predict(const Tensor& x, int64_t batch_size) const {
  if (x.dtype() != DType::kFloat || x.dims().size() != 3 || x.dims()[2] != impl_->net.num_features())
    return absl::InvalidArgumentError(
        absl::StrCat("Predict: X must be float32 [N, T, ", impl_->net.num_features(), "], got ",
                     std::string(DTypeName(x.dtype())), " ", DimsToString(x.dims())));
  const int64_t n = x.dims()[0], t_steps = x.dims()[1], f = x.dims()[2], k = impl_->num_outputs;
  const int64_t steps = impl_->sequence_output ? t_steps : 1;
  Tensor out(DType::kFloat, impl_->sequence_output ? Dims{n, t_steps, k} : Dims{n, k});
  float* dst = out.data_as<float>();
  Seq<float> xb;
  batch_size = std::max<int64_t>(1, batch_size);
  for (int64_t b0 = 0; b0 < n; b0 += batch_size) {
    const int64_t b = std::min(n, b0 + batch_size) - b0;
    xb.Resize(t_steps, b, f);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t < t_steps; ++t)
        std::copy_n(x.data_as<float>() + ((b0 + i) * t_steps + t) * f, f, xb.v.data() + (t * b + i) * f);
    const Seq<float>& y = impl_->net.Forward(xb);
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t < steps; ++t) {
        const float* src = y.v.data() + (t * b + i) * k;
        float* d = dst + ((b0 + i) * steps + t) * k;
        std::copy_n(src, k, d);
        if (impl_->net.target() == TargetKind::kClasses) {
          float mx = d[0];
          for (int64_t j = 1; j < k; ++j) mx = std::max(mx, d[j]);
          float sum = 0;
          for (int64_t j = 0; j < k; ++j) sum += (d[j] = std::exp(d[j] - mx));
          for (int64_t j = 0; j < k; ++j) d[j] /= sum;
        }
      }
  }
  return out;
}

absl::StatusOr<std::string> TrainableModel::SerializeOnnx(const ExportOptions& options) const {
  return trainer::ExportOnnxModel(impl_->net, options);
}

absl::Status TrainableModel::ExportOnnx(const std::string& path, const ExportOptions& options) const {
  SEQRT_ASSIGN_OR_RETURN(std::string bytes, SerializeOnnx(options));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write the model"));
  return absl::OkStatus();
}

int64_t TrainableModel::parameter_count() const {
  int64_t count = 0;
  for (auto* p : impl_->net.params()) count += static_cast<int64_t>(p->value.size());
  return count;
}

std::string TrainableModel::Summary() const {
  static constexpr const char* kKind[] = {"SimpleRNN", "LSTM", "GRU", "Dense"};
  std::string s;
  for (auto& layer : impl_->net.layers()) {
    const LayerSpec& spec = layer->spec();
    int64_t count = 0;
    for (auto* p : layer->params()) count += static_cast<int64_t>(p->value.size());
    absl::StrAppendFormat(
        &s, "  %s%s(%d)%s%s  -> %s%d]  params %d\n", spec.bidirectional ? "Bidirectional " : "",
        kKind[static_cast<int>(spec.kind)], spec.units,
        spec.kind == LayerKind::kGRU && !spec.reset_after ? " reset_after=False" : "",
        spec.kind == LayerKind::kDense && spec.activation == Activation::kSoftmax    ? " softmax"
        : spec.kind == LayerKind::kDense && spec.activation == Activation::kRelu     ? " relu"
        : spec.kind == LayerKind::kSimpleRNN && spec.activation == Activation::kRelu ? " relu"
                                                                                     : "",
        (spec.kind != LayerKind::kDense && spec.return_sequences) ? "[T, " : "[", layer->output_width(),
        count);
  }
  absl::StrAppend(&s, "  total parameters: ", parameter_count(), "\n");
  return s;
}

}  // namespace seqrt
