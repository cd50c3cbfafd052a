// Sequence and optional values: the ops that build, read and take apart sequences, and the
// Optional ops. Sequences live outside the memory arena (see runtime/plan.h, Storage::kBoxed).
#include "ops/sequence/sequence_ops.h"

namespace seqrt::ops {

void RegisterSequenceOps(OpRegistry& registry) {
  RegisterSequenceListOps(registry);
  RegisterSequenceSplitConcatOps(registry);
  RegisterSequenceMapOp(registry);
  RegisterOptionalOps(registry);
}

}  // namespace seqrt::ops
