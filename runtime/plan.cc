#include "runtime/plan.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ops/subgraph.h"
#include "runtime/memory_planner.h"
#include "seqrt/status.h"

namespace seqrt::runtime {
namespace {

// Inputs of at most this many elements are handed to a dynamic node's shape function at run
// time: shape-like inputs (Reshape's shape, Slice's starts...) are always that small.
constexpr int64_t kMaxRuntimeConstantElements = 4096;

// A non-null address for inputs of shape-only ops (Shape, Size) whose data is never read.
const char kShapeOnlyPlaceholder[64] = {};

absl::Status AnnotateNode(const absl::Status& st, const graph::Node& node) {
  if (st.ok()) return st;
  std::string msg(st.message());
  if (msg.find(node.Describe()) != std::string::npos) return st;
  return absl::Status(st.code(), absl::StrCat(node.Describe(), ": ", msg));
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// Picks the first kernel (fast ones first) whose Prepare accepts these shapes.
absl::StatusOr<std::unique_ptr<ops::OpKernel>> ChooseKernel(const graph::Node& node,
                                                            const ops::OpSchema& schema,
                                                            ops::PrepareContext& pctx) {
  if (schema.kernels.empty())
    return absl::InternalError(absl::StrCat(node.Describe(), ": no kernel registered"));
  absl::Status last;
  for (size_t k = 0; k < schema.kernels.size(); ++k) {
    auto kernel = schema.kernels[k](node);
    if (!kernel.ok()) return AnnotateNode(kernel.status(), node);
    last = (*kernel)->Prepare(pctx);
    if (last.ok()) return std::move(*kernel);
    const bool declined = last.code() == absl::StatusCode::kUnimplemented && k + 1 < schema.kernels.size();
    if (!declined) return AnnotateNode(last, node);
  }
  return AnnotateNode(last, node);
}

// Regular inputs, then the outer values the node's subgraphs capture.
std::vector<graph::ValueId> AllInputs(const graph::Node& node) {
  std::vector<graph::ValueId> ids = node.inputs;
  ids.insert(ids.end(), node.implicit_inputs.begin(), node.implicit_inputs.end());
  return ids;
}

}  // namespace

struct Plan::RunState {
  std::unique_ptr<void, FreeDeleter> arena;
  std::vector<ops::ComputeContext> contexts;  // per step; unused for dynamic steps
  std::vector<Tensor> dynamic;                // per value id, for dynamic values
  const RunInputs* inputs = nullptr;
};

Plan::~Plan() = default;

absl::StatusOr<std::unique_ptr<Plan>> Plan::Build(std::shared_ptr<const graph::Graph> graph,
                                                  const std::vector<Dims>& input_dims,
                                                  const std::vector<DType>& input_dtypes,
                                                  const std::vector<bool>& bound,
                                                  const PlanOptions& options) {
  std::unique_ptr<Plan> plan(new Plan);
  plan->graph_ = std::move(graph);
  plan->options_ = options;
  plan->subgraphs_.set_threads(options.threads);
  SEQRT_RETURN_IF_ERROR(plan->BuildSteps(input_dims, input_dtypes, bound));
  plan->PlanArena();
  return plan;
}

absl::Status Plan::BuildSteps(const std::vector<Dims>& input_dims,
                              const std::vector<DType>& input_dtypes,
                              const std::vector<bool>& bound) {
  const graph::Graph& g = *graph_;
  values_.assign(g.values.size(), PlanValue{});
  for (graph::ValueId id = 0; id < static_cast<graph::ValueId>(g.values.size()); ++id) {
    values_[id].root = id;
    const graph::Value& v = g.value(id);
    if (v.constant) {
      values_[id].storage = Storage::kConstant;
      values_[id].constant = v.constant.get();
      values_[id].dtype = v.constant->dtype();
      values_[id].dims = v.constant->dims();
    }
  }
  std::vector<graph::ValueId> bindable = g.inputs;
  bindable.insert(bindable.end(), g.captures.begin(), g.captures.end());
  for (size_t i = 0; i < bindable.size(); ++i) {
    if (!bound[i]) continue;
    PlanValue& pv = values_[bindable[i]];
    pv.storage = Storage::kGraphInput;
    pv.constant = nullptr;
    pv.input_index = static_cast<int>(i);
    pv.dtype = input_dtypes[i];
    pv.dims = input_dims[i];
  }
  // Subgraph captures are bound by the enclosing node like inputs (Loop/If/Scan bodies).
  std::vector<int> consumers(g.values.size(), 0);
  for (const graph::Node& node : g.nodes) {
    for (graph::ValueId in : node.inputs) if (in != graph::kNoValue) ++consumers[in];
    for (graph::ValueId in : node.implicit_inputs) ++consumers[in];
  }
  for (graph::ValueId out : g.outputs) ++consumers[out];

  const ops::OpRegistry& registry = ops::OpRegistry::Global();
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n) {
    const graph::Node& node = g.nodes[n];
    SEQRT_ASSIGN_OR_RETURN(const ops::OpSchema* schema,
                           registry.Find(node.domain, node.op_type, node.opset));
    const std::vector<graph::ValueId> inputs = AllInputs(node);
    std::vector<ops::InferContext::InputFacts> facts(inputs.size());
    bool any_dynamic = false, all_constant = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
      graph::ValueId id = inputs[i];
      if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
      const PlanValue& pv = values_[id];
      facts[i].present = true;
      facts[i].dtype = pv.dtype;
      if (pv.storage == Storage::kDynamic) {
        any_dynamic = true;
        facts[i].shape = g.value(id).shape;
        if (facts[i].shape.rank_known)
          for (auto& d : facts[i].shape.dims) if (!d.known()) d = graph::Dim();
      } else {
        facts[i].shape = graph::Shape::FromDims(pv.dims);
      }
      if (pv.storage == Storage::kConstant) facts[i].constant = pv.constant;
      else all_constant = false;
    }
    ops::InferContext ctx(node, std::move(facts), static_cast<int>(node.outputs.size()));
    SEQRT_RETURN_IF_ERROR(AnnotateNode(schema->infer ? schema->infer(ctx) : absl::OkStatus(), node));

