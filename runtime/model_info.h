// Summaries of a loaded model for the public API (`seqrt info`, Session::inputs()).
#pragma once

#include "graph/graph.h"
#include "seqrt/session.h"

namespace seqrt::runtime {

ValueInfo ToValueInfo(const graph::Value& value);
ModelInfo DescribeModel(const graph::Model& model);

}  // namespace seqrt::runtime
