// The executor: runs a built plan. Each concurrent run borrows an arena buffer from the
// session's pool and a RunState (kernel contexts bound to that buffer) from the plan's, so
// Compute never allocates and runs never share bytes.
#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"
#include "base/run_limits.h"
#include "ops/subgraph.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"
#include "runtime/plan_common.h"
#include "seqrt/status.h"

namespace seqrt::runtime {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

}  // namespace

struct Plan::RunState {
  void* arena = nullptr;                      // the buffer `contexts` point into
  std::vector<ops::ComputeContext> contexts;  // per step; unused for dynamic steps
  std::vector<Tensor> dynamic;                // per value id, for dynamic values
  std::vector<Value> boxed;                   // per value id, for sequences and optionals
  const RunInputs* inputs = nullptr;
};

Plan::Plan() = default;
Plan::~Plan() = default;

namespace {

// The element shape a run-time sequence/optional shows its reader's shape function: the
// dims all its tensors share (unknown where they differ; unknown rank when empty).
graph::Shape ElementShape(const Value& v) {
  if (v.is_tensor()) return graph::Shape::FromDims(v.tensor().dims());
  if (!v.is_sequence() || v.sequence_length() == 0) return graph::Shape::UnknownRank();
  graph::Shape shape = graph::Shape::FromDims(v.element(0).dims());
  for (const auto& t : v.sequence()) {
    if (static_cast<int>(t->dims().size()) != shape.rank()) return graph::Shape::UnknownRank();
    for (int d = 0; d < shape.rank(); ++d)
      if (shape[d].known() && shape[d].value() != t->dims()[d]) shape[d] = graph::Dim();
  }
  return shape;
}

}  // namespace

absl::StatusOr<std::vector<Value>> Plan::ComputeNodeNow(const graph::Node& node,
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
    facts[i].kind = in.kind;
    facts[i].dtype = in.dtype;
    if (in.boxed) {
      facts[i].shape = ElementShape(*in.boxed);
      continue;
    }
    facts[i].shape = graph::Shape::FromDims(in.dims);
    facts[i].constant = in.constant;
    if (!in.constant && in.data != kShapeOnlyPlaceholder &&
        NumElements(in.dims) <= kMaxRuntimeConstantElements) {
      small_copies.push_back(Tensor::CopyOf(TensorView(in.dtype, in.dims, in.data)));
      facts[i].constant = &small_copies.back();
    }
  }
  ops::InferContext ictx(node, facts, static_cast<int>(node.outputs.size()));
  SEQRT_RETURN_IF_ERROR(ops::RunShapeFunction(schema, ictx));
  SEQRT_RETURN_IF_ERROR(CheckOutputSizes(node, *graph_, ictx, options_.max_memory_bytes));
  std::vector<ops::PrepareContext::Slot> in_slots(inputs.size());
  std::vector<ops::ComputeContext::In> ins(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].present) continue;
    in_slots[i] = {inputs[i].dtype, inputs[i].dims, facts[i].constant, true,
                   inputs[i].stable && facts[i].constant == inputs[i].constant};
    ins[i] = {inputs[i].dtype, &inputs[i].dims, inputs[i].data, inputs[i].boxed};
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
  ops::PrepareContext pctx(node, in_slots, out_slots, options_.threads, options_.store.get());
  pctx.set_isa(options_.isa);
  std::unique_ptr<ops::OpKernel> kernel;
  if (reference_only) {
    // The reference kernel is the one that accepts everything the op allows.
    SEQRT_ASSIGN_OR_RETURN(kernel, schema.kernels.back()(node));
    SEQRT_RETURN_IF_ERROR(kernel->Prepare(pctx));
  } else {
    SEQRT_ASSIGN_OR_RETURN(kernel, ChooseKernel(node, schema, pctx));
  }
  SEQRT_RETURN_IF_ERROR(CheckMemoryCap(static_cast<int64_t>(pctx.scratch_bytes()), options_.max_memory_bytes,
                                       absl::StrCat(node.Describe(), ": kernel scratch")));
  std::unique_ptr<void, FreeDeleter> scratch(
      pctx.scratch_bytes() ? std::aligned_alloc(kArenaAlignment, AlignUp(pctx.scratch_bytes())) : nullptr);
  if (pctx.scratch_bytes() && !scratch) {
    return absl::ResourceExhaustedError(absl::StrCat(node.Describe(), ": allocating ",
                                                     DescribeBytes(pctx.scratch_bytes()), " of scratch failed"));
  }
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
    SEQRT_ASSIGN_OR_RETURN(
        outputs[o], CreateTensor(out_slots[o].dtype, out_slots[o].dims, options_.max_memory_bytes,
                                   absl::StrCat(node.Describe(), ": output '",
                                                graph_->value(node.outputs[o]).name, "'")));
    outs[o] = {outputs[o].dtype(), &outputs[o].dims(), outputs[o].raw_data()};
  }
  ops::ComputeContext cctx(std::move(ins), std::move(outs), scratch.get());
  cctx.runtime_hook = static_cast<const ops::SubgraphRunner*>(&subgraphs_);
  SEQRT_RETURN_IF_ERROR(kernel->Compute(cctx));
  return std::vector<Value>(std::make_move_iterator(outputs.begin()), std::make_move_iterator(outputs.end()));
}

