#include "ops/integer/integer_ops.h"

namespace seqrt::ops {

void RegisterIntegerOps(OpRegistry& registry) {
  integer::RegisterMatMulIntegerOps(registry);
  integer::RegisterConvIntegerOp(registry);
  integer::RegisterDynamicQuantizeLinearOp(registry);
}

}  // namespace seqrt::ops
