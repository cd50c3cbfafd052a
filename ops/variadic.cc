#include "ops/registry.h"

namespace seqrt::ops {

void RegisterVariadicOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
