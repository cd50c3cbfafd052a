#include "ops/registry.h"

namespace seqrt::ops {

void RegisterLogicalOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
