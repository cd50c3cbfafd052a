// Pieces shared by the subgraph-running ops (Loop, If, Scan): finding a body's captured
// outer values in the node's input list, reading scalar control inputs, merging declared
// body shapes into node output shapes, and stacking per-iteration outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"
#include "seqrt/tensor.h"

namespace seqrt::ops {

// The node's bodies keyed as the runtime orders their captures: implicit inputs are the
// captures of each graph attribute in attribute-name order, concatenated.
struct BodyRef {
  std::string attr;
  std::shared_ptr<const graph::Graph> graph;
  int first_capture = 0;  // index into node.implicit_inputs
};
absl::StatusOr<std::vector<BodyRef>> NodeBodies(const graph::Node& node);
// The body named `attr` among NodeBodies(node); InvalidArgument naming the node when absent.
absl::StatusOr<BodyRef> FindBody(const graph::Node& node, const std::string& attr);

// Views of the captured outer values of `body`, read from the compute context (whose inputs
// are node.inputs then node.implicit_inputs); sequences and optionals among them too.
std::vector<ValueView> CaptureViews(const graph::Node& node, const BodyRef& body,
                                    const ComputeContext& ctx);

// A view of compute-context tensor input i (absent inputs give an empty view).
TensorView InputView(const ComputeContext& ctx, int i);
// Input i as a value: a tensor view, or a view of the sequence/optional it is.
ValueView InputValueView(const ComputeContext& ctx, int i);

// Tensors as the Values ComputeWithOutputs returns.
std::vector<Value> ToValues(std::vector<Tensor> tensors);

// Declared kind of a body value.
ValueKind BodyKind(const graph::Graph& body, graph::ValueId id);

// Reads a one-element bool (cond) or integer (trip count, sequence length) input.
absl::StatusOr<bool> ScalarBool(const graph::Node& node, const ComputeContext& ctx, int i,
                                std::string_view what);
absl::StatusOr<int64_t> ScalarInt(const graph::Node& node, const ComputeContext& ctx, int i,
                                  std::string_view what);

// Declared dtype/shape of a body value (what the model's type annotations say).
DType BodyDType(const graph::Graph& body, graph::ValueId id);
const graph::Shape& BodyShape(const graph::Graph& body, graph::ValueId id);

// Dtypes and shapes of a body's outputs as the body's own shape inference finds them, for
// models that leave body outputs untyped. `formal` describes the body's formal inputs
// (absent entries keep what the body declares); captures come from the context's implicit
// inputs when it has them. Falls back to the declared facts if inference fails.
std::vector<InferContext::OutputFacts> InferBodyOutputs(
    const InferContext& ctx, const BodyRef& body, const std::vector<InferContext::InputFacts>& formal);

// Facts of a scalar of `dtype` (the iteration number and cond a Loop feeds its body).
InferContext::InputFacts ScalarFacts(DType dtype);

// The shape two candidates agree on: equal dims kept, others unknown; unknown rank when the
// ranks differ or either is unknown.
graph::Shape CommonShape(const graph::Shape& a, const graph::Shape& b);

// Accumulates same-shaped per-iteration tensors, then stacks them along a new axis.
class Stacker {
 public:
  // Appends one iteration's value; errors (naming `where` and `what`) if its dtype or dims
  // differ from the first one's.
  absl::Status Append(const TensorView& v, std::string_view where, std::string_view what);
  int64_t count() const { return count_; }
  // Stacked along a new `axis` (0..rank of one slice); `reverse` stores iteration t at T-1-t.
  // With no iterations, gives [0] + `empty_dims` (the body's declared shape when known).
  Tensor Finish(int axis, bool reverse, DType empty_dtype, const Dims& empty_dims) const;
  const Dims& slice_dims() const { return dims_; }
  DType dtype() const { return dtype_; }

 private:
  DType dtype_ = DType::kUndefined;
  Dims dims_;
  int64_t count_ = 0;
  std::vector<char> bytes_;
};

// Copies `src` with axis `axis` moved to the front (a contiguous slice per index afterwards).
Tensor MoveAxisToFront(const TensorView& src, int axis);

}  // namespace seqrt::ops

namespace seqrt::ops {

// The schemas of the three ops, registered by RegisterControlFlowOps (ops/control_flow.cc).
OpSchema LoopSchema();
OpSchema IfSchema();
OpSchema ScanSchema();

}  // namespace seqrt::ops
