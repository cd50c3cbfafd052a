#include "ops/text/text_ops.h"

namespace seqrt::ops {

void RegisterTextOps(OpRegistry& registry) { text::RegisterTfIdfVectorizerOp(registry); }

}  // namespace seqrt::ops
