#include "ops/registry.h"

namespace seqrt::ops {

void RegisterShapeOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
