// Session: load + validate a model once, then plan per input-shape signature and run.
#include "seqrt/session.h"

#include <omp.h>

#include <cstring>
#include <future>
#include <list>
#include <mutex>

#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/passes/fuse_loop_rnn.h"
#include "graph/passes/passes.h"
#include "graph/passes/recurrent_layout.h"
#include "base/run_limits.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/infer_graph.h"
#include "ops/onednn/engine.h"
#include "ops/simd/resolve_isa.h"
#include "runtime/default_threads.h"
#include "runtime/memory_cap.h"
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

  // Shared by every plan: weights prepared once, arena buffers pooled.
  std::shared_ptr<runtime::PreparedStateStore> store = std::make_shared<runtime::PreparedStateStore>();
  std::shared_ptr<runtime::ArenaPool> arenas;
  std::shared_ptr<runtime::KernelTuner> tuner;  // SessionOptions::tune_kernels
  ops::simd::Isa isa = ops::simd::Isa::kBaseline;  // SessionOptions::isa, resolved at Load

  // The plan cache: one entry per input signature, in LRU order. An entry is inserted before
  // its plan is built (the build runs without the cache lock) and holds a shared future, so
  // a second thread asking for the same new signature waits for that one build while Runs
  // of other plans go on.
  using PlanResult = absl::StatusOr<std::shared_ptr<Plan>>;
  struct CacheEntry {
    std::shared_future<PlanResult> plan;
    std::list<std::string>::iterator lru;  // position in `lru` (front: most recent)
    int64_t bytes = 0;                      // 0 until built
  };
  mutable std::mutex plans_mutex;
  mutable absl::flat_hash_map<std::string, CacheEntry> plans;
  mutable std::list<std::string> lru;
  mutable int64_t cached_bytes = 0;
  mutable int64_t plans_built = 0, plans_evicted = 0;
  mutable std::atomic<int64_t> direct_outputs{0}, copied_outputs{0};

  runtime::SessionAccess::StreamCache streams;  // runtime/stream.cc's programs

  absl::StatusOr<std::shared_ptr<Plan>> PlanFor(const NamedValues& named, runtime::RunInputs* bound,
                                                int threads) const;
  // Drops least recently used built plans until both bounds hold (never `keep`).
  void EvictLocked(const std::string& keep) const;
  RunLimits Limits(const RunOptions& run_options) const {
    RunLimits limits;
    limits.deadline = run_options.deadline;
    limits.cancel = run_options.cancel;
    limits.max_loop_iterations = options.max_loop_iterations;
    limits.max_memory_bytes = options.max_memory_bytes;
    return limits;
  }
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
  impl->options.max_memory_bytes = runtime::ResolveMemoryCap(options.max_memory_bytes);
  impl->info = runtime::DescribeModel(model);
  SEQRT_ASSIGN_OR_RETURN(impl->isa, ops::simd::ResolveIsa(options.isa));
  ops::OnednnPrimitiveCacheCapacity();  // bound oneDNN's own cache before any kernel fills it
  if (options.tune_kernels) {
    SEQRT_ASSIGN_OR_RETURN(impl->tuner, runtime::KernelTuner::ForFile(options.tuning_file));
  } else if (!options.tuning_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tuning_file '", options.tuning_file, "' is set but tune_kernels is off"));
  }
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
  SEQRT_RETURN_IF_ERROR(runtime::CheckModelSizes(*model.graph, impl->options.max_memory_bytes));
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
  runtime::ArenaPool::Limits limits;
  limits.max_idle_buffers = options.max_idle_arenas;
  limits.max_idle_bytes = options.max_idle_arena_bytes;
  impl->arenas = std::make_shared<runtime::ArenaPool>(limits);
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
                                                              runtime::RunInputs* bound, int threads) const {
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
  std::string key = absl::StrCat("t", threads, ";");
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&key, is_bound[i] ? "b" : "u", static_cast<int>(dtypes[i]), ":",
                    absl::StrJoin(dims[i], ","), ";");
  }
  std::promise<PlanResult> promise;
  {
    std::unique_lock<std::mutex> lock(plans_mutex);
    auto it = plans.find(key);
    if (it != plans.end()) {
      lru.splice(lru.begin(), lru, it->second.lru);
      std::shared_future<PlanResult> pending = it->second.plan;
      lock.unlock();
      return pending.get();  // built, or being built by another thread
    }
    lru.push_front(key);
    plans[key] = CacheEntry{promise.get_future().share(), lru.begin(), 0};
  }
  runtime::PlanOptions popts;
  popts.threads = threads;
  popts.isa = isa;
  popts.max_memory_bytes = options.max_memory_bytes;
  popts.store = store;
  popts.arenas = arenas;
  popts.tuner = tuner;
  PlanResult result = [&]() -> PlanResult {
    SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, Plan::Build(graph, dims, dtypes, is_bound, popts));
    return std::shared_ptr<Plan>(std::move(plan));
  }();
  promise.set_value(result);
  std::lock_guard<std::mutex> lock(plans_mutex);
  auto it = plans.find(key);
  if (!result.ok()) {
    // Not cached: a failing signature (bad shapes) must not occupy the cache.
    if (it != plans.end()) {
      lru.erase(it->second.lru);
      plans.erase(it);
    }
    return result;
  }
  ++plans_built;
  if (it != plans.end()) {
    it->second.bytes = (*result)->owned_bytes();
    cached_bytes += it->second.bytes;
  }
  EvictLocked(key);
  return result;
}

