// The tensor-indexing family (ops/tensor/): ScatterND, ScatterElements (and the deprecated
// Scatter), GatherND, DepthToSpace / SpaceToDepth. RegisterTensorIndexOps
// (ops/tensor/register_tensor_index.cc) is the family's one registry line.
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

}  // namespace seqrt::ops
