// The math family (ops/math/): linear-algebra-like and selection-by-value operators, one
// file per op, each with its shape function beside its kernel. RegisterMathOps
// (math_ops.cc) is the family's one registration entry.
//   float_classify.cc: IsNaN, IsInf
//   trilu.cc:          Trilu
//   hardmax.cc:        Hardmax
//   topk.cc:           TopK
//   det.cc:            Det
//   einsum.cc:         Einsum
//   eye_like.cc:       EyeLike
#pragma once

#include "ops/registry.h"

namespace seqrt::ops::math {

void RegisterFloatClassifyOps(OpRegistry& registry);
void RegisterTriluOp(OpRegistry& registry);
void RegisterHardmaxOp(OpRegistry& registry);
void RegisterTopKOp(OpRegistry& registry);
void RegisterDetOp(OpRegistry& registry);
void RegisterEinsumOp(OpRegistry& registry);
void RegisterEyeLikeOp(OpRegistry& registry);

}  // namespace seqrt::ops::math
