// The vision family (ops/vision/): detection and sampling operators of image front ends,
// one file per op with its shape function beside its reference kernel.
// RegisterVisionOps (register_vision.cc) is the family's one registry line.
//   non_max_suppression.cc: NonMaxSuppression
//   roi_align.cc:           RoiAlign
//   grid_sample.cc:         GridSample
#pragma once

#include "ops/registry.h"

namespace seqrt::ops::vision {

void RegisterNonMaxSuppressionOp(OpRegistry& registry);
void RegisterRoiAlignOp(OpRegistry& registry);
void RegisterGridSampleOp(OpRegistry& registry);

}  // namespace seqrt::ops::vision
