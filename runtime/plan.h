// A Plan is the graph bound to one input-shape signature: kernels chosen and prepared,
// shape subgraphs folded to constants, and every intermediate given an arena offset.
// Executing it allocates nothing but per-run output tensors (and buffers of the rare
// "dynamic" nodes whose output shapes depend on run-time values).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"
#include "ops/registry.h"
#include "runtime/arena_pool.h"
#include "runtime/kernel_tuner.h"
#include "runtime/prepared_store.h"
#include "runtime/subgraph_runner.h"
#include "seqrt/session.h"

namespace seqrt::runtime {

struct IfChoice;  // runtime/if_inliner.h

// kBoxed: a sequence or optional, held for one run as a seqrt::Value outside the arena.
// (Graph inputs of those kinds are kGraphInput and read from RunInputs::boxed.)
enum class Storage { kAbsent, kGraphInput, kConstant, kArena, kDynamic, kBoxed };

struct PlanValue {
  Storage storage = Storage::kAbsent;
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;  // the element dtype of sequences and optionals
  Dims dims;                          // valid unless kDynamic
  const Tensor* constant = nullptr;   // kConstant
  int input_index = -1;               // kGraphInput: position in the run's input list
  graph::ValueId root = graph::kNoValue;  // the value whose bytes these are (itself if owner)
  int64_t offset = -1;                // kArena roots: byte offset in the arena
  bool stable = false;                // kConstant that lives as long as the session
};

struct PlanStep {
  int node_index = -1;
  const ops::OpSchema* schema = nullptr;
  std::unique_ptr<ops::OpKernel> kernel;  // null for dynamic steps
  std::vector<graph::ValueId> inputs;     // node.inputs then node.implicit_inputs
  bool dynamic = false;
  bool view = false;          // output 0 aliases input 0's bytes
  bool skip_compute = false;  // a view with no other output: nothing to compute
  int64_t scratch_offset = -1;
  size_t scratch_bytes = 0;
  std::string kernel_choice;  // how the kernel was tuned, empty for the built-in order
};

struct PlanOptions {
  int threads = 1;
  // The instruction set of the hand-written kernels (SessionOptions::isa, resolved).
  ops::simd::Isa isa = ops::simd::DefaultIsa();
  int64_t max_memory_bytes = 0;  // per tensor, arena and plan; <= 0: no cap
  // Shared by every plan of a session: shape-independent kernel state and arena buffers.
  // Build() makes private ones when these are null.
  std::shared_ptr<PreparedStateStore> store;
  std::shared_ptr<ArenaPool> arenas;
  // Set when SessionOptions::tune_kernels: tunable nodes time their fast kernels.
  std::shared_ptr<KernelTuner> tuner;
};

// Bound inputs for one run: one entry per Plan::input_values() (null for unbound).
struct RunInputs {
  std::vector<const void*> data;
  std::vector<const Value*> boxed;  // sequence/optional inputs (data is null for those)
};

class Plan {
 public:
  // `input_dims[i]` / `input_dtypes[i]` describe graph.inputs[i] (then graph.captures, for
  // subgraph bodies); `bound[i]` is false for an initializer-backed input the caller did not
  // override (its initializer is used). `input_kinds` says which are sequences/optionals
  // (empty: what the graph declares); their dims are ignored.
  static absl::StatusOr<std::unique_ptr<Plan>> Build(std::shared_ptr<const graph::Graph> graph,
                                                     const std::vector<Dims>& input_dims,
                                                     const std::vector<DType>& input_dtypes,
                                                     const std::vector<bool>& bound,
                                                     const PlanOptions& options,
                                                     const std::vector<ValueKind>& input_kinds = {});

  // Runs the plan. `inputs.data[i]` points at graph.inputs[i]'s data (then captures'; null
  // when unbound).
  // Outputs come back in graph output order; with `needed`, outputs flagged false come
  // back empty (not copied). With `direct`, output o is computed straight into
  // (*direct)[o] when that is not null (only for outputs where WritesDirectly(o); the caller
  // checked the size) and comes back empty too.
  absl::StatusOr<std::vector<Value>> Execute(const RunInputs& inputs,
                                              std::vector<ProfileEvent>* profile,
                                              const std::vector<bool>* needed = nullptr,
                                              const std::vector<void*>* direct = nullptr) const;

