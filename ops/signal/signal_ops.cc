#include "ops/signal/signal_ops.h"

namespace seqrt::ops {

void RegisterSignalOps(OpRegistry& registry) {
  signal::RegisterDftOp(registry);
  signal::RegisterStftOp(registry);
  signal::RegisterWindowOps(registry);
  signal::RegisterMelWeightMatrixOp(registry);
}

}  // namespace seqrt::ops
