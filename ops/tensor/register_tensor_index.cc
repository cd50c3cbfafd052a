#include "ops/tensor/tensor_index_ops.h"

namespace seqrt::ops {

void RegisterTensorIndexOps(OpRegistry& registry) {
  (void)registry;
}

}  // namespace seqrt::ops