    bool outputs_known = true;
    for (int o = 0; o < ctx.num_outputs(); ++o)
      if (ctx.has_output(o) && !ctx.output(o).shape.fully_known()) outputs_known = false;

    const bool foldable_now = (outputs_known || schema->allocates_outputs) && !any_dynamic &&
                              ((schema->foldable && all_constant) || schema->reads_only_shapes);
    if (foldable_now) {
      SEQRT_RETURN_IF_ERROR(AnnotateNode(FoldNode(node, *schema), node));
      ++folded_nodes_;
      continue;
    }
    if (outputs_known && !any_dynamic && !schema->allocates_outputs) {
      for (int o = 0; o < ctx.num_outputs(); ++o) {
        if (!ctx.has_output(o)) continue;
        graph::ValueId id = node.outputs[o];
        PlanValue& pv = values_[id];
        pv.dtype = ctx.output(o).dtype;
        pv.dims = ctx.output(o).shape.ToDims();
        pv.storage = (schema->drop_unused_outputs && consumers[id] == 0) ? Storage::kAbsent
                                                                          : Storage::kArena;
      }
      SEQRT_RETURN_IF_ERROR(AddStaticStep(n, *schema, ctx));
      continue;
    }
    PlanStep step;
    step.node_index = n;
    step.schema = schema;
    step.dynamic = true;
    for (int o = 0; o < ctx.num_outputs(); ++o) {
      if (!ctx.has_output(o)) continue;
      values_[node.outputs[o]].storage = Storage::kDynamic;
      values_[node.outputs[o]].dtype = ctx.output(o).dtype;
    }
    steps_.push_back(std::move(step));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> Plan::ComputeNodeNow(const graph::Node& node,
                                                         const ops::OpSchema& schema,
                                                         std::vector<NowInput> inputs,
                                                         bool reference_only) const {
  std::vector<ops::InferContext::InputFacts> facts(inputs.size());
  std::vector<Tensor> small_copies;
  small_copies.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const NowInput& in = inputs[i];
    if (!in.present) continue;
    facts[i].present = true;
    facts[i].dtype = in.dtype;
    facts[i].shape = graph::Shape::FromDims(in.dims);
    facts[i].constant = in.constant;
    if (!in.constant && in.data != kShapeOnlyPlaceholder &&
        NumElements(in.dims) <= kMaxRuntimeConstantElements) {
      small_copies.push_back(Tensor::CopyOf(TensorView(in.dtype, in.dims, in.data)));
      facts[i].constant = &small_copies.back();
    }
  }
  ops::InferContext ictx(node, facts, static_cast<int>(node.outputs.size()));
  SEQRT_RETURN_IF_ERROR(schema.infer ? schema.infer(ictx) : absl::OkStatus());
  std::vector<ops::PrepareContext::Slot> in_slots(inputs.size());
  std::vector<ops::ComputeContext::In> ins(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].present) continue;
    in_slots[i] = {inputs[i].dtype, inputs[i].dims, facts[i].constant, true};
    ins[i] = {inputs[i].dtype, &inputs[i].dims, inputs[i].data};
  }
  std::vector<ops::PrepareContext::Slot> out_slots(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    if (!ictx.has_output(static_cast<int>(o))) continue;
    const auto& out = ictx.output(static_cast<int>(o));
    if (!out.shape.fully_known() && !schema.allocates_outputs) {
      return absl::InternalError(absl::StrCat("output ", o, " shape is still unknown at run time"));
    }
    out_slots[o] = {out.dtype, out.shape.fully_known() ? out.shape.ToDims() : Dims{}, nullptr, true};
  }
  ops::PrepareContext pctx(node, in_slots, out_slots, options_.threads);
  std::unique_ptr<ops::OpKernel> kernel;
  if (reference_only) {
    // The reference kernel is the one that accepts everything the op allows.
    SEQRT_ASSIGN_OR_RETURN(kernel, schema.kernels.back()(node));
    SEQRT_RETURN_IF_ERROR(kernel->Prepare(pctx));
  } else {
    SEQRT_ASSIGN_OR_RETURN(kernel, ChooseKernel(node, schema, pctx));
  }
  std::unique_ptr<void, FreeDeleter> scratch(
      pctx.scratch_bytes() ? std::aligned_alloc(kArenaAlignment, AlignUp(pctx.scratch_bytes())) : nullptr);
  if (schema.allocates_outputs) {
    ops::ComputeContext cctx(std::move(ins), std::vector<ops::ComputeContext::Out>(node.outputs.size()),
                             scratch.get());
    cctx.runtime_hook = static_cast<const ops::SubgraphRunner*>(&subgraphs_);
    return kernel->ComputeWithOutputs(cctx);
  }
  std::vector<Tensor> outputs(node.outputs.size());
  std::vector<ops::ComputeContext::Out> outs(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    if (!out_slots[o].present) continue;
    outputs[o] = Tensor(out_slots[o].dtype, out_slots[o].dims);
    outs[o] = {outputs[o].dtype(), &outputs[o].dims(), outputs[o].raw_data()};
  }
  ops::ComputeContext cctx(std::move(ins), std::move(outs), scratch.get());
  cctx.runtime_hook = static_cast<const ops::SubgraphRunner*>(&subgraphs_);
  SEQRT_RETURN_IF_ERROR(kernel->Compute(cctx));
  return outputs;
}

