// The nn family (ops/nn/): pooling, ConvTranspose, Resize/Upsample, the normalizations beyond
// BatchNormalization's inference mode, GridSample, RoiAlign, NonMaxSuppression. Each file
// registers its ops; RegisterNnOps (ops/nn/register_nn.cc) is the family's one registry line.
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

void RegisterPoolOps(OpRegistry& registry);
void RegisterConvTransposeOps(OpRegistry& registry);
void RegisterResizeOps(OpRegistry& registry);

}  // namespace seqrt::ops