void Session::Impl::EvictLocked(const std::string& keep) const {
  auto over = [&] {
    return static_cast<int>(plans.size()) > std::max(options.max_cached_plans, 1) ||
           cached_bytes > options.max_cached_plan_bytes;
  };
  for (auto pos = lru.end(); over() && pos != lru.begin();) {
    --pos;
    auto it = plans.find(*pos);
    if (*pos == keep || it->second.bytes == 0) continue;  // the newest, or still being built
    cached_bytes -= it->second.bytes;
    ++plans_evicted;
    plans.erase(it);
    pos = lru.erase(pos);
  }
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

namespace {

// Sets the calling thread's OpenMP thread count for one Run and restores it afterwards
// (omp_set_num_threads affects only the calling thread, so Load's thread is not special).
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : previous_(omp_get_max_threads()) {
    if (threads > 0 && threads != previous_) {
      omp_set_num_threads(threads);
      set_ = true;
    }
  }
  ~ScopedThreads() {
    if (set_) omp_set_num_threads(previous_);
  }

 private:
  int previous_;
  bool set_ = false;
};

int RunThreads(const SessionOptions& options, const RunOptions& run_options) {
  if (run_options.threads > 0) return run_options.threads;
  return options.threads > 0 ? options.threads : runtime::DefaultThreads();
}

}  // namespace

absl::StatusOr<std::vector<Value>> Session::RunValues(const NamedValues& inputs,
                                                      const RunOptions& run_options) const {
  const int threads = RunThreads(impl_->options, run_options);
  ScopedThreads scoped(threads);
  runtime::RunInputs bound;
  // Deadline, cancel flag, Loop and memory limits for everything this run does on this
  // thread, planning included (folding runs nodes, Loops too).
  const RunLimits limits = impl_->Limits(run_options);
  ScopedRunLimits scoped_limits(&limits);
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<Plan> plan, impl_->PlanFor(inputs, &bound, threads));
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
  const int threads = RunThreads(impl_->options, run_options);
  ScopedThreads scoped(threads);
  runtime::RunInputs bound;
  const RunLimits limits = impl_->Limits(run_options);
  ScopedRunLimits scoped_limits(&limits);
  const NamedValues values(inputs.begin(), inputs.end());
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<Plan> plan, impl_->PlanFor(values, &bound, threads));
  const size_t n_out = impl_->outputs.size();
  std::vector<int> index(outputs.size(), -1);
  std::vector<bool> needed(n_out, false);
  std::vector<void*> direct(n_out, nullptr);
  for (size_t b = 0; b < outputs.size(); ++b) {
    const OutputBuffer& buf = outputs[b];
    for (size_t i = 0; i < n_out; ++i)
      if (impl_->outputs[i].name == buf.name) index[b] = static_cast<int>(i);
    if (index[b] < 0) return absl::InvalidArgumentError(absl::StrCat("unknown output '", buf.name, "'"));
    const int o = index[b];
    if (needed[o]) return absl::InvalidArgumentError(absl::StrCat("output '", buf.name, "' is asked for twice"));
    needed[o] = true;
    // Outputs whose size the plan knows are checked before running.
    if (const Dims* dims = plan->StaticOutputDims(o)) {
      const size_t bytes = static_cast<size_t>(NumElements(*dims)) * DTypeSize(plan->OutputDType(o));
      if (bytes > buf.capacity_bytes) {
        return absl::InvalidArgumentError(absl::StrCat("output '", buf.name, "' needs ", bytes, " bytes (",
                                                       DimsToString(*dims), "), the buffer holds ",
                                                       buf.capacity_bytes));
      }
      const bool aligned = reinterpret_cast<uintptr_t>(buf.data) % 64 == 0;
      if (bytes > 0 && aligned && plan->WritesDirectly(o)) direct[o] = buf.data;
    }
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<Value> results, plan->Execute(bound, run_options.profile, &needed, &direct));
  std::vector<Dims> dims;
  for (size_t b = 0; b < outputs.size(); ++b) {
    const int o = index[b];
    if (direct[o]) {
      dims.push_back(*plan->StaticOutputDims(o));
      impl_->direct_outputs.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!results[o].is_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat("output '", outputs[b].name, "' is a ", results[o].Describe(),
                                                     "; use Session::RunValues"));
    }
    const Tensor& t = results[o].tensor();
    if (t.byte_size() > outputs[b].capacity_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("output '", outputs[b].name, "' needs ", t.byte_size(),
                                                     " bytes (", DimsToString(t.dims()), "), the buffer holds ",
                                                     outputs[b].capacity_bytes));
    }
    if (t.byte_size() > 0) std::memcpy(outputs[b].data, t.raw_data(), t.byte_size());
    impl_->copied_outputs.fetch_add(1, std::memory_order_relaxed);
    dims.push_back(t.dims());
  }
  return dims;
}