absl::Status Plan::FoldNode(const graph::Node& node, const ops::OpSchema& schema) {
  const std::vector<graph::ValueId> ids = AllInputs(node);
  std::vector<NowInput> inputs(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    const PlanValue& pv = values_[id];
    inputs[i] = {true, pv.dtype, pv.dims, pv.constant,
                 pv.constant ? pv.constant->raw_data() : static_cast<const void*>(kShapeOnlyPlaceholder)};
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> outputs,
                         ComputeNodeNow(node, schema, std::move(inputs), /*reference_only=*/true));
  for (size_t o = 0; o < node.outputs.size() && o < outputs.size(); ++o) {
    if (node.outputs[o] == graph::kNoValue || !outputs[o].raw_data()) continue;
    auto folded = std::make_shared<const Tensor>(std::move(outputs[o]));
    PlanValue& pv = values_[node.outputs[o]];
    pv.storage = Storage::kConstant;
    pv.dtype = folded->dtype();
    pv.dims = folded->dims();
    pv.constant = folded.get();
    folded_.push_back(std::move(folded));
  }
  return absl::OkStatus();
}

absl::Status Plan::AddStaticStep(int node_index, const ops::OpSchema& schema,
                                 const ops::InferContext& inferred) {
  const graph::Node& node = graph_->nodes[node_index];
  const std::vector<graph::ValueId> ids = AllInputs(node);
  std::vector<ops::PrepareContext::Slot> in_slots(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    const PlanValue& pv = values_[id];
    in_slots[i] = {pv.dtype, pv.dims, pv.storage == Storage::kConstant ? pv.constant : nullptr, true};
  }
  std::vector<ops::PrepareContext::Slot> out_slots(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    graph::ValueId id = node.outputs[o];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    out_slots[o] = {values_[id].dtype, values_[id].dims, nullptr, true};
  }
  ops::PrepareContext pctx(node, std::move(in_slots), std::move(out_slots), options_.threads);
  PlanStep step;
  step.node_index = node_index;
  step.schema = &schema;
  step.inputs = ids;
  SEQRT_ASSIGN_OR_RETURN(step.kernel, ChooseKernel(node, schema, pctx));
  step.scratch_bytes = pctx.scratch_bytes();
  step.view = schema.aliasing == ops::Aliasing::kViewOfInput0 && node.HasInput(0) &&
              node.HasOutput(0) && values_[node.outputs[0]].storage == Storage::kArena &&
              values_[node.outputs[0]].dtype == values_[node.inputs[0]].dtype &&
              NumElements(values_[node.outputs[0]].dims) == NumElements(values_[node.inputs[0]].dims);
  step.skip_compute = step.view;
  for (size_t o = 1; o < node.outputs.size(); ++o)
    if (node.outputs[o] != graph::kNoValue && values_[node.outputs[o]].storage != Storage::kAbsent)
      step.skip_compute = false;  // e.g. Dropout's mask still has to be written
  steps_.push_back(std::move(step));
  return absl::OkStatus();
}

