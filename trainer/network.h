// A stack of layers plus its loss: the unit the optimizer trains and the gradient checks probe.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "trainer/layers.h"

namespace seqrt::trainer {

// Targets for one batch, already in the network's time-major order.
struct BatchTargets {
  const int64_t* labels = nullptr;  // classes: [N]
  const float* values = nullptr;    // regression: [steps, N, K] (steps = output steps)
};

template <typename S>
class Network {
 public:
  // Validates the stack (widths, a classifier ending in Dense, sequence flags).
  static absl::StatusOr<Network> Create(int64_t num_features, const std::vector<LayerSpec>& specs,
                                        TargetKind target, int64_t num_outputs, uint64_t seed);

  // Forward over x [T, N, F]; returns the last layer's output (logits for classifiers).
  const Seq<S>& Forward(const Seq<S>& x);
  // Loss of the last Forward (mean over the batch; MSE also over elements), with `correct`
  // receiving the number of right argmax predictions for classifiers. Fills the output gradient.
  double Loss(const BatchTargets& targets, int64_t* correct);
  // Backpropagates the gradient Loss filled; accumulates into every Param's grad.
  void Backward();
  void ZeroGrad();

  std::vector<Param<S>*> params();
  std::vector<std::unique_ptr<Layer<S>>>& layers() { return layers_; }
  TargetKind target() const { return target_; }
  int64_t num_features() const { return num_features_; }

 private:
  std::vector<std::unique_ptr<Layer<S>>> layers_;
  std::vector<Seq<S>> acts_;  // acts_[0] = input copy, acts_[i+1] = layer i's output
  std::vector<Seq<S>> grads_;
  TargetKind target_ = TargetKind::kClasses;
  int64_t num_features_ = 0;
};

}  // namespace seqrt::trainer
