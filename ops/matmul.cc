#include "ops/registry.h"

namespace seqrt::ops {

void RegisterMatMulOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
