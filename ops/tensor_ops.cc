#include "ops/registry.h"

namespace seqrt::ops {

void RegisterTensorOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
