// Session: load + validate a model once, then plan per input-shape signature and run.
#include "seqrt/session.h"

#include <omp.h>

#include <cstring>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/passes/fuse_loop_rnn.h"
#include "graph/passes/passes.h"
#include "graph/passes/recurrent_layout.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/infer_graph.h"
#include "runtime/model_info.h"
#include "runtime/plan.h"
#include "runtime/session_access.h"
#include "seqrt/status.h"

namespace seqrt {

using runtime::Plan;

struct Session::Impl {
  SessionOptions options;
  graph::Model model;
  std::shared_ptr<const graph::Graph> graph;
  std::vector<ValueInfo> inputs, overridable, outputs;
  ModelInfo info;
  std::vector<int> required_input_index;     // graph.inputs positions of `inputs`
  std::vector<int> overridable_input_index;  // graph.inputs positions of `overridable`

  mutable std::mutex plans_mutex;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<Plan>> plans;

  runtime::SessionAccess::StreamCache streams;  // runtime/stream.cc's programs

  absl::StatusOr<std::shared_ptr<Plan>> PlanFor(const NamedValues& named, runtime::RunInputs* bound) const;
};

namespace {

// Sorts (and, above -o 0, prunes) the graph and every subgraph body.
absl::Status PrepareGraph(graph::Graph& g, int optimization_level) {
  if (optimization_level >= 2) graph::FuseLoopRnnCells(g);
  SEQRT_RETURN_IF_ERROR(graph::TopologicalSort(g));
  if (optimization_level >= 2) graph::UseBatchMajorRecurrentLayout(g);
  if (optimization_level > 0) graph::EliminateDeadNodes(g);
  for (graph::Node& node : g.nodes)
    for (const auto& [name, attr] : node.attrs.all())
      if (auto* sub = std::get_if<std::shared_ptr<graph::Graph>>(&attr))
        SEQRT_RETURN_IF_ERROR(PrepareGraph(**sub, optimization_level));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Session::Impl>> MakeImpl(graph::Model model, const SessionOptions& options) {
  auto impl = std::make_unique<Session::Impl>();
  impl->options = options;
  impl->info = runtime::DescribeModel(model);
  const ops::OpRegistry& registry = ops::OpRegistry::Global();
  std::vector<std::string> unsupported = ops::FindUnsupportedOps(*model.graph, registry);
  if (!unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        model.path.empty() ? "model" : model.path, ": unsupported operator",
        unsupported.size() > 1 ? "s: " : ": ", absl::StrJoin(unsupported, ", ")));
  }
  SEQRT_RETURN_IF_ERROR(PrepareGraph(*model.graph, options.optimization_level));
  absl::Status st = ops::InferGraphShapes(*model.graph, registry);
  if (!st.ok()) {
    return absl::Status(st.code(), absl::StrCat(model.path.empty() ? "model" : model.path, ": ", st.message()));
  }
  const graph::Graph& g = *model.graph;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const graph::Value& v = g.value(g.inputs[i]);
    ValueInfo vi = runtime::ToValueInfo(v);
    if (v.constant) {
      impl->overridable.push_back(vi);
      impl->overridable_input_index.push_back(static_cast<int>(i));
    } else {
      impl->inputs.push_back(vi);
      impl->required_input_index.push_back(static_cast<int>(i));
    }
  }
  for (graph::ValueId id : g.outputs) impl->outputs.push_back(runtime::ToValueInfo(g.value(id)));
  impl->model = std::move(model);
  impl->graph = impl->model.graph;
  if (options.threads > 0) omp_set_num_threads(options.threads);
  return impl;
}

}  // namespace

namespace {

// Checks one tensor given for graph value `v` (a tensor input, or an element of a sequence /
// the content of an optional input) against the model's declared dtype and shape.
absl::Status CheckTensorInput(const std::string& what, const TensorView& view, const graph::Value& v) {
  if (v.dtype != DType::kUndefined && view.dtype() != v.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has dtype ", std::string(DTypeName(view.dtype())),
                                                   ", the model expects ", std::string(DTypeName(v.dtype))));
  }
  if (v.shape.rank_known) {
    if (static_cast<int>(view.dims().size()) != v.shape.rank()) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has rank ", view.dims().size(), " (",
                                                     DimsToString(view.dims()), "), the model expects rank ",
                                                     v.shape.rank(), " ", v.shape.ToString()));
    }
    for (int d = 0; d < v.shape.rank(); ++d) {
      if (v.shape[d].known() && v.shape[d].value() != view.dims()[d]) {
        return absl::InvalidArgumentError(absl::StrCat(what, " has shape ", DimsToString(view.dims()),
                                                       " but the model fixes dim ", d, " to ",
                                                       v.shape[d].value(), " ", v.shape.ToString()));
      }
    }
  }
  for (int64_t d : view.dims())
    if (d < 0) return absl::InvalidArgumentError(absl::StrCat(what, " has a negative dim"));
  if (view.data() == nullptr && view.num_elements() > 0)
    return absl::InvalidArgumentError(absl::StrCat(what, " has no data"));
  return absl::OkStatus();
}

