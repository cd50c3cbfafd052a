#include "ops/tensor_ops.h"

namespace seqrt::ops {

void RegisterTensorOps(OpRegistry& registry) {
  RegisterTransposeOps(registry);
  RegisterConcatSplitOps(registry);
  RegisterSliceOps(registry);
  RegisterGatherOps(registry);
  RegisterPadTileOps(registry);
  RegisterSequenceAxisOps(registry);
}

}  // namespace seqrt::ops
