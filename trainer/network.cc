#include "trainer/network.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "trainer/dense_layer.h"
#include "trainer/recurrent_layer.h"

namespace seqrt::trainer {

template <typename S>
absl::StatusOr<Network<S>> Network<S>::Create(int64_t num_features, const std::vector<LayerSpec>& specs,
                                              TargetKind target, int64_t num_outputs, uint64_t seed) {
  if (num_features <= 0)
    return absl::InvalidArgumentError(absl::StrCat("trainer: features must be > 0, got ", num_features));
  if (specs.empty()) return absl::InvalidArgumentError("trainer: the model has no layers");
  Network net;
  net.target_ = target;
  net.num_features_ = num_features;
  Rng rng(seed);
  int64_t width = num_features;
  bool sequence = true;  // the input is a sequence
  bool seen_recurrent_end = false;
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerSpec& spec = specs[i];
    const std::string where = absl::StrCat("layer ", i + 1);
    if (spec.units <= 0)
      return absl::InvalidArgumentError(
          absl::StrCat("trainer: ", where, ": units must be > 0, got ", spec.units));
    if (spec.kind == LayerKind::kDense) {
      if (spec.activation == Activation::kTanh)
        return absl::InvalidArgumentError(
            absl::StrCat("trainer: ", where, ": dense activation must be linear, relu or softmax"));
      if (spec.activation == Activation::kSoftmax && i + 1 != specs.size())
        return absl::InvalidArgumentError(
            absl::StrCat("trainer: ", where, ": softmax is only supported on the last layer"));
      net.layers_.push_back(std::make_unique<DenseLayer<S>>(spec, width, rng));
    } else {
      if (!sequence || seen_recurrent_end)
        return absl::InvalidArgumentError(absl::StrCat(
            "trainer: ", where,
            ": a recurrent layer needs a sequence input, but the previous recurrent layer or a dense "
            "layer ended the sequence (set return_sequences on the layer before)"));
      if (spec.kind == LayerKind::kSimpleRNN && spec.activation != Activation::kTanh &&
          spec.activation != Activation::kRelu)
        return absl::InvalidArgumentError(
            absl::StrCat("trainer: ", where, ": SimpleRNN activation must be tanh or relu"));
      if (spec.bidirectional)
        net.layers_.push_back(std::make_unique<BidirectionalLayer<S>>(spec, width, rng));
      else
        net.layers_.push_back(std::make_unique<RecurrentLayer<S>>(spec, width, false, rng));
      sequence = spec.return_sequences;
      if (!sequence) seen_recurrent_end = true;
    }
    width = net.layers_.back()->output_width();
  }
  const LayerSpec& last = specs.back();
  if (target == TargetKind::kClasses) {
    if (last.kind != LayerKind::kDense || last.activation != Activation::kSoftmax)
      return absl::InvalidArgumentError(
          absl::StrCat("trainer: integer labels make a classifier, which must end with a dense layer of ",
                       num_outputs, " units (add dense:", num_outputs, " to the layers)"));
    if (sequence)
      return absl::InvalidArgumentError(
          "trainer: a classifier needs one output per sequence: the last recurrent layer must not return "
          "sequences");
  } else if (last.kind == LayerKind::kDense && last.activation == Activation::kSoftmax) {
    return absl::InvalidArgumentError("trainer: a regression model cannot end with softmax");
  }
  if (width != num_outputs)
    return absl::InvalidArgumentError(
        absl::StrCat("trainer: the last layer has ", width, " units but the targets need ", num_outputs));
  net.acts_.resize(net.layers_.size() + 1);
  net.grads_.resize(net.layers_.size() + 1);
  return net;
}

template <typename S>
const Seq<S>& Network<S>::Forward(const Seq<S>& x) {
  acts_[0] = x;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->Forward(acts_[i], acts_[i + 1]);
  return acts_.back();
}

template <typename S>
double Network<S>::Loss(const BatchTargets& targets, int64_t* correct) {
  const Seq<S>& out = acts_.back();
  Seq<S>& d = grads_.back();
  d.Resize(out.steps, out.batch, out.width);
  const int64_t n = out.batch, k = out.width;
  double loss = 0;
  if (correct) *correct = 0;
  if (target_ == TargetKind::kClasses) {
    // Softmax cross-entropy on logits, in double for a stable log-sum-exp.
    for (int64_t b = 0; b < n; ++b) {
      const S* z = out.v.data() + b * k;
      double mx = z[0];
      int64_t arg = 0;
      for (int64_t j = 1; j < k; ++j)
        if (z[j] > mx) mx = z[j], arg = j;
      double sum = 0;
      for (int64_t j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j]) - mx);
      const int64_t label = targets.labels[b];
      loss += std::log(sum) - (static_cast<double>(z[label]) - mx);
      if (correct && arg == label) ++*correct;
      for (int64_t j = 0; j < k; ++j) {
        const double p = std::exp(static_cast<double>(z[j]) - mx) / sum;
        d.v[b * k + j] = static_cast<S>((p - (j == label ? 1.0 : 0.0)) / static_cast<double>(n));
      }
    }
    return loss / static_cast<double>(n);
  }
  // Keras' MSE: mean over the output features, then over steps and batch.
  const double count = static_cast<double>(out.v.size());
  for (size_t i = 0; i < out.v.size(); ++i) {
    const double e = static_cast<double>(out.v[i]) - targets.values[i];
    loss += e * e;
    d.v[i] = static_cast<S>(2.0 * e / count);
  }
  return loss / count;
}

template <typename S>
void Network<S>::Backward() {
  for (size_t i = layers_.size(); i-- > 0;) layers_[i]->Backward(grads_[i + 1], i > 0 ? &grads_[i] : nullptr);
}

template <typename S>
void Network<S>::ZeroGrad() {
  for (Param<S>* p : params()) std::fill(p->grad.begin(), p->grad.end(), S(0));
}

template <typename S>
std::vector<Param<S>*> Network<S>::params() {
  std::vector<Param<S>*> all;
  for (auto& l : layers_)
    for (Param<S>* p : l->params()) all.push_back(p);
  return all;
}

template class Network<float>;
template class Network<double>;

}  // namespace seqrt::trainer