void Plan::PlanArena() {
  const graph::Graph& g = *graph_;
  const int n_steps = static_cast<int>(steps_.size());
  const size_t n_values = values_.size();
  last_use_.assign(n_values, -1);
  std::vector<int> def_step(n_values, -1);
  for (int s = 0; s < n_steps; ++s) {
    const graph::Node& node = g.nodes[steps_[s].node_index];
    for (graph::ValueId in : node.inputs) if (in != graph::kNoValue) last_use_[in] = s;
    for (graph::ValueId in : node.implicit_inputs) last_use_[in] = s;
    for (graph::ValueId out : node.outputs) if (out != graph::kNoValue) def_step[out] = s;
  }
  for (graph::ValueId out : g.outputs) last_use_[out] = n_steps;

  // Union-find over values sharing bytes: views with their input, in-place outputs with
  // the input they overwrite. Each set's lifetime is the union of its members'.
  std::vector<graph::ValueId> parent(n_values);
  std::vector<int> set_last(n_values);
  for (size_t v = 0; v < n_values; ++v) {
    parent[v] = static_cast<graph::ValueId>(v);
    set_last[v] = std::max(last_use_[v], def_step[v]);
  }
  auto find = [&](graph::ValueId v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  auto join = [&](graph::ValueId member, graph::ValueId root) {
    parent[member] = root;
    set_last[root] = std::max(set_last[root], set_last[member]);
  };
  for (int s = 0; s < n_steps; ++s) {
    const PlanStep& step = steps_[s];
    if (step.dynamic) continue;
    const graph::Node& node = g.nodes[step.node_index];
    if (step.view) {
      join(node.outputs[0], find(node.inputs[0]));
      continue;
    }
    if (step.schema->aliasing != ops::Aliasing::kMayReuseInput || !node.HasInput(0) ||
        !node.HasOutput(0))
      continue;
    graph::ValueId out = node.outputs[0];
    graph::ValueId r = find(node.inputs[0]);
    const PlanValue& rv = values_[r];
    const PlanValue& ov = values_[out];
    if (ov.storage != Storage::kArena || rv.storage != Storage::kArena) continue;
    if (rv.dtype != ov.dtype || NumElements(rv.dims) != NumElements(ov.dims)) continue;
    if (values_[node.inputs[0]].dims != ov.dims) continue;
    if (set_last[r] != s) continue;  // someone reads the input later
    join(out, r);
  }

  std::vector<BufferRequest> requests;
  std::vector<graph::ValueId> request_value;
  for (size_t v = 0; v < n_values; ++v) {
    PlanValue& pv = values_[v];
    if (pv.storage == Storage::kAbsent || pv.storage == Storage::kDynamic) continue;
    graph::ValueId r = find(static_cast<graph::ValueId>(v));
    pv.root = r;
    if (r != static_cast<graph::ValueId>(v)) {
      pv.storage = values_[r].storage;
      continue;
    }
    if (pv.storage != Storage::kArena) continue;
    requests.push_back({static_cast<int64_t>(NumElements(pv.dims) * DTypeSize(pv.dtype)),
                        def_step[v], std::max(set_last[v], def_step[v])});
    request_value.push_back(static_cast<graph::ValueId>(v));
  }
  const size_t n_value_requests = requests.size();
  for (int s = 0; s < n_steps; ++s)
    if (steps_[s].scratch_bytes > 0)
      requests.push_back({static_cast<int64_t>(steps_[s].scratch_bytes), s, s});

  MemoryLayout layout = PlanMemory(requests);
  // The naive figure counts every intermediate separately, aliases and in-place ones too.
  int64_t naive = 0;
  for (size_t v = 0; v < n_values; ++v) {
    const PlanValue& pv = values_[v];
    if (pv.storage == Storage::kArena && def_step[v] >= 0)
      naive += AlignUp(std::max<int64_t>(NumElements(pv.dims) * DTypeSize(pv.dtype), 1));
  }
  for (const PlanStep& step : steps_) naive += step.scratch_bytes ? AlignUp(step.scratch_bytes) : 0;
  layout.naive_bytes = naive;
  for (size_t i = 0; i < n_value_requests; ++i) values_[request_value[i]].offset = layout.offsets[i];
  size_t r = n_value_requests;
  for (int s = 0; s < n_steps; ++s)
    if (steps_[s].scratch_bytes > 0) steps_[s].scratch_offset = layout.offsets[r++];
  arena_bytes_ = layout.arena_bytes;
  naive_bytes_ = layout.naive_bytes;
  live_peak_bytes_ = layout.live_peak_bytes;
}

const void* Plan::ResolveData(graph::ValueId id, const RunState& state) const {
  const PlanValue& pv = values_[id];
  const PlanValue& root = values_[pv.root];
  switch (root.storage) {
    case Storage::kConstant: return root.constant->raw_data();
    case Storage::kGraphInput: return state.inputs ? state.inputs->data[root.input_index] : nullptr;
    case Storage::kArena: return static_cast<const char*>(state.arena.get()) + root.offset;
    case Storage::kDynamic: return state.dynamic[pv.root].raw_data();
    case Storage::kAbsent: return nullptr;
  }
  return nullptr;
}

std::unique_ptr<Plan::RunState> Plan::NewRunState() const {
  auto state = std::make_unique<RunState>();
  state->arena.reset(std::aligned_alloc(kArenaAlignment, AlignUp(std::max<int64_t>(arena_bytes_, 1))));
  state->dynamic.resize(values_.size());
  const graph::Graph& g = *graph_;
  state->contexts.reserve(steps_.size());
  for (const PlanStep& step : steps_) {
    std::vector<ops::ComputeContext::In> ins;
    std::vector<ops::ComputeContext::Out> outs;
    void* scratch = nullptr;
    if (!step.dynamic) {
      const graph::Node& node = g.nodes[step.node_index];
      for (graph::ValueId id : AllInputs(node)) {
        if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) {
          ins.push_back({});
          continue;
        }
        ins.push_back({values_[id].dtype, &values_[id].dims, ResolveData(id, *state)});
      }
      for (graph::ValueId id : node.outputs) {
        if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) {
          outs.push_back({});
          continue;
        }
        outs.push_back({values_[id].dtype, &values_[id].dims, const_cast<void*>(ResolveData(id, *state))});
      }
      if (step.scratch_bytes > 0) scratch = static_cast<char*>(state->arena.get()) + step.scratch_offset;
    }
    state->contexts.emplace_back(std::move(ins), std::move(outs), scratch);
    state->contexts.back().runtime_hook = static_cast<const ops::SubgraphRunner*>(&subgraphs_);
  }
  return state;
}

