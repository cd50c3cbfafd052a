// If: runs then_branch or else_branch on a one-element bool cond. Both branches must yield
// the same number of outputs; their shapes may differ (the node's output shapes are then
// known only at run time), their dtypes may not.
#include "absl/strings/str_cat.h"
#include "ops/control_flow_common.h"
#include "ops/subgraph.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

struct Branches {
  BodyRef then_branch, else_branch;
};

absl::StatusOr<Branches> GetBranches(const graph::Node& node) {
  Branches b;
  SEQRT_ASSIGN_OR_RETURN(b.then_branch, FindBody(node, "then_branch"));
  SEQRT_ASSIGN_OR_RETURN(b.else_branch, FindBody(node, "else_branch"));
  const size_t n_then = b.then_branch.graph->outputs.size();
  const size_t n_else = b.else_branch.graph->outputs.size();
  if (n_then != n_else) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": the branches disagree in output count: then_branch has ",
                                                   n_then, ", else_branch has ", n_else));
  }
  if (node.outputs.size() > n_then) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": the node has ", node.outputs.size(),
                                                   " outputs but its branches yield ", n_then));
  }
  if (!b.then_branch.graph->inputs.empty() || !b.else_branch.graph->inputs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(node.Describe(), ": If branches take no inputs (they read outer values by name)"));
  }
  return b;
}

absl::Status InferIf(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(Branches b, GetBranches(node));
  if (ctx.has_input(0) && ctx.input_dtype(0) != DType::kBool && ctx.input_dtype(0) != DType::kUndefined) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": cond must be bool, got ",
                                                   std::string(DTypeName(ctx.input_dtype(0)))));
  }
  // With a known cond only the taken branch's declared shapes matter.
  const Tensor* cond = ctx.input_constant(0);
  const bool known = cond != nullptr && cond->num_elements() == 1 && cond->dtype() == DType::kBool;
  const bool take_then = known && *cond->data_as<uint8_t>() != 0;
  const graph::Graph& tg = *b.then_branch.graph;
  const graph::Graph& eg = *b.else_branch.graph;
  // Untyped branch outputs get their dtype from inferring the branch.
  std::vector<InferContext::OutputFacts> then_facts, else_facts;
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    if (!ctx.has_output(o)) continue;
    if (then_facts.empty() && BodyDType(tg, tg.outputs[o]) == DType::kUndefined)
      then_facts = InferBodyOutputs(ctx, b.then_branch, {});
    if (else_facts.empty() && BodyDType(eg, eg.outputs[o]) == DType::kUndefined)
      else_facts = InferBodyOutputs(ctx, b.else_branch, {});
  }
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    if (!ctx.has_output(o)) continue;
    const DType td = then_facts.empty() ? BodyDType(tg, tg.outputs[o]) : then_facts[o].dtype;
    const DType ed = else_facts.empty() ? BodyDType(eg, eg.outputs[o]) : else_facts[o].dtype;
    if (td != DType::kUndefined && ed != DType::kUndefined && td != ed) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": output ", o, " is ",
                                                     std::string(DTypeName(td)), " in then_branch but ",
                                                     std::string(DTypeName(ed)), " in else_branch"));
    }
    const graph::Shape& ts = then_facts.empty() ? BodyShape(tg, tg.outputs[o]) : then_facts[o].shape;
    const graph::Shape& es = else_facts.empty() ? BodyShape(eg, eg.outputs[o]) : else_facts[o].shape;
    graph::Shape shape = known ? (take_then ? ts : es) : CommonShape(ts, es);
    // A sequence or optional in either branch makes the output one (a branch returning an
    // Optional and the other a plain value still yields an optional).
    const ValueKind tk = then_facts.empty() ? BodyKind(tg, tg.outputs[o]) : then_facts[o].kind;
    const ValueKind ek = else_facts.empty() ? BodyKind(eg, eg.outputs[o]) : else_facts[o].kind;
    const ValueKind kind = known ? (take_then ? tk : ek) : (IsBoxedKind(tk) ? tk : ek);
    ctx.SetOutput(o, td != DType::kUndefined ? td : ed, std::move(shape), kind);
  }
  return absl::OkStatus();
}

class IfKernel : public OpKernel {
 public:
  explicit IfKernel(const graph::Node& node) : node_(node) {
    auto b = GetBranches(node);
    if (b.ok()) branches_ = *std::move(b);
    else status_ = b.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("If runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const SubgraphRunner* runner = GetSubgraphRunner(ctx.runtime_hook);
    if (runner == nullptr) return absl::InternalError(absl::StrCat(node_.Describe(), ": no subgraph runner"));
    SEQRT_ASSIGN_OR_RETURN(bool cond, ScalarBool(node_, ctx, 0, "cond"));
    const BodyRef& branch = cond ? branches_.then_branch : branches_.else_branch;
    SEQRT_ASSIGN_OR_RETURN(std::vector<Value> outs,
                           runner->Run(branch.graph, CaptureViews(node_, branch, ctx)));
    outs.resize(node_.outputs.size());
    return outs;
  }

 private:
  const graph::Node& node_;  // owned by the graph, which outlives the kernel
  absl::Status status_;
  Branches branches_;
};

}  // namespace

OpSchema IfSchema() {
  OpSchema s;
  s.op_type = "If";
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferIf;
  s.kernels = {&MakeKernel<IfKernel>};
  s.allocates_outputs = true;
  s.boxed_values = true;
  return s;
}

}  // namespace seqrt::ops