  PlanInfo Describe() const;
  ~Plan();
  int64_t arena_bytes() const { return arena_bytes_; }
  // Bytes this plan holds itself (constants folded for this shape only, steps, contexts):
  // what the session's plan cache counts. Shared kernel state and arenas are not in it.
  int64_t owned_bytes() const { return owned_bytes_; }
  // Graph output o's dims when known before running (not a dynamic value), else null.
  const Dims* StaticOutputDims(int o) const;
  DType OutputDType(int o) const;
  // True when output o can be computed straight into a caller's buffer: it lives in the
  // arena in bytes no other graph output shares.
  bool WritesDirectly(int o) const { return o < static_cast<int>(direct_ok_.size()) && direct_ok_[o]; }

 private:
  struct RunState;  // arena + prebuilt contexts; pooled so concurrent runs don't share
  Plan();  // defined next to RunState (runtime/executor.cc), which it must see complete

  // The dynamic If steps whose condition folded to a constant, with the branch it selects.
  std::vector<IfChoice> FoldedIfChoices() const;
  static constexpr int kMaxIfInlinePasses = 8;
  absl::Status BuildSteps(const std::vector<Dims>& input_dims, const std::vector<DType>& input_dtypes,
                          const std::vector<bool>& bound, const std::vector<ValueKind>& input_kinds);
  // One input of a node computed outside the arena (folding, dynamic steps).
  struct NowInput {
    bool present = false;
    DType dtype = DType::kUndefined;
    Dims dims;
    const Tensor* constant = nullptr;
    const void* data = nullptr;
    bool stable = false;  // `constant` lives as long as the session
    const Value* boxed = nullptr;  // sequence/optional inputs
    ValueKind kind = ValueKind::kTensor;
  };
  // Infers, prepares and computes one node on heap buffers; returns its outputs.
  absl::StatusOr<std::vector<Value>> ComputeNodeNow(const graph::Node& node, const ops::OpSchema& schema,
                                                     std::vector<NowInput> inputs, bool reference_only) const;
  absl::Status FoldNode(const graph::Node& node, const ops::OpSchema& schema);
  absl::Status AddStaticStep(int node_index, const ops::OpSchema& schema,
                             const ops::InferContext& inferred);
  void PlanArena();
  absl::Status CheckPlanSize() const;
  void FindDirectOutputs();
  void BindArena(RunState& state, void* arena) const;
  std::unique_ptr<RunState> NewRunState() const;
  absl::Status RunDynamicStep(const PlanStep& step, RunState& state) const;
  const void* ResolveData(graph::ValueId id, const RunState& state) const;
  const Value* ResolveBoxed(graph::ValueId id, const RunState& state) const;

  std::shared_ptr<const graph::Graph> graph_;
  PlanOptions options_;
  std::vector<PlanValue> values_;
  std::vector<PlanStep> steps_;
  std::vector<std::shared_ptr<const Tensor>> folded_;  // constants computed for this plan only
  std::vector<std::shared_ptr<const void>> shared_folded_;  // folded once per session (store)
  std::vector<int> last_use_;  // per value: last step reading it (steps_.size() for outputs)
  int folded_nodes_ = 0;
  int64_t arena_bytes_ = 0;
  int64_t naive_bytes_ = 0;
  int64_t live_peak_bytes_ = 0;
  int64_t owned_bytes_ = 0;

  // A context slot that reads or writes some value (for re-pointing direct outputs).
  struct SlotRef {
    int step = 0;
    bool output = false;
    int slot = 0;
  };
  std::vector<bool> direct_ok_;                 // per graph output
  std::vector<std::vector<SlotRef>> root_refs_;  // per graph output: slots using its bytes

  SubgraphCache subgraphs_;  // plans of Loop/If/Scan bodies, built on first use

  // Run states (contexts bound to an arena) kept for the next runs; at most kMaxPooledStates.
  static constexpr size_t kMaxPooledStates = 4;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<RunState>> pool_;
};

}  // namespace seqrt::runtime
