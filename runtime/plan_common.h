// Helpers shared by the planner (runtime/planner.cc) and the executor (runtime/executor.cc):
// both choose kernels and compute single nodes (folding at plan time, dynamic steps at run time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"

namespace seqrt::runtime {

// Inputs of at most this many elements are handed to a dynamic node's shape function at run
// time: shape-like inputs (Reshape's shape, Slice's starts...) are always that small.
constexpr int64_t kMaxRuntimeConstantElements = 4096;

// A non-null address for inputs of shape-only ops (Shape, Size) whose data is never read.
extern const char kShapeOnlyPlaceholder[64];

// Prefixes the node's description to an error that does not already name it.
absl::Status AnnotateNode(const absl::Status& st, const graph::Node& node);

// Picks the first kernel (fast ones first) whose Prepare accepts these shapes.
absl::StatusOr<std::unique_ptr<ops::OpKernel>> ChooseKernel(const graph::Node& node,
                                                            const ops::OpSchema& schema,
                                                            ops::PrepareContext& pctx);

// The node's input count is within its schema's range and its required inputs are present.
// Load-time inference checks this for the main graph; subgraph bodies meet it first here, and
// shape functions and kernels index their inputs trusting it.
absl::Status CheckInputCount(const graph::Node& node, const ops::OpSchema& schema);

// Checks every output of `node` whose shape `ictx` now knows: element counts and byte sizes
// must not overflow and each must fit `max_bytes` (> 0). Runs before anything is allocated,
// so an allocation bomb (ConstantOfShape of 2^60 elements...) is an error naming the node,
// the value and the bytes: InvalidArgument for impossible sizes, ResourceExhausted above the cap.
absl::Status CheckOutputSizes(const graph::Node& node, const graph::Graph& graph,
                              const ops::InferContext& ictx, int64_t max_bytes);

// Regular inputs, then the outer values the node's subgraphs capture.
std::vector<graph::ValueId> AllInputs(const graph::Node& node);

}  // namespace seqrt::runtime
