// SGD with momentum and Adam, with Keras' update rules, plus global-norm gradient clipping.
#pragma once

#include <vector>

#include "seqrt/train.h"
#include "trainer/layers.h"

namespace seqrt::trainer {

class Optimizer {
 public:
  Optimizer(const TrainOptions& options, const std::vector<Param<float>*>& params);
  // Clips (when asked) and applies one update from the accumulated grads. Returns the gradient
  // norm before clipping.
  double Step();

 private:
  TrainOptions options_;
  std::vector<Param<float>*> params_;
  std::vector<std::vector<float>> m_, v_;  // SGD: velocity in m_. Adam: first/second moments.
  int64_t step_ = 0;
};

}  // namespace seqrt::trainer
