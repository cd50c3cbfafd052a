// SequenceMap (opset 17): runs `body` once per element of the input sequence. Further inputs
// that are sequences (of the same length) give their element at the same position; tensors
// are passed whole every time. Each body output is collected into an output sequence.
#include "absl/strings/str_cat.h"
#include "ops/control_flow_common.h"
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"
#include "ops/subgraph.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

absl::Status CheckBody(const graph::Node& node, const graph::Graph& body) {
  if (static_cast<int>(body.inputs.size()) != node.num_inputs()) {
    return NodeError(node, absl::StrCat("the body takes ", body.inputs.size(), " inputs but the node has ",
                                        node.num_inputs(), "; they must match one to one"));
  }
  if (node.outputs.size() > body.outputs.size()) {
    return NodeError(node, absl::StrCat("the node has ", node.outputs.size(), " outputs but the body yields ",
                                        body.outputs.size()));
  }
  return absl::OkStatus();
}

absl::Status InferSequenceMap(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(BodyRef ref, FindBody(node, "body"));
  const graph::Graph& body = *ref.graph;
  SEQRT_RETURN_IF_ERROR(CheckBody(node, body));
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  // The body sees one element of each sequence input, and tensor inputs as they are.
  std::vector<InferContext::InputFacts> formal;
  for (int i = 0; i < node.num_inputs(); ++i) {
    InferContext::InputFacts f = ctx.input(i);
    if (f.kind == ValueKind::kSequence) f.kind = ValueKind::kTensor;
    else if (IsBoxedKind(f.kind)) return NodeError(node, absl::StrCat("input ", i, " must be a sequence or a tensor"));
    formal.push_back(std::move(f));
  }
  const std::vector<InferContext::OutputFacts> inferred = InferBodyOutputs(ctx, ref, formal);
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    if (!ctx.has_output(o)) continue;
    DType dtype = BodyDType(body, body.outputs[o]);
    if (dtype == DType::kUndefined) dtype = inferred[o].dtype;
    ctx.SetOutput(o, dtype, inferred[o].shape, ValueKind::kSequence);
  }
  return absl::OkStatus();
}

class SequenceMapKernel : public ValueKernel {
 public:
  explicit SequenceMapKernel(const graph::Node& node) : ValueKernel(node) {
    auto ref = FindBody(node, "body");
    if (!ref.ok()) {
      status_ = ref.status();
      return;
    }
    body_ = *std::move(ref);
    status_ = CheckBody(node, *body_.graph);
  }
  absl::Status init_status() const { return status_; }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const SubgraphRunner* runner = GetSubgraphRunner(ctx.runtime_hook);
    if (runner == nullptr) return absl::InternalError(absl::StrCat(where_, ": no subgraph runner"));
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* first, InputSequence(ctx, 0, where_, "input_sequence"));
    const size_t n = first->size();
    const int n_in = node_.num_inputs();
    std::vector<const Value::Elements*> seqs(n_in, nullptr);
    for (int i = 0; i < n_in; ++i) {
      const Value* v = ctx.input_value(i);
      if (v == nullptr) continue;
      if (!v->is_sequence()) {
        return NodeError(where_, absl::StrCat("input ", i, " is a ", v->Describe(), "; expected a sequence or a tensor"));
      }
      if (v->sequence().size() != n) {
        return NodeError(where_, absl::StrCat("input ", i, " has ", v->sequence().size(), " elements but input_sequence has ",
                                              n, "; sequences must have one length"));
      }
      seqs[i] = &v->sequence();
    }
    const graph::Graph& body = *body_.graph;
    std::vector<ValueView> inputs(n_in);
    for (int i = 0; i < n_in; ++i)
      if (!seqs[i]) inputs[i] = InputValueView(ctx, i);
    for (const ValueView& v : CaptureViews(node_, body_, ctx)) inputs.push_back(v);

    const size_t n_out = node_.outputs.size();
    std::vector<std::vector<Tensor>> collected(n_out);
    std::vector<DType> dtypes(n_out);
    for (size_t o = 0; o < n_out; ++o) dtypes[o] = BodyDType(body, body.outputs[o]);
    for (size_t k = 0; k < n; ++k) {
      for (int i = 0; i < n_in; ++i)
        if (seqs[i]) inputs[i] = (*seqs[i])[k]->view();
      SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> outs, runner->RunTensors(body_.graph, inputs));
      for (size_t o = 0; o < n_out; ++o) {
        dtypes[o] = outs[o].dtype();
        collected[o].push_back(std::move(outs[o]));
      }
    }
    std::vector<Value> results;
    for (size_t o = 0; o < n_out; ++o) results.push_back(Value::Sequence(dtypes[o], std::move(collected[o])));
    return results;
  }

 private:
  absl::Status status_;
  BodyRef body_;
};

}  // namespace

void RegisterSequenceMapOp(OpRegistry& registry) {
  registry.Register(ValueOpSchema("SequenceMap", 17, 1, INT_MAX, InferSequenceMap, MakeKernel<SequenceMapKernel>));
}

}  // namespace seqrt::ops
