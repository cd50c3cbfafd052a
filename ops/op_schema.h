// How an operator family tells the rest of seqrt what it is: one OpSchema per op type,
// registered by the family's Register...Ops function (see ops/register_all.cc).
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// What a shape function sees: each input's dtype, (possibly symbolic) shape and data
// when it is known now. It must set every present output's dtype and shape; dims it
// cannot know yet stay unknown (the node then runs as a dynamic node at plan time).
class InferContext {
 public:
  // For sequences and optionals, dtype and shape describe the element tensor.
  struct InputFacts {
    bool present = false;
    ValueKind kind = ValueKind::kTensor;
    DType dtype = DType::kUndefined;
    graph::Shape shape;
    const Tensor* constant = nullptr;
  };
  struct OutputFacts {
    bool present = false;
    ValueKind kind = ValueKind::kTensor;
    DType dtype = DType::kUndefined;
    graph::Shape shape;
  };

  InferContext(const graph::Node& node, std::vector<InputFacts> inputs, int num_outputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(num_outputs) {
    for (int i = 0; i < num_outputs; ++i) outputs_[i].present = node.HasOutput(i);
  }

  const graph::Node& node() const { return node_; }
  const graph::AttributeMap& attrs() const { return node_.attrs; }
  int64_t opset() const { return node_.opset; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i].present; }
  bool has_output(int i) const { return i < num_outputs() && outputs_[i].present; }
  DType input_dtype(int i) const { return inputs_[i].dtype; }
  ValueKind input_kind(int i) const { return inputs_[i].kind; }
  const graph::Shape& input_shape(int i) const { return inputs_[i].shape; }
  const Tensor* input_constant(int i) const { return has_input(i) ? inputs_[i].constant : nullptr; }

  // Sequence and optional outputs give their element tensor's dtype and shape.
  void SetOutput(int i, DType dtype, graph::Shape shape, ValueKind kind = ValueKind::kTensor) {
    if (i >= num_outputs()) return;
    outputs_[i].kind = kind;
    outputs_[i].dtype = dtype;
    outputs_[i].shape = std::move(shape);
  }
  const OutputFacts& output(int i) const { return outputs_[i]; }
  const InputFacts& input(int i) const { return inputs_[i]; }

  // Shape functions for ops with subgraphs may compute folded outputs directly.
  std::vector<const Tensor*> folded_outputs;

 private:
  const graph::Node& node_;
  std::vector<InputFacts> inputs_;
  std::vector<OutputFacts> outputs_;
};

using InferFn = absl::Status (*)(InferContext& ctx);

// How an op's output may share memory with its inputs.
enum class Aliasing {
  kNone,
  kViewOfInput0,   // output 0 is input 0's bytes reinterpreted (Reshape, Squeeze, Identity...)
  kMayReuseInput,  // elementwise: output 0 may overwrite an input of the same size and dtype
};

struct OpSchema {
  std::string domain;  // "" for ai.onnx
  std::string op_type;
  int since_version = 1;          // first opset of `domain` that has this op
  int until_version = INT_MAX;    // last opset we implement it for
  int min_inputs = 0;
  int max_inputs = INT_MAX;
  InferFn infer = nullptr;
  // Kernels in preference order: fast ones first, the reference kernel last.
  std::vector<KernelFactory> kernels;
  Aliasing aliasing = Aliasing::kNone;
  // False for ops whose result must not be precomputed (random ones).
  bool foldable = true;
  // True when the kernel accepts a null buffer for any output: outputs nobody reads (LSTM's Y
  // when only Y_h is used) are then not materialized at all.
  bool drop_unused_outputs = false;
  // True when outputs depend only on input *shapes* (Shape, Size): folded once dims are known.
  bool reads_only_shapes = false;
  // True for ops whose output shapes are known only by computing (Loop, If, Scan): they always
  // run as dynamic steps through OpKernel::ComputeWithOutputs. Their shape function may leave
  // dims unknown. Inputs seen by infer/Prepare/Compute are node.inputs then node.implicit_inputs.
  bool allocates_outputs = false;
  // True for ops that take or return sequence/optional values (ops/sequence/, control flow).
  // They must also set allocates_outputs: their kernels see such inputs through
  // ComputeContext::input_value and return them from ComputeWithOutputs. Other ops given a
  // sequence or optional input are refused with an error naming the input.
  bool boxed_values = false;
  // Set for ops whose fast kernels are worth timing against each other at plan time
  // (SessionOptions::tune_kernels): fills non-constant input `input` of a node with
  // representative data of ctx's dims and dtype (valid indices and lengths, not garbage).
  void (*tuning_input)(const PrepareContext& ctx, int input, void* data) = nullptr;
};

// Runs the schema's shape function, first refusing sequence/optional inputs to ops that
// take tensors only. Identity passes any value through unchanged.
absl::Status RunShapeFunction(const OpSchema& schema, InferContext& ctx);

}  // namespace seqrt::ops