const void* Plan::ResolveData(graph::ValueId id, const RunState& state) const {
  const PlanValue& pv = values_[id];
  const PlanValue& root = values_[pv.root];
  switch (root.storage) {
    case Storage::kConstant: return root.constant->raw_data();
    case Storage::kGraphInput: return state.inputs ? state.inputs->data[root.input_index] : nullptr;
    case Storage::kArena: return static_cast<const char*>(state.arena) + root.offset;
    case Storage::kDynamic: return state.dynamic[pv.root].raw_data();
    case Storage::kAbsent:
    case Storage::kBoxed: return nullptr;
  }
  return nullptr;
}

const Value* Plan::ResolveBoxed(graph::ValueId id, const RunState& state) const {
  const graph::ValueId r = values_[id].root;
  const PlanValue& root = values_[r];
  if (root.storage == Storage::kGraphInput)
    return state.inputs && root.input_index < static_cast<int>(state.inputs->boxed.size())
               ? state.inputs->boxed[root.input_index]
               : nullptr;
  if (root.storage == Storage::kBoxed) return &state.boxed[r];
  return nullptr;
}

std::unique_ptr<Plan::RunState> Plan::NewRunState() const {
  auto state = std::make_unique<RunState>();
  state->dynamic.resize(values_.size());
  state->boxed.resize(values_.size());
  return state;
}

void Plan::BindArena(RunState& state, void* arena) const {
  state.arena = arena;
  state.contexts.clear();
  const graph::Graph& g = *graph_;
  state.contexts.reserve(steps_.size());
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
        ins.push_back({values_[id].dtype, &values_[id].dims, ResolveData(id, state)});
      }
      for (graph::ValueId id : node.outputs) {
        if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) {
          outs.push_back({});
          continue;
        }
        outs.push_back({values_[id].dtype, &values_[id].dims, const_cast<void*>(ResolveData(id, state))});
      }
      if (step.scratch_bytes > 0) scratch = static_cast<char*>(arena) + step.scratch_offset;
    }
    state.contexts.emplace_back(std::move(ins), std::move(outs), scratch);
    state.contexts.back().runtime_hook = static_cast<const ops::SubgraphRunner*>(&subgraphs_);
  }
}