absl::Status Plan::RunDynamicStep(const PlanStep& step, RunState& state) const {
  const graph::Node& node = graph_->nodes[step.node_index];
  const std::vector<graph::ValueId> ids = AllInputs(node);
  std::vector<NowInput> inputs(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    const PlanValue& pv = values_[id];
    const bool dynamic = values_[pv.root].storage == Storage::kDynamic;
    inputs[i] = {true, pv.dtype, dynamic ? state.dynamic[pv.root].dims() : pv.dims,
                 pv.storage == Storage::kConstant ? pv.constant : nullptr, ResolveData(id, state)};
  }
  auto outputs = ComputeNodeNow(node, *step.schema, std::move(inputs), /*reference_only=*/false);
  if (!outputs.ok()) return AnnotateNode(outputs.status(), node);
  for (size_t o = 0; o < node.outputs.size() && o < outputs->size(); ++o) {
    if (node.outputs[o] == graph::kNoValue) continue;
    if (!(*outputs)[o].raw_data()) {
      return absl::InternalError(absl::StrCat(node.Describe(), ": output ", o, " was not produced"));
    }
    state.dynamic[node.outputs[o]] = std::move((*outputs)[o]);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> Plan::Execute(const RunInputs& inputs,
                                                  std::vector<ProfileEvent>* profile,
                                                  const std::vector<bool>* needed) const {
  std::unique_ptr<RunState> state;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      state = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!state) state = NewRunState();
  state->inputs = &inputs;
  // Returns the run state to the pool however this function exits.
  struct Release {
    const Plan* plan;
    std::unique_ptr<RunState>& state;
    ~Release() {
      state->inputs = nullptr;
      std::lock_guard<std::mutex> lock(plan->pool_mutex_);
      plan->pool_.push_back(std::move(state));
    }
  } release{this, state};

  const graph::Graph& g = *graph_;
  using Clock = std::chrono::steady_clock;
  const auto run_start = Clock::now();
  for (size_t s = 0; s < steps_.size(); ++s) {
    const PlanStep& step = steps_[s];
    if (step.skip_compute) continue;
    const auto t0 = profile ? Clock::now() : Clock::time_point();
    if (step.dynamic) {
      SEQRT_RETURN_IF_ERROR(RunDynamicStep(step, *state));
    } else {
      ops::ComputeContext& ctx = state->contexts[s];
      const graph::Node& node = g.nodes[step.node_index];
      const std::vector<graph::ValueId>& ids = step.inputs;
      for (size_t i = 0; i < ids.size(); ++i) {
        graph::ValueId id = ids[i];
        if (id != graph::kNoValue && values_[id].storage == Storage::kGraphInput)
          ctx.set_input_data(static_cast<int>(i), ResolveData(id, *state));
      }
      SEQRT_RETURN_IF_ERROR(AnnotateNode(step.kernel->Compute(ctx), node));
    }
    if (profile) {
      const auto t1 = Clock::now();
      const graph::Node& node = g.nodes[step.node_index];
      profile->push_back(
          {node.name, node.op_type, step.dynamic ? "dynamic" : std::string(step.kernel->name()),
           std::chrono::duration_cast<std::chrono::nanoseconds>(t0 - run_start).count(),
           std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()});
    }
  }
  std::vector<Tensor> outputs;
  outputs.reserve(g.outputs.size());
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    if (needed && o < needed->size() && !(*needed)[o]) {
      outputs.emplace_back();
      continue;
    }
    const graph::ValueId id = g.outputs[o];
    const PlanValue& pv = values_[id];
    const bool dynamic = values_[pv.root].storage == Storage::kDynamic;
    const Dims& dims = dynamic ? state->dynamic[pv.root].dims() : pv.dims;
    outputs.push_back(Tensor::CopyOf(TensorView(pv.dtype, dims, ResolveData(id, *state))));
  }
  for (Tensor& t : state->dynamic) if (t.raw_data()) t = Tensor();
  return outputs;
}

