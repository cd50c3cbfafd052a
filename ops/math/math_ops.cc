#include "ops/math/math_ops.h"

namespace seqrt::ops {

void RegisterMathOps(OpRegistry& registry) {
  math::RegisterFloatClassifyOps(registry);
  math::RegisterTriluOp(registry);
  math::RegisterHardmaxOp(registry);
  math::RegisterTopKOp(registry);
  math::RegisterDetOp(registry);
  math::RegisterEinsumOp(registry);
  math::RegisterEyeLikeOp(registry);
}

}  // namespace seqrt::ops