absl::Status Plan::RunDynamicStep(const PlanStep& step, RunState& state) const {
  const graph::Node& node = graph_->nodes[step.node_index];
  const std::vector<graph::ValueId> ids = AllInputs(node);
  std::vector<NowInput> inputs(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    const PlanValue& pv = values_[id];
    if (IsBoxedKind(pv.kind)) {
      const Value* boxed = ResolveBoxed(id, state);
      if (boxed == nullptr) {
        return absl::InternalError(absl::StrCat(node.Describe(), ": input ", i, " (a ",
                                                std::string(ValueKindName(pv.kind)), ") is not available"));
      }
      inputs[i] = {true, pv.dtype, Dims{}, nullptr, nullptr, false, boxed, pv.kind};
      continue;
    }
    const bool dynamic = values_[pv.root].storage == Storage::kDynamic;
    const bool constant = pv.storage == Storage::kConstant;
    inputs[i] = {true, pv.dtype, dynamic ? state.dynamic[pv.root].dims() : pv.dims,
                 constant ? pv.constant : nullptr, ResolveData(id, state), constant && pv.stable};
  }
  auto outputs = ComputeNodeNow(node, *step.schema, std::move(inputs), /*reference_only=*/false);
  if (!outputs.ok()) return AnnotateNode(outputs.status(), node);
  for (size_t o = 0; o < node.outputs.size() && o < outputs->size(); ++o) {
    if (node.outputs[o] == graph::kNoValue) continue;
    Value& out = (*outputs)[o];
    if (values_[node.outputs[o]].storage == Storage::kBoxed) {
      state.boxed[node.outputs[o]] = std::move(out);
      continue;
    }
    if (!out.is_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": output ", o, " is a ",
                                                     out.Describe(), " where the graph expects a tensor"));
    }
    if (!out.tensor().raw_data()) {
      return absl::InternalError(absl::StrCat(node.Describe(), ": output ", o, " was not produced"));
    }
    // Later steps and the outputs read this value with the dtype the plan inferred; a kernel
    // that produced another one (a hostile Scan/Loop body, say) would have them read past it.
    const DType planned = values_[node.outputs[o]].dtype;
    if (planned != DType::kUndefined && out.tensor().dtype() != planned) {
      return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": output ", o, " is ",
                                                     std::string(DTypeName(out.tensor().dtype())), " where the graph expects ",
                                                     std::string(DTypeName(planned))));
    }
    state.dynamic[node.outputs[o]] = std::move(out.tensor());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Value>> Plan::Execute(const RunInputs& inputs,
                                                  std::vector<ProfileEvent>* profile,
                                                  const std::vector<bool>* needed,
                                                  const std::vector<void*>* direct) const {
  ArenaPool::Lease arena = options_.arenas->Acquire(arena_bytes_);
  if (arena.data() == nullptr)
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate the plan's arena of ", arena_bytes_, " bytes"));
  std::unique_ptr<RunState> state;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      state = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!state) state = NewRunState();
  if (state->arena != arena.data()) BindArena(*state, arena.data());
  state->inputs = &inputs;
  // Outputs computed straight into the caller's buffers: every slot using their bytes is
  // re-pointed for this run, and back to the arena afterwards.
  std::vector<int> redirected;
  if (direct) {
    for (size_t o = 0; o < direct->size() && o < direct_ok_.size(); ++o) {
      if (!(*direct)[o] || !direct_ok_[o]) continue;
      redirected.push_back(static_cast<int>(o));
      for (const SlotRef& ref : root_refs_[o]) {
        ops::ComputeContext& ctx = state->contexts[ref.step];
        if (ref.output) ctx.set_output_data(ref.slot, (*direct)[o]);
        else ctx.set_input_data(ref.slot, (*direct)[o]);
      }
    }
  }
  // Returns the run state to the pool however this function exits.
  struct Release {
    const Plan* plan;
    std::unique_ptr<RunState>& state;
    const std::vector<int>& redirected;
    ~Release() {
      state->inputs = nullptr;
      for (int o : redirected) {
        const PlanValue& root = plan->values_[plan->values_[plan->graph_->outputs[o]].root];
        char* home = static_cast<char*>(state->arena) + root.offset;
        for (const SlotRef& ref : plan->root_refs_[o]) {
          ops::ComputeContext& ctx = state->contexts[ref.step];
          if (ref.output) ctx.set_output_data(ref.slot, home);
          else ctx.set_input_data(ref.slot, home);
        }
      }
      std::lock_guard<std::mutex> lock(plan->pool_mutex_);
      if (plan->pool_.size() < kMaxPooledStates) plan->pool_.push_back(std::move(state));
    }
  } release{this, state, redirected};

  const graph::Graph& g = *graph_;
  using Clock = std::chrono::steady_clock;
  const auto run_start = Clock::now();
  for (size_t s = 0; s < steps_.size(); ++s) {
    const PlanStep& step = steps_[s];
    if (step.skip_compute) continue;
    if (absl::Status st = CheckRunLimits(""); !st.ok()) return AnnotateNode(st, g.nodes[step.node_index]);
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
           std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count(), omp_get_max_threads()});
    }
  }
  std::vector<Value> outputs;
  outputs.reserve(g.outputs.size());
  for (size_t o = 0; o < g.outputs.size(); ++o) {
    const bool written = direct && o < direct->size() && (*direct)[o] && direct_ok_[o];
    if (written || (needed && o < needed->size() && !(*needed)[o])) {
      outputs.emplace_back(Tensor());
      continue;
    }
    const graph::ValueId id = g.outputs[o];
    const PlanValue& pv = values_[id];
    if (IsBoxedKind(pv.kind)) {
      const Value* boxed = ResolveBoxed(id, *state);
      if (boxed == nullptr) {
        return absl::InternalError(absl::StrCat("output '", g.value(id).name, "' was not produced"));
      }
      outputs.push_back(*boxed);
      continue;
    }
    const bool dynamic = values_[pv.root].storage == Storage::kDynamic;
    const Dims& dims = dynamic ? state->dynamic[pv.root].dims() : pv.dims;
    outputs.push_back(Tensor::CopyOf(TensorView(pv.dtype, dims, ResolveData(id, *state))));
  }
  for (Tensor& t : state->dynamic) if (t.raw_data()) t = Tensor();
  for (Value& v : state->boxed) if (!v.is_nothing()) v = Value();
  return outputs;
}

}  // namespace seqrt::runtime