// Checks a sequence/optional input against its declared kind, element dtype and shape.
absl::Status CheckBoxedInput(const std::string& name, const Value& value, const graph::Value& v) {
  const bool ok = (value.is_sequence() && (v.kind == ValueKind::kSequence || v.kind == ValueKind::kOptionalSequence)) ||
                  (value.is_tensor() && v.kind == ValueKind::kOptionalTensor) ||
                  (value.is_nothing() && v.kind != ValueKind::kSequence);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is a ", value.Describe(), ", the model expects a ",
                                                   std::string(ValueKindName(v.kind))));
  }
  if (value.is_tensor()) return CheckTensorInput(absl::StrCat("input '", name, "'"), value.tensor().view(), v);
  if (value.is_sequence()) {
    if (v.dtype != DType::kUndefined && value.dtype() != v.dtype) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is a sequence of ", std::string(DTypeName(value.dtype())),
                                                     ", the model expects ", std::string(DTypeName(v.dtype))));
    }
    for (size_t k = 0; k < value.sequence_length(); ++k) {
      SEQRT_RETURN_IF_ERROR(CheckTensorInput(absl::StrCat("element ", k, " of input '", name, "'"),
                                             value.element(k).view(), v));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<Plan>> Session::Impl::PlanFor(const NamedValues& named,
                                                              runtime::RunInputs* bound) const {
  const graph::Graph& g = *graph;
  const size_t n = g.inputs.size();
  std::vector<Dims> dims(n);
  std::vector<DType> dtypes(n, DType::kUndefined);
  std::vector<bool> is_bound(n, false);
  bound->data.assign(n, nullptr);
  bound->boxed.assign(n, nullptr);
  for (const auto& [name, view] : named) {
    int index = -1;
    for (size_t i = 0; i < n; ++i)
      if (g.value(g.inputs[i]).name == name) index = static_cast<int>(i);
    if (index < 0) {
      std::vector<std::string> names;
      for (const auto& vi : inputs) names.push_back(vi.name);
      return absl::InvalidArgumentError(absl::StrCat("unknown input '", name, "' (the model's inputs: ",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    if (is_bound[index])
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is given twice"));
    const graph::Value& v = g.value(g.inputs[index]);
    if (IsBoxedKind(v.kind)) {
      if (view.is_tensor()) {
        return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is a ", std::string(ValueKindName(v.kind)),
                                                       "; pass it as a seqrt::Value (Session::RunValues)"));
      }
      SEQRT_RETURN_IF_ERROR(CheckBoxedInput(name, *view.boxed(), v));
      is_bound[index] = true;
      dtypes[index] = v.dtype != DType::kUndefined ? v.dtype : view.dtype();
      bound->boxed[index] = view.boxed();
      continue;
    }
    if (!view.is_tensor()) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", name, "' is a ", view.boxed()->Describe(), ", the model expects a tensor"));
    }
    const TensorView& tensor = view.tensor();
    SEQRT_RETURN_IF_ERROR(CheckTensorInput(absl::StrCat("input '", name, "'"), tensor, v));
    is_bound[index] = true;
    dims[index] = tensor.dims();
    dtypes[index] = tensor.dtype();
    bound->data[index] = tensor.data() ? tensor.data() : static_cast<const void*>(&bound->data);
  }
  for (int index : required_input_index) {
    if (!is_bound[index])
      return absl::InvalidArgumentError(absl::StrCat("missing input '", g.value(g.inputs[index]).name, "'"));
  }
  std::string key;
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&key, is_bound[i] ? "b" : "u", static_cast<int>(dtypes[i]), ":",
                    absl::StrJoin(dims[i], ","), ";");
  }
  std::lock_guard<std::mutex> lock(plans_mutex);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  runtime::PlanOptions popts;
  popts.threads = options.threads;
  SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, Plan::Build(graph, dims, dtypes, is_bound, popts));
  std::shared_ptr<Plan> shared = std::move(plan);
  plans[key] = shared;
  return shared;
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

absl::StatusOr<Session> Session::Load(const std::string& path, const SessionOptions& options) {
  SEQRT_ASSIGN_OR_RETURN(graph::Model model, importers::onnx::LoadModelFile(path));
  SEQRT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(model), options));
  return Session(std::move(impl));
}

