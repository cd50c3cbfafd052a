#include "ops/registry.h"

namespace seqrt::ops {

void RegisterConvOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
