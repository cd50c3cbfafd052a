#include "ops/registry.h"

namespace seqrt::ops {

void RegisterSoftmaxOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
