#include "ops/registry.h"

namespace seqrt::ops {

void RegisterQuantizationOps(OpRegistry& registry) { (void)registry; }

}  // namespace seqrt::ops
