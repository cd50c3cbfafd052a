#include "ops/vision/vision_ops.h"

namespace seqrt::ops {

void RegisterVisionOps(OpRegistry& registry) {
  vision::RegisterNonMaxSuppressionOp(registry);
  vision::RegisterRoiAlignOp(registry);
  vision::RegisterGridSampleOp(registry);
}

}  // namespace seqrt::ops
