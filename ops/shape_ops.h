// The shape family is split by job; ops/shape_ops.cc registers all of it.
//   shape_ops.cc:      Shape, Size (read only input dims; folded once dims are known)
//   shape_views.cc:    Reshape, Squeeze, Unsqueeze, Flatten, Identity, Dropout (views of input 0)
//   shape_generate.cc: Expand, ConstantOfShape, Range (outputs sized by input values)
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

void RegisterShapeViewOps(OpRegistry& registry);
void RegisterShapeGenerateOps(OpRegistry& registry);

}  // namespace seqrt::ops
