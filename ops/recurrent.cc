#include "ops/registry.h"

namespace seqrt::ops {

void RegisterRecurrentOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
