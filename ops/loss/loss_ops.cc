#include "ops/loss/loss_ops.h"

namespace seqrt::ops {

void RegisterLossOps(OpRegistry& registry) {
  loss::RegisterNegativeLogLikelihoodLoss(registry);
  loss::RegisterSoftmaxCrossEntropyLoss(registry);
}

}  // namespace seqrt::ops
