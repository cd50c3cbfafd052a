#include "ops/registry.h"

namespace seqrt::ops {

void RegisterNormalizationOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
