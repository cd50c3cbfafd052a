// The contract every operator kernel follows (TFLite-style phases):
//   constructor: parse and validate attributes (the kernel is immutable afterwards);
//   Prepare:     once per plan, with concrete input/output shapes: validate, create
//                primitives, request scratch bytes. Work that depends only on the node and its
//                constant inputs (packing weights, folding biases) goes through
//                PrepareContext::SharedState, so it runs once per session, not once per shape;
//   Compute:     only compute. It is const and may run on several threads at once, each
//                with its own buffers. It never allocates.
#pragma once

#include <utility>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "graph/graph.h"
#include "ops/simd/isa.h"
#include "seqrt/status.h"
#include "seqrt/tensor.h"
#include "seqrt/value.h"

namespace seqrt::ops {

// Where shape-independent kernel state lives: one store per session (the runtime implements
// it), so every plan of the session shares one copy. `build` runs once per key, even when
// several threads plan at the same time; a failed build is not stored.
class PreparedStore {
 public:
  using Builder = absl::FunctionRef<absl::StatusOr<std::shared_ptr<const void>>()>;
  virtual ~PreparedStore() = default;
  virtual absl::StatusOr<std::shared_ptr<const void>> GetOrBuild(const std::string& key, Builder build) = 0;
};

// Plan-time view of one node: concrete dtypes and dims of its inputs and outputs (outputs
// already inferred by the op's shape function), plus input data where it is known now
// (initializers, folded constants).
class PrepareContext {
 public:
  struct Slot {
    DType dtype = DType::kUndefined;
    Dims dims;
    const Tensor* constant = nullptr;  // inputs only
    bool present = false;
    // The constant lives as long as the session (an initializer, or folded from initializers
    // only), so state derived from it may be shared across plans.
    bool stable = false;
  };

  PrepareContext(const graph::Node& node, std::vector<Slot> inputs, std::vector<Slot> outputs,
                 int threads, PreparedStore* store = nullptr)
      : node_(node), inputs_(std::move(inputs)), outputs_(std::move(outputs)), threads_(threads),
        store_(store) {}

  const graph::Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i].present; }
  bool has_output(int i) const { return i < num_outputs() && outputs_[i].present; }
  DType input_dtype(int i) const { return inputs_[i].dtype; }
  const Dims& input_dims(int i) const { return inputs_[i].dims; }
  const Tensor* input_constant(int i) const { return has_input(i) ? inputs_[i].constant : nullptr; }
  DType output_dtype(int i) const { return outputs_[i].dtype; }
  const Dims& output_dims(int i) const { return outputs_[i].dims; }
  int threads() const { return threads_; }
  // The instruction set the session's hand-written kernels use (ops/simd/isa.h).
  simd::Isa isa() const { return isa_; }
  void set_isa(simd::Isa isa) { isa_ = isa; }

  // Asks the memory planner for scratch bytes available during Compute (64-byte aligned).
  void RequestScratch(size_t bytes) { scratch_bytes_ = std::max(scratch_bytes_, bytes); }
  size_t scratch_bytes() const { return scratch_bytes_; }

  // The same view with no session store and no scratch requested yet: for preparing a kernel
  // on trial (kernel tuning) without leaving its shared state in the session.
  PrepareContext Unshared() const {
    PrepareContext copy(*this);
    copy.store_ = nullptr;
    copy.scratch_bytes_ = 0;
    return copy;
  }

  // State of type T that depends only on this node (its attributes) and its constant inputs,
  // built by `build` (returning absl::StatusOr<std::shared_ptr<const T>>) once per session and
  // shared by every plan. `layout_class` names a shape class when the layout depends on one
  // (e.g. "batch1" vs "batchN"): one copy per class, never one per shape. `build` must not
  // read input dims beyond what the class implies. Without a session store, or when a
  // constant input is plan-local, `build` simply runs (the result is then not shared).
  template <typename T, typename F>
  absl::StatusOr<std::shared_ptr<const T>> SharedState(std::string_view layout_class, F&& build) {
    std::string key;
    bool shareable = store_ != nullptr;
    for (const Slot& in : inputs_) {
      if (in.constant && !in.stable) shareable = false;
      absl::StrAppend(&key, reinterpret_cast<uintptr_t>(in.constant), ",");
    }
    if (!shareable) return build();
    absl::StrAppend(&key, "|", reinterpret_cast<uintptr_t>(&node_), "|", typeid(T).name(), "|");
    key.append(layout_class.data(), layout_class.size());
    SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const void> state,
                           store_->GetOrBuild(key, [&]() -> absl::StatusOr<std::shared_ptr<const void>> {
                             SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const T> built, build());
                             return std::shared_ptr<const void>(std::move(built));
                           }));
    return std::static_pointer_cast<const T>(std::move(state));
  }

 private:
  const graph::Node& node_;
  std::vector<Slot> inputs_;
  std::vector<Slot> outputs_;
  int threads_ = 1;
  simd::Isa isa_ = simd::DefaultIsa();
  size_t scratch_bytes_ = 0;
  PreparedStore* store_ = nullptr;
};

