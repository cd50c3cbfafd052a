#include "ops/registry.h"

namespace seqrt::ops {

void RegisterReduceOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
