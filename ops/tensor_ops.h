// The tensor-manipulation family is split by job; ops/tensor_ops.cc registers all of it.
//   tensor_transpose.cc:    Transpose
//   tensor_concat_split.cc: Concat, Split
//   tensor_slice.cc:        Slice
//   tensor_gather.cc:       Gather, GatherElements
//   tensor_pad_tile.cc:     Pad, Tile
//   tensor_sequence.cc:     ReverseSequence, CumSum (walks along one axis)
#pragma once

#include "ops/registry.h"

namespace seqrt::ops {

void RegisterTransposeOps(OpRegistry& registry);
void RegisterConcatSplitOps(OpRegistry& registry);
void RegisterSliceOps(OpRegistry& registry);
void RegisterGatherOps(OpRegistry& registry);
void RegisterPadTileOps(OpRegistry& registry);
void RegisterSequenceAxisOps(OpRegistry& registry);

}  // namespace seqrt::ops
