// The nn family (ops/nn/): pooling, ConvTranspose, Resize/Upsample, the normalizations beyond
// BatchNormalization's inference mode, GridSample, RoiAlign, NonMaxSuppression. Each file
// registers its ops; RegisterNnOps (ops/nn/register_nn.cc) is the family's one registry line.
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

void RegisterNormalizationOps(OpRegistry& registry);  // batch_norm.cc
void RegisterLayerNormOps(OpRegistry& registry);
void RegisterInstanceNormOps(OpRegistry& registry);  // and MeanVarianceNormalization
void RegisterLrnOps(OpRegistry& registry);
void RegisterPoolOps(OpRegistry& registry);
void RegisterConvTransposeOps(OpRegistry& registry);
void RegisterResizeOps(OpRegistry& registry);

}  // namespace seqrt::ops