absl::StatusOr<Session> Session::LoadFromBytes(const std::string& bytes, const SessionOptions& options,
                                               const std::string& base_dir) {
  SEQRT_ASSIGN_OR_RETURN(graph::Model model, importers::onnx::LoadModelBytes(bytes, base_dir));
  SEQRT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(model), options));
  return Session(std::move(impl));
}

const std::vector<ValueInfo>& Session::inputs() const { return impl_->inputs; }
const std::vector<ValueInfo>& Session::overridable_inputs() const { return impl_->overridable; }
const std::vector<ValueInfo>& Session::outputs() const { return impl_->outputs; }
const ModelInfo& Session::model_info() const { return impl_->info; }

absl::StatusOr<std::vector<Value>> Session::RunValues(const NamedValues& inputs,
                                                      const RunOptions& run_options) const {
  runtime::RunInputs bound;
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<Plan> plan, impl_->PlanFor(inputs, &bound));
  return plan->Execute(bound, run_options.profile);
}

absl::StatusOr<std::vector<Tensor>> Session::Run(const NamedInputs& inputs,
                                                 const RunOptions& run_options) const {
  NamedValues values(inputs.begin(), inputs.end());
  SEQRT_ASSIGN_OR_RETURN(std::vector<Value> results, RunValues(values, run_options));
  std::vector<Tensor> tensors;
  tensors.reserve(results.size());
  for (size_t o = 0; o < results.size(); ++o) {
    if (!results[o].is_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat("output '", impl_->outputs[o].name, "' is a ",
                                                     results[o].Describe(), "; use Session::RunValues"));
    }
    tensors.push_back(std::move(results[o].tensor()));
  }
  return tensors;
}

absl::StatusOr<std::vector<Dims>> Session::RunInto(const NamedInputs& inputs,
                                                   const std::vector<OutputBuffer>& outputs,
                                                   const RunOptions& run_options) const {
  SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> results, Run(inputs, run_options));
  std::vector<Dims> dims;
  for (const OutputBuffer& buf : outputs) {
    int index = -1;
    for (size_t i = 0; i < impl_->outputs.size(); ++i)
      if (impl_->outputs[i].name == buf.name) index = static_cast<int>(i);
    if (index < 0) return absl::InvalidArgumentError(absl::StrCat("unknown output '", buf.name, "'"));
    const Tensor& t = results[index];
    if (t.byte_size() > buf.capacity_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("output '", buf.name, "' needs ", t.byte_size(),
                                                     " bytes (", DimsToString(t.dims()), "), the buffer holds ",
                                                     buf.capacity_bytes));
    }
    if (t.byte_size() > 0) std::memcpy(buf.data, t.raw_data(), t.byte_size());
    dims.push_back(t.dims());
  }
  return dims;
}

absl::StatusOr<PlanInfo> Session::DescribePlan(const std::vector<std::pair<std::string, Dims>>& input_dims) const {
  // Planning needs dtypes and dims only; a zero buffer stands in for the data.
  std::vector<Tensor> placeholders;
  std::vector<Value> boxed_placeholders;  // an empty sequence / empty optional: plans ignore them
  NamedValues named;
  placeholders.reserve(input_dims.size());
  boxed_placeholders.reserve(input_dims.size());
  for (const auto& [name, dims] : input_dims) {
    DType dtype = DType::kFloat;
    ValueKind kind = ValueKind::kTensor;
    for (const auto* list : {&impl_->inputs, &impl_->overridable})
      for (const ValueInfo& vi : *list)
        if (vi.name == name) {
          if (vi.dtype != DType::kUndefined) dtype = vi.dtype;
          kind = vi.kind;
        }
    if (IsBoxedKind(kind)) {
      boxed_placeholders.push_back(kind == ValueKind::kSequence ? Value::Sequence(dtype, Value::Elements{}) : Value::Nothing());
      named.emplace_back(name, ValueView(&boxed_placeholders.back()));
      continue;
    }
    placeholders.emplace_back(dtype, dims);
    named.emplace_back(name, placeholders.back().view());
  }
  runtime::RunInputs bound;
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<Plan> plan, impl_->PlanFor(named, &bound));
  return plan->Describe();
}

// Hooks for runtime/stream.cc.
namespace runtime {
const graph::Model& SessionAccess::PreparedModel(const Session& s) { return s.impl_->model; }
const SessionOptions& SessionAccess::Options(const Session& s) { return s.impl_->options; }
SessionAccess::StreamCache& SessionAccess::Streams(const Session& s) { return s.impl_->streams; }
absl::StatusOr<Session> SessionAccess::FromModel(graph::Model model, const SessionOptions& options) {
  SEQRT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(model), options));
  return Session(std::move(impl));
}
}  // namespace runtime

}  // namespace seqrt
