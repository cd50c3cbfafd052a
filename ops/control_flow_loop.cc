// Loop (opset 1+, written against 11-16 semantics): inputs M (trip count, optional), cond
// (optional) and N loop-carried values; body inputs (iteration_num, cond, carried...) and
// outputs (cond, carried..., K scan outputs). Node outputs: the N final carried values, then
// the K scan outputs stacked along a new axis 0. Carried values may change shape between
// iterations (opset 11+); the runner plans the body once per input signature.
#include <climits>

#include "absl/strings/str_cat.h"
#include "base/run_limits.h"
#include "ops/control_flow_common.h"
#include "ops/subgraph.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

struct LoopLayout {
  int carried = 0;  // N
  int scans = 0;    // K
};

// Checks that the body's inputs/outputs match the node's carried values.
absl::StatusOr<LoopLayout> CheckLoopLayout(const graph::Node& node, const graph::Graph& body) {
  LoopLayout l;
  l.carried = node.num_inputs() - 2;
  if (l.carried < 0) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": Loop takes inputs (M, cond, ",
                                                   "carried values...), got ", node.num_inputs()));
  }
  const int body_in = static_cast<int>(body.inputs.size());
  const int body_out = static_cast<int>(body.outputs.size());
  if (body_in != 2 + l.carried) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": the body takes ", body_in, " inputs but the node carries ", l.carried,
        " values; expected 2 + ", l.carried, " (iteration_num, cond, carried values)"));
  }
  if (body_out < 1 + l.carried) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": the body has ", body_out, " outputs but the node carries ", l.carried,
        " values; expected at least 1 + ", l.carried, " (cond, carried values, scan outputs)"));
  }
  l.scans = body_out - 1 - l.carried;
  if (static_cast<int>(node.outputs.size()) > l.carried + l.scans) {
    return absl::InvalidArgumentError(absl::StrCat(
        node.Describe(), ": the node has ", node.outputs.size(), " outputs but the body yields only ",
        l.carried, " carried values and ", l.scans, " scan outputs"));
  }
  return l;
}

absl::Status InferLoop(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(BodyRef ref, FindBody(node, "body"));
  const graph::Graph& body = *ref.graph;
  SEQRT_ASSIGN_OR_RETURN(LoopLayout l, CheckLoopLayout(node, body));
  if (ctx.has_input(0) && ctx.input_dtype(0) != DType::kInt64 && ctx.input_dtype(0) != DType::kUndefined) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": trip count M must be int64, got ",
                                                   std::string(DTypeName(ctx.input_dtype(0)))));
  }
  if (ctx.has_input(1) && ctx.input_dtype(1) != DType::kBool && ctx.input_dtype(1) != DType::kUndefined) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": cond must be bool, got ",
                                                   std::string(DTypeName(ctx.input_dtype(1)))));
  }
  // Untyped body outputs (tf2onnx and the ONNX function expansions leave some) get their
  // dtype from inferring the body; carried shapes may change per iteration, so only dtypes
  // are fed in.
  std::vector<DType> out_dtypes(body.outputs.size());
  bool untyped = false;
  for (size_t o = 0; o < body.outputs.size(); ++o) {
    out_dtypes[o] = BodyDType(body, body.outputs[o]);
    untyped |= out_dtypes[o] == DType::kUndefined;
  }
  if (untyped) {
    std::vector<InferContext::InputFacts> formal = {ScalarFacts(DType::kInt64), ScalarFacts(DType::kBool)};
    for (int j = 0; j < l.carried; ++j) {
      InferContext::InputFacts f;
      f.present = ctx.has_input(2 + j);
      f.dtype = f.present ? ctx.input_dtype(2 + j) : DType::kUndefined;
      f.kind = f.present ? ctx.input_kind(2 + j) : ValueKind::kTensor;
      formal.push_back(f);
    }
    const auto inferred = InferBodyOutputs(ctx, ref, formal);
    for (size_t o = 0; o < out_dtypes.size(); ++o)
      if (out_dtypes[o] == DType::kUndefined) out_dtypes[o] = inferred[o].dtype;
  }
  for (int j = 0; j < l.carried; ++j) {
    const DType in = ctx.input_dtype(2 + j);
    const DType body_in = BodyDType(body, body.inputs[2 + j]);
    const DType body_out = out_dtypes[1 + j];
    for (DType declared : {body_in, body_out}) {
      if (in != DType::kUndefined && declared != DType::kUndefined && declared != in) {
        return absl::InvalidArgumentError(absl::StrCat(
            node.Describe(), ": carried value ", j, " is ", std::string(DTypeName(in)),
            " but the body declares it as ", std::string(DTypeName(declared))));
      }
    }
    if (j < ctx.num_outputs() && ctx.has_output(j)) {
      const DType dtype = in != DType::kUndefined ? in : body_out;
      // Sequences and optionals stay what they are through the loop (a carried list is
      // what torch.jit-scripted loops that append to a Python list export).
      ValueKind kind = ctx.input_kind(2 + j);
      if (!IsBoxedKind(kind)) kind = BodyKind(body, body.outputs[1 + j]);
      if (!IsBoxedKind(kind)) kind = BodyKind(body, body.inputs[2 + j]);
      ctx.SetOutput(j, dtype,
                    CommonShape(ctx.input_shape(2 + j), BodyShape(body, body.outputs[1 + j])), kind);
    }
  }
  for (int k = 0; k < l.scans; ++k) {
    const int o = l.carried + k;
    if (o >= ctx.num_outputs() || !ctx.has_output(o)) continue;
    const graph::ValueId id = body.outputs[1 + l.carried + k];
    const graph::Shape& slice = BodyShape(body, id);
    graph::Shape shape = graph::Shape::UnknownRank();
    if (slice.rank_known) {
      std::vector<graph::Dim> dims = {graph::Dim()};
      dims.insert(dims.end(), slice.dims.begin(), slice.dims.end());
      shape = graph::Shape(std::move(dims));
    }
    ctx.SetOutput(o, out_dtypes[1 + l.carried + k], std::move(shape));
  }
  return absl::OkStatus();
}

