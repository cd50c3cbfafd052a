// The sequence/optional op family (ops/sequence/): one registration function per file,
// gathered by RegisterSequenceOps (register_sequence.cc).
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

void RegisterSequenceListOps(OpRegistry& registry);      // sequence_list.cc
void RegisterSequenceSplitConcatOps(OpRegistry& registry);  // split_concat.cc
void RegisterSequenceMapOp(OpRegistry& registry);         // sequence_map.cc
void RegisterOptionalOps(OpRegistry& registry);           // optional.cc

}  // namespace seqrt::ops
