#include "ops/nn/nn_ops.h"

namespace seqrt::ops {

void RegisterNnOps(OpRegistry& registry) {
  RegisterPoolOps(registry);
  RegisterConvTransposeOps(registry);
  RegisterResizeOps(registry);
}

}  // namespace seqrt::ops