PlanInfo Plan::Describe() const {
  PlanInfo info;
  const graph::Graph& g = *graph_;
  for (const PlanStep& step : steps_) {
    const graph::Node& node = g.nodes[step.node_index];
    std::string kernel = step.dynamic ? "dynamic" : std::string(step.kernel->name());
    if (step.view) kernel = "view";
    info.nodes.push_back({node.name, node.op_type, kernel, static_cast<int64_t>(step.scratch_bytes)});
  }
  std::vector<int> def(values_.size(), -1);
  for (int s = 0; s < static_cast<int>(steps_.size()); ++s)
    for (graph::ValueId out : g.nodes[steps_[s].node_index].outputs)
      if (out != graph::kNoValue) def[out] = s;
  for (size_t v = 0; v < values_.size(); ++v) {
    const PlanValue& pv = values_[v];
    if (def[v] < 0 || pv.storage == Storage::kAbsent) continue;
    PlannedValue out;
    out.name = g.value(static_cast<graph::ValueId>(v)).name;
    out.first_step = def[v];
    out.last_step = std::max(def[v], last_use_[v]);
    if (pv.storage != Storage::kDynamic) {
      out.bytes = NumElements(pv.dims) * DTypeSize(pv.dtype);
      if (values_[pv.root].storage == Storage::kArena) out.offset = values_[pv.root].offset;
      if (pv.root != static_cast<graph::ValueId>(v)) out.alias_of = g.value(pv.root).name;
    }
    info.values.push_back(std::move(out));
  }
  info.arena_bytes = arena_bytes_;
  info.naive_bytes = naive_bytes_;
  info.live_peak_bytes = live_peak_bytes_;
  info.folded_nodes = folded_nodes_;
  return info;
}

}  // namespace seqrt::runtime