SessionStats Session::stats() const {
  SessionStats s;
  {
    std::lock_guard<std::mutex> lock(impl_->plans_mutex);
    s.cached_plans = static_cast<int>(impl_->plans.size());
    s.cached_plan_bytes = impl_->cached_bytes;
    s.plans_built = impl_->plans_built;
    s.plans_evicted = impl_->plans_evicted;
  }
  s.prepared_states = impl_->store->builds();
  const runtime::ArenaPool::Stats a = impl_->arenas->stats();
  s.idle_arenas = a.idle_buffers;
  s.idle_arena_bytes = a.idle_bytes;
  s.arena_allocations = a.allocations;
  s.outputs_written_directly = impl_->direct_outputs.load();
  s.outputs_copied = impl_->copied_outputs.load();
  return s;
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
  const RunLimits limits = impl_->Limits(RunOptions{});
  ScopedRunLimits scoped_limits(&limits);
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<Plan> plan,
                         impl_->PlanFor(named, &bound, RunThreads(impl_->options, RunOptions{})));
  return plan->Describe();
}

// Hooks for runtime/stream.cc.
namespace runtime {
const graph::Model& SessionAccess::PreparedModel(const Session& s) { return s.impl_->model; }
const SessionOptions& SessionAccess::Options(const Session& s) { return s.impl_->options; }
SessionAccess::StreamCache& SessionAccess::Streams(const Session& s) { return s.impl_->streams; }
}  // namespace runtime

int DefaultThreads() { return runtime::DefaultThreads(); }

namespace runtime {

int SessionAccess::RunThreads(const Session& s) { return seqrt::RunThreads(s.impl_->options, RunOptions{}); }
void SessionAccess::InRunScope(const Session& s, int threads, absl::FunctionRef<void()> body) {
  ScopedThreads scoped(threads);
  const RunLimits limits = s.impl_->Limits(RunOptions{});
  ScopedRunLimits scoped_limits(&limits);
  body();
}
absl::StatusOr<std::shared_ptr<Plan>> SessionAccess::PlanFor(const Session& s, const NamedValues& inputs,
                                                             RunInputs* bound, int threads) {
  return s.impl_->PlanFor(inputs, bound, threads);
}
int SessionAccess::GraphInputIndex(const Session& s, const std::string& name) {
  const graph::Graph& g = *s.impl_->graph;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (g.value(g.inputs[i]).name == name) return static_cast<int>(i);
  return -1;
}
absl::StatusOr<Session> SessionAccess::FromModel(graph::Model model, const SessionOptions& options) {
  SEQRT_ASSIGN_OR_RETURN(auto impl, MakeImpl(std::move(model), options));
  return Session(std::move(impl));
}
}  // namespace runtime

}  // namespace seqrt