// True when the body's cond output is its cond input (directly or through Identity nodes) or
// a constant true: then only M can end the loop, and without M it would never end.
bool BodyKeepsCondTrue(const graph::Graph& body) {
  if (body.inputs.size() < 2 || body.outputs.empty()) return false;
  graph::ValueId id = body.outputs[0];
  for (size_t hops = 0; hops <= body.nodes.size(); ++hops) {
    if (id == body.inputs[1]) return true;
    const graph::Value& v = body.value(id);
    if (v.constant) {
      return v.constant->dtype() == DType::kBool && v.constant->num_elements() == 1 &&
             *v.constant->data_as<uint8_t>() != 0;
    }
    const graph::Node* producer = nullptr;
    for (const graph::Node& n : body.nodes)
      for (graph::ValueId out : n.outputs)
        if (out == id) producer = &n;
    if (producer == nullptr || producer->op_type != "Identity" || !producer->HasInput(0)) return false;
    id = producer->inputs[0];
  }
  return false;
}

class LoopKernel : public OpKernel {
 public:
  explicit LoopKernel(const graph::Node& node) : node_(node) {
    auto ref = FindBody(node, "body");
    if (!ref.ok()) {
      status_ = ref.status();
      return;
    }
    body_ = *std::move(ref);
    auto layout = CheckLoopLayout(node, *body_.graph);
    if (!layout.ok()) {
      status_ = layout.status();
      return;
    }
    layout_ = *layout;
    keeps_cond_ = BodyKeepsCondTrue(*body_.graph);
    // A carried value the body hands back untouched (tf2onnx threads Keras weights through
    // the loop this way) stays the node's input: the body need not copy it out each time.
    const graph::Graph& body = *body_.graph;
    needed_.assign(body.outputs.size(), true);
    invariant_.assign(layout_.carried, false);
    for (int j = 0; j < layout_.carried; ++j) {
      invariant_[j] = body.outputs[1 + j] == body.inputs[2 + j];
      needed_[1 + j] = !invariant_[j];
    }
  }
  absl::Status init_status() const { return status_; }

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("Loop runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const std::string where = node_.Describe();
    const SubgraphRunner* runner = GetSubgraphRunner(ctx.runtime_hook);
    if (runner == nullptr) return absl::InternalError(absl::StrCat(where, ": no subgraph runner"));
    const bool has_m = ctx.has_input(0), has_cond = ctx.has_input(1);
    if (!has_m && !has_cond) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": neither trip count M nor cond is given, so the loop would never end"));
    }
    int64_t trips = INT64_MAX;
    if (has_m) {
      SEQRT_ASSIGN_OR_RETURN(trips, ScalarInt(node_, ctx, 0, "trip count M"));
    }
    bool cond = true;
    if (has_cond) {
      SEQRT_ASSIGN_OR_RETURN(cond, ScalarBool(node_, ctx, 1, "cond"));
    }

    if (!has_m && cond && keeps_cond_) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": no trip count M is given and the body passes cond through unchanged, so the loop "
                 "would never end"));
    }
    const int n = layout_.carried;
    const graph::Graph& body = *body_.graph;
    // Body inputs: iteration number and cond point at these locals; carried values at the
    // node's inputs first, then at the previous iteration's outputs.
    int64_t iteration = 0;
    bool cond_in = cond;
    std::vector<ValueView> inputs;
    inputs.reserve(2 + n + body.captures.size());
    inputs.emplace_back(TensorView(DType::kInt64, Dims{}, &iteration));
    inputs.emplace_back(TensorView(DType::kBool, Dims{}, &cond_in));
    for (int j = 0; j < n; ++j) inputs.push_back(InputValueView(ctx, 2 + j));
    for (const ValueView& v : CaptureViews(node_, body_, ctx)) inputs.push_back(v);
    for (int j = 0; j < n; ++j) {
      if (!ctx.has_input(2 + j)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": carried value ", j, " is empty"));
      }
    }

    std::vector<Value> carried(n);  // the latest values of the carried (non-invariant) values
    std::vector<bool> carried_set(n, false);
    std::vector<Stacker> scans(layout_.scans);
    const RunLimits* limits = CurrentRunLimits();
    const int64_t max_iterations = limits ? limits->max_loop_iterations : 0;
    for (; iteration < trips && cond; ++iteration) {
      SEQRT_RETURN_IF_ERROR(CheckRunLimits(where));
      if (max_iterations > 0 && iteration >= max_iterations) {
        return absl::ResourceExhaustedError(absl::StrCat(
            where, ": stopped after ", iteration, " iterations, the limit (SessionOptions::max_loop_iterations); ",
            has_m ? absl::StrCat("trip count M is ", trips) : std::string("no trip count M is given"),
            has_cond ? " and cond is still true" : ""));
      }
      cond_in = cond;
      SEQRT_ASSIGN_OR_RETURN(std::vector<Value> outs, runner->Run(body_.graph, inputs, needed_));
      if (has_cond) {
        if (!outs[0].is_tensor()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": the body's cond output is a ",
                                                         outs[0].Describe(), ", expected one bool"));
        }
        const Tensor& c = outs[0].tensor();
        if (c.dtype() != DType::kBool || c.num_elements() != 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": the body's cond output must be one bool, got ", std::string(DTypeName(c.dtype())),
              " ", DimsToString(c.dims()), " at iteration ", iteration));
        }
        cond = *c.data_as<uint8_t>() != 0;
      }
      for (int j = 0; j < n; ++j) {
        // (An empty optional has no dtype yet; it may become a value of any declared type.)
        if (!invariant_[j] && outs[1 + j].dtype() != inputs[2 + j].dtype() &&
            inputs[2 + j].dtype() != DType::kUndefined && outs[1 + j].dtype() != DType::kUndefined) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": the body turns carried value ", j, " from ",
              std::string(DTypeName(inputs[2 + j].dtype())), " into ",
              std::string(DTypeName(outs[1 + j].dtype())), " at iteration ", iteration));
        }
      }
      for (int k = 0; k < layout_.scans; ++k) {
        const Value& scan = outs[1 + n + k];
        if (!scan.is_tensor()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": scan output ", k, " is a ", scan.Describe(),
                                                         "; scan outputs must be tensors"));
        }
        SEQRT_RETURN_IF_ERROR(scans[k].Append(scan.tensor().view(), where, absl::StrCat("scan output ", k)));
      }
      // The new carried values replace the old ones, which the finished body no longer reads.
      for (int j = 0; j < n; ++j) {
        if (invariant_[j]) continue;
        carried[j] = std::move(outs[1 + j]);
        carried_set[j] = true;
        inputs[2 + j] = carried[j].view();
      }
    }

    std::vector<Value> results(node_.outputs.size());
    for (int j = 0; j < n && j < static_cast<int>(results.size()); ++j) {
      if (!node_.HasOutput(j)) continue;
      // Still the node's input after zero iterations or when the body leaves it untouched.
      if (carried_set[j]) results[j] = std::move(carried[j]);
      else if (inputs[2 + j].is_tensor()) results[j] = Tensor::CopyOf(inputs[2 + j].tensor());
      else results[j] = *inputs[2 + j].boxed();
    }
    for (int k = 0; k < layout_.scans; ++k) {
      const int o = n + k;
      if (o >= static_cast<int>(results.size()) || !node_.HasOutput(o)) continue;
      const graph::ValueId id = body.outputs[1 + n + k];
      const graph::Shape& declared = BodyShape(body, id);
      results[o] = scans[k].Finish(0, false, BodyDType(body, id),
                                   declared.fully_known() ? declared.ToDims() : Dims{});
    }
    return results;
  }

 private:
  const graph::Node& node_;  // owned by the graph, which outlives the kernel
  absl::Status status_;
  BodyRef body_;
  LoopLayout layout_;
  std::vector<bool> needed_;    // per body output: false for invariant carried values
  std::vector<bool> invariant_;  // per carried value
  bool keeps_cond_ = false;      // the body never turns cond false
};

}  // namespace

OpSchema LoopSchema() {
  OpSchema s;
  s.op_type = "Loop";
  s.min_inputs = 0;  // M and cond are optional; CheckLoopLayout counts the inputs
  s.infer = &InferLoop;
  s.kernels = {&MakeKernel<LoopKernel>};
  s.allocates_outputs = true;
  s.boxed_values = true;
  s.foldable = true;
  return s;
}

}  // namespace seqrt::ops
