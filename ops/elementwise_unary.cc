#include "ops/registry.h"

namespace seqrt::ops {

void RegisterElementwiseUnaryOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
