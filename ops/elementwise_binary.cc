#include "ops/registry.h"

namespace seqrt::ops {

void RegisterElementwiseBinaryOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