// Run-time buffers for one node execution. Absent optional inputs/outputs have null data.
class ComputeContext {
 public:
  struct In {
    DType dtype = DType::kUndefined;
    const Dims* dims = nullptr;
    const void* data = nullptr;
    const Value* boxed = nullptr;  // set instead of data for sequence/optional inputs
  };
  struct Out {
    DType dtype = DType::kUndefined;
    const Dims* dims = nullptr;
    void* data = nullptr;
  };

  ComputeContext(std::vector<In> inputs, std::vector<Out> outputs, void* scratch)
      : inputs_(std::move(inputs)), outputs_(std::move(outputs)), scratch_(scratch) {}

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  bool has_input(int i) const {
    return i < num_inputs() && (inputs_[i].data != nullptr || inputs_[i].boxed != nullptr);
  }
  // A sequence/optional input (ops with OpSchema::boxed_values); null for tensor inputs.
  const Value* input_value(int i) const { return i < num_inputs() ? inputs_[i].boxed : nullptr; }
  bool has_output(int i) const { return i < num_outputs() && outputs_[i].data != nullptr; }
  DType input_dtype(int i) const { return inputs_[i].dtype; }
  const Dims& input_dims(int i) const { return *inputs_[i].dims; }
  const void* input(int i) const { return inputs_[i].data; }
  template <typename T>
  const T* input(int i) const { return static_cast<const T*>(inputs_[i].data); }
  DType output_dtype(int i) const { return outputs_[i].dtype; }
  const Dims& output_dims(int i) const { return *outputs_[i].dims; }
  void* output(int i) const { return outputs_[i].data; }
  template <typename T>
  T* output(int i) const { return static_cast<T*>(outputs_[i].data); }
  void* scratch() const { return scratch_; }
  // The runtime re-points slots that read per-run buffers (graph inputs) before each run,
  // and outputs written straight into a caller's buffer (Session::RunInto).
  void set_input_data(int i, const void* data) { inputs_[i].data = data; }
  void set_output_data(int i, void* data) { outputs_[i].data = data; }

  // Subgraph-running kernels (Loop/If/Scan) reach the runtime through this hook: see
  // ops/subgraph.h. For nodes with subgraphs, the inputs list is node.inputs followed by
  // node.implicit_inputs (the outer values the bodies capture).
  const void* runtime_hook = nullptr;

 private:
  std::vector<In> inputs_;
  std::vector<Out> outputs_;
  void* scratch_ = nullptr;
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // Returning an Unimplemented status from a fast kernel's Prepare means "declines": the
  // planner then tries the next kernel (ultimately the reference one).
  virtual absl::Status Prepare(PrepareContext& ctx) {
    (void)ctx;
    return absl::OkStatus();
  }
  virtual absl::Status Compute(ComputeContext& ctx) const = 0;
  // For ops whose output shapes are known only after computing (Loop, If, Scan, the sequence
  // ops; schema flag `allocates_outputs`): the runtime calls this instead of Compute, with null
  // output buffers, and takes the returned values as the node's outputs (absent outputs may be
  // empty). Tensor-typed outputs must hold tensors.
  virtual absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const {
    (void)ctx;
    return absl::UnimplementedError("this kernel does not allocate its own outputs");
  }
  // Shown in plans and profiles ("reference", "onednn_matmul"...).
  virtual std::string_view name() const { return "reference"; }
};

using KernelFactory = absl::StatusOr<std::unique_ptr<OpKernel>> (*)(const graph::Node& node);

// Builds kernel K from the node (and any extra constructor arguments): K's constructor
// parses attributes. K must have a constructor `explicit K(const graph::Node&, Args...)` and
// a `absl::Status init_status() const` when construction can fail.
template <typename K, typename... Args>
absl::StatusOr<std::unique_ptr<OpKernel>> MakeKernel(const graph::Node& node, Args&&... args) {
  auto kernel = std::make_unique<K>(node, std::forward<Args>(args)...);
  if constexpr (requires { kernel->init_status(); }) {
    SEQRT_RETURN_IF_ERROR(kernel->init_status());
  }
  return std::unique_ptr<OpKernel>(std::move(kernel));
}

}  // namespace seqrt::ops
