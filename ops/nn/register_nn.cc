#include "ops/nn/nn_ops.h"

namespace seqrt::ops {

void RegisterNnOps(OpRegistry& registry) {
  RegisterNormalizationOps(registry);
  RegisterLayerNormOps(registry);
  RegisterInstanceNormOps(registry);
  RegisterLrnOps(registry);
  RegisterPoolOps(registry);
  RegisterConvTransposeOps(registry);
  RegisterResizeOps(registry);
}

}  // namespace seqrt::ops
