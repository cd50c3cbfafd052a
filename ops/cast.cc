#include "ops/registry.h"

namespace seqrt::ops {

void RegisterCastOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
