#include "ops/registry.h"

namespace seqrt::ops {

void RegisterControlFlowOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
