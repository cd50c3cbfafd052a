// The loss family (ops/loss/): NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss share
// the weighted, ignore_index-aware gather of -log p[target] and its reduction
// (nll_reduction.h); RegisterLossOps (loss_ops.cc) is the family's registration entry.
#pragma once

#include "ops/registry.h"

namespace seqrt::ops::loss {

void RegisterNegativeLogLikelihoodLoss(OpRegistry& registry);
void RegisterSoftmaxCrossEntropyLoss(OpRegistry& registry);

}  // namespace seqrt::ops::loss
