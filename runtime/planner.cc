// The planner: binds the graph to one input-shape signature. Infers every shape, folds what
// is constant, chooses and prepares a kernel per node, and lays out the arena.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"
#include "ops/subgraph.h"
#include "runtime/if_inliner.h"
#include "runtime/kernel_tuner.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"
#include "runtime/plan_common.h"
#include "seqrt/status.h"

namespace seqrt::runtime {

absl::StatusOr<std::unique_ptr<Plan>> Plan::Build(std::shared_ptr<const graph::Graph> graph,
                                                  const std::vector<Dims>& input_dims,
                                                  const std::vector<DType>& input_dtypes,
                                                  const std::vector<bool>& bound,
                                                  const PlanOptions& options,
                                                  const std::vector<ValueKind>& input_kinds) {
  PlanOptions resolved = options;
  if (!resolved.store) resolved.store = std::make_shared<PreparedStateStore>();
  if (!resolved.arenas) resolved.arenas = std::make_shared<ArenaPool>();
  std::unique_ptr<Plan> plan;
  // An If whose condition folded to a constant is replaced by its taken branch and the plan
  // rebuilt, so the branch runs as static steps; branches holding Ifs of their own take
  // another pass (bounded: past the bound they stay dynamic steps, which is correct too).
  for (int pass = 0;; ++pass) {
    plan.reset(new Plan);
    plan->graph_ = graph;
    plan->options_ = resolved;
    plan->subgraphs_.set_options(plan->options_);
    SEQRT_RETURN_IF_ERROR(plan->BuildSteps(input_dims, input_dtypes, bound, input_kinds));
    std::vector<IfChoice> choices = plan->FoldedIfChoices();
    if (choices.empty() || pass >= kMaxIfInlinePasses) break;
    SEQRT_ASSIGN_OR_RETURN(graph, InlineIfs(*resolved.store, graph, choices));
  }
  plan->PlanArena();
  SEQRT_RETURN_IF_ERROR(plan->CheckPlanSize());
  plan->FindDirectOutputs();
  // What the plan holds itself; shared state and arenas are counted by their owners.
  int64_t owned = static_cast<int64_t>(sizeof(Plan) + plan->values_.size() * (sizeof(PlanValue) + sizeof(int)));
  for (const PlanValue& pv : plan->values_) owned += static_cast<int64_t>(pv.dims.size() * sizeof(int64_t));
  for (const PlanStep& step : plan->steps_)
    owned += static_cast<int64_t>(sizeof(PlanStep) + step.inputs.size() * (sizeof(graph::ValueId) + 2 * sizeof(ops::ComputeContext::In)) + 256);
  for (const auto& folded : plan->folded_) owned += static_cast<int64_t>(folded->byte_size());
  plan->owned_bytes_ = owned;
  return plan;
}

std::vector<IfChoice> Plan::FoldedIfChoices() const {
  std::vector<IfChoice> choices;
  for (const PlanStep& step : steps_) {
    if (!step.dynamic) continue;
    const graph::Node& node = graph_->nodes[step.node_index];
    if (node.op_type != "If" || !node.domain.empty() || !node.HasInput(0)) continue;
    const PlanValue& cond = values_[node.inputs[0]];
    if (cond.storage != Storage::kConstant || cond.constant == nullptr || cond.constant->dtype() != DType::kBool ||
        cond.constant->num_elements() != 1)
      continue;
    choices.push_back({step.node_index, *cond.constant->data_as<uint8_t>() != 0});
  }
  return choices;
}

// Each value was checked against the cap when inferred; the arena and the plan as a whole
// (arena plus folded constants) must fit too.
absl::Status Plan::CheckPlanSize() const {
  const int64_t cap = options_.max_memory_bytes;
  int64_t folded = 0;
  for (const auto& t : folded_) folded += static_cast<int64_t>(t->byte_size());
  std::string largest;
  int64_t largest_bytes = 0;
  for (size_t v = 0; v < values_.size(); ++v) {
    const PlanValue& pv = values_[v];
    if (pv.storage != Storage::kArena || pv.root != static_cast<graph::ValueId>(v)) continue;
    const int64_t b = NumElements(pv.dims) * static_cast<int64_t>(DTypeSize(pv.dtype));
    if (b > largest_bytes) {
      largest_bytes = b;
      largest = graph_->value(static_cast<graph::ValueId>(v)).name;
    }
  }
  const std::string detail =
      largest.empty() ? std::string()
                      : absl::StrCat(" (largest value '", largest, "': ", DescribeBytes(largest_bytes), ")");
  SEQRT_RETURN_IF_ERROR(CheckMemoryCap(arena_bytes_, cap, absl::StrCat("the plan's arena", detail)));
  return CheckMemoryCap(arena_bytes_ + folded, cap,
                        absl::StrCat("the plan (arena plus ", DescribeBytes(folded), " of folded constants)"));
}

absl::Status Plan::BuildSteps(const std::vector<Dims>& input_dims,
                              const std::vector<DType>& input_dtypes,
                              const std::vector<bool>& bound,
                              const std::vector<ValueKind>& input_kinds) {
  const graph::Graph& g = *graph_;
  values_.assign(g.values.size(), PlanValue{});
  for (graph::ValueId id = 0; id < static_cast<graph::ValueId>(g.values.size()); ++id) {
    values_[id].root = id;
    const graph::Value& v = g.value(id);
    if (v.constant) {
      values_[id].storage = Storage::kConstant;
      values_[id].stable = true;  // an initializer: the graph (the session) owns it
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
    pv.stable = false;
    pv.input_index = static_cast<int>(i);
    pv.kind = i < input_kinds.size() ? input_kinds[i] : g.value(bindable[i]).kind;
    pv.dtype = input_dtypes[i];
    pv.dims = IsBoxedKind(pv.kind) ? Dims{} : input_dims[i];
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
    SEQRT_RETURN_IF_ERROR(CheckInputCount(node, *schema));
    const std::vector<graph::ValueId> inputs = AllInputs(node);
    std::vector<ops::InferContext::InputFacts> facts(inputs.size());
    bool any_dynamic = false, all_constant = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
      graph::ValueId id = inputs[i];
      if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
      const PlanValue& pv = values_[id];
      facts[i].present = true;
      facts[i].kind = pv.kind;
      facts[i].dtype = pv.dtype;
      // A sequence's length and element shapes are run-time facts: its readers run as
      // dynamic steps, seeing at plan time only the element shape the model declares.
      if (pv.storage == Storage::kDynamic || IsBoxedKind(pv.kind)) {
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
    SEQRT_RETURN_IF_ERROR(AnnotateNode(ops::RunShapeFunction(*schema, ctx), node));
    SEQRT_RETURN_IF_ERROR(CheckOutputSizes(node, g, ctx, options_.max_memory_bytes));

    if (!schema->boxed_values && node.HasInput(0) && node.HasOutput(0) && IsBoxedKind(values_[node.inputs[0]].kind)) {
      // Identity of a sequence or optional (the only tensor op RunShapeFunction lets through):
      // the output is the input, no step needed.
      PlanValue& out = values_[node.outputs[0]];
      const PlanValue& in = values_[node.inputs[0]];
      out.storage = Storage::kBoxed;
      out.kind = in.kind;
      out.dtype = in.dtype;
      out.root = in.root;
      continue;
    }

    bool outputs_known = true, boxed_outputs = false;
    for (int o = 0; o < ctx.num_outputs(); ++o) {
      if (!ctx.has_output(o)) continue;
      if (!ctx.output(o).shape.fully_known()) outputs_known = false;
      if (IsBoxedKind(ctx.output(o).kind)) boxed_outputs = true;
    }

    const bool foldable_now = (outputs_known || schema->allocates_outputs) && !any_dynamic &&
                              !boxed_outputs &&
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
      PlanValue& pv = values_[node.outputs[o]];
      pv.kind = ctx.output(o).kind;
      pv.storage = IsBoxedKind(pv.kind) ? Storage::kBoxed : Storage::kDynamic;
      pv.dtype = ctx.output(o).dtype;
    }
    steps_.push_back(std::move(step));
  }
  return absl::OkStatus();
}

absl::Status Plan::FoldNode(const graph::Node& node, const ops::OpSchema& schema) {
  const std::vector<graph::ValueId> ids = AllInputs(node);
  std::vector<NowInput> inputs(ids.size());
  // Folded from session-lifetime constants only: the result is the same for every shape, so
  // it is computed once per session and shared (a plan-local copy per shape would grow
  // memory with every new input shape).
  bool stable = true;
  std::string key = "fold|";
  for (size_t i = 0; i < ids.size(); ++i) {
    graph::ValueId id = ids[i];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    const PlanValue& pv = values_[id];
    inputs[i] = {true, pv.dtype, pv.dims, pv.constant,
                 pv.constant ? pv.constant->raw_data() : static_cast<const void*>(kShapeOnlyPlaceholder)};
    stable = stable && pv.storage == Storage::kConstant && pv.stable;
    absl::StrAppend(&key, reinterpret_cast<uintptr_t>(pv.constant), ",");
  }
  absl::StrAppend(&key, "|", reinterpret_cast<uintptr_t>(&node));
  using Folded = std::vector<std::shared_ptr<const Tensor>>;
  auto compute = [&]() -> absl::StatusOr<std::shared_ptr<const void>> {
    SEQRT_ASSIGN_OR_RETURN(std::vector<Value> outputs,
                           ComputeNodeNow(node, schema, std::move(inputs), /*reference_only=*/true));
    auto folded = std::make_shared<Folded>();
    // Only tensors fold into plan constants; a sequence/optional output stays empty here.
    for (Value& v : outputs)
      folded->push_back(std::make_shared<const Tensor>(v.is_tensor() ? std::move(v.tensor()) : Tensor()));
    return std::shared_ptr<const void>(std::move(folded));
  };
  std::shared_ptr<const void> result;
  if (stable) {
    SEQRT_ASSIGN_OR_RETURN(result, options_.store->GetOrBuild(key, compute));
  } else {
    SEQRT_ASSIGN_OR_RETURN(result, compute());
  }
  const Folded& outputs = *std::static_pointer_cast<const Folded>(result);
  for (size_t o = 0; o < node.outputs.size() && o < outputs.size(); ++o) {
    if (node.outputs[o] == graph::kNoValue || !outputs[o]->raw_data()) continue;
    PlanValue& pv = values_[node.outputs[o]];
    pv.storage = Storage::kConstant;
    pv.stable = stable;
    pv.dtype = outputs[o]->dtype();
    pv.dims = outputs[o]->dims();
    pv.constant = outputs[o].get();
    if (stable) {
      shared_folded_.push_back(result);  // keeps the session's copy alive with this plan too
    } else {
      folded_.push_back(outputs[o]);
    }
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
    const bool constant = pv.storage == Storage::kConstant;
    in_slots[i] = {pv.dtype, pv.dims, constant ? pv.constant : nullptr, true, constant && pv.stable};
  }
  std::vector<ops::PrepareContext::Slot> out_slots(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    graph::ValueId id = node.outputs[o];
    if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) continue;
    out_slots[o] = {values_[id].dtype, values_[id].dims, nullptr, true};
  }
  ops::PrepareContext pctx(node, std::move(in_slots), std::move(out_slots), options_.threads,
                           options_.store.get());
  pctx.set_isa(options_.isa);
  PlanStep step;
  step.node_index = node_index;
  step.schema = &schema;
  step.inputs = ids;
  if (options_.tuner != nullptr && schema.tuning_input != nullptr) {
    SEQRT_ASSIGN_OR_RETURN(KernelChoice choice, options_.tuner->Choose(node, schema, pctx));
    step.kernel = std::move(choice.kernel);
    step.kernel_choice = std::move(choice.how);
  } else {
    SEQRT_ASSIGN_OR_RETURN(step.kernel, ChooseKernel(node, schema, pctx));
  }
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
    if (pv.storage == Storage::kAbsent || pv.storage == Storage::kDynamic ||
        pv.storage == Storage::kBoxed)
      continue;
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

void Plan::FindDirectOutputs() {
  const graph::Graph& g = *graph_;
  const size_t n_out = g.outputs.size();
  direct_ok_.assign(n_out, false);
  root_refs_.assign(n_out, {});
  std::vector<int> outputs_per_root(values_.size(), 0);
  for (graph::ValueId id : g.outputs) ++outputs_per_root[values_[id].root];
  for (size_t o = 0; o < n_out; ++o) {
    const PlanValue& pv = values_[g.outputs[o]];
    const PlanValue& root = values_[pv.root];
    // Every member of a root's set has the output's dtype and element count (views and
    // in-place reuse require it), so the caller's buffer holds all of them.
    direct_ok_[o] = root.storage == Storage::kArena && outputs_per_root[pv.root] == 1;
  }
  for (int s = 0; s < static_cast<int>(steps_.size()); ++s) {
    const PlanStep& step = steps_[s];
    if (step.dynamic) continue;
    const graph::Node& node = g.nodes[step.node_index];
    auto note = [&](graph::ValueId id, bool output, int slot) {
      if (id == graph::kNoValue || values_[id].storage == Storage::kAbsent) return;
      for (size_t o = 0; o < n_out; ++o)
        if (direct_ok_[o] && values_[g.outputs[o]].root == values_[id].root) root_refs_[o].push_back({s, output, slot});
    };
    for (size_t i = 0; i < step.inputs.size(); ++i) note(step.inputs[i], false, static_cast<int>(i));
    for (size_t i = 0; i < node.outputs.size(); ++i) note(node.outputs[i], true, static_cast<int>(i));
  }
  // A dynamic step reading the value resolves it through the arena: keep those copying.
  for (const PlanStep& step : steps_) {
    if (!step.dynamic) continue;
    for (graph::ValueId id : AllInputs(g.nodes[step.node_index])) {
      if (id == graph::kNoValue) continue;
      for (size_t o = 0; o < n_out; ++o)
        if (values_[g.outputs[o]].root == values_[id].root) direct_ok_[o] = false;
    }
  }
}

const Dims* Plan::StaticOutputDims(int o) const {
  const PlanValue& pv = values_[graph_->outputs[o]];
  if (values_[pv.root].storage == Storage::kDynamic || pv.storage == Storage::kAbsent) return nullptr;
  return &pv.dims;
}

DType Plan::OutputDType(int o) const { return values_[graph_->outputs[o]].dtype; }

PlanInfo Plan::Describe() const {
  PlanInfo info;
  info.isa = ops::simd::IsaName(options_.isa);
  const graph::Graph& g = *graph_;
  for (const PlanStep& step : steps_) {
    const graph::Node& node = g.nodes[step.node_index];
    std::string kernel = step.dynamic ? "dynamic" : std::string(step.kernel->name());
    if (step.view) kernel = "view";
    info.nodes.push_back({node.name, node.op_type, kernel, step.kernel_choice,
                          static_cast<int64_t>(step.scratch_bytes)});
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
    out.kind = pv.kind;
    if (pv.storage == Storage::kBoxed) {
      // Outside the arena: report one element's bytes when the model fixes its shape.
      ++info.heap_values;
      const graph::Shape& element = g.value(static_cast<graph::ValueId>(v)).shape;
      if (auto n = element.NumElements()) out.bytes = *n * static_cast<int64_t>(DTypeSize(pv.dtype));
      if (pv.root != static_cast<graph::ValueId>(v)) out.alias_of = g.value(pv.root).name;
    } else if (pv.storage != Storage::kDynamic) {
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
