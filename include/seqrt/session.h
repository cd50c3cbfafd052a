// The public entry point: load a model once, run it many times.
//
//   absl::StatusOr<seqrt::Session> s = seqrt::Session::Load("model.onnx");
//   auto outputs = s->Run({{"input", seqrt::TensorView(x.data(), {1, 100, 40})}});
//
// A Session is cheap to move and safe to Run from several threads at once. A failed
// Load or Run returns a Status saying what and where, and leaves the session usable.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"
#include "seqrt/export.h"
#include "seqrt/value.h"

namespace seqrt {

struct SessionOptions {
  // Threads for intra-op parallelism (OpenMP, oneDNN's too), applied to every Run on the
  // thread that calls it (and restored afterwards). 0 (the default): OMP_NUM_THREADS when it
  // is set, else one per physical core the process may use, as ONNX Runtime does; measured
  // on the bench models two threads were faster than one or tied (benchmarks/RESULTS.md).
  int threads = 0;
  // 0: run the graph as written (no fusions, no constant folding beyond what shapes need).
  // 1: basic (dead-node elimination, constant folding). 2 and above: everything, fusions included.
  int optimization_level = 99;
  // The most bytes any one tensor, arena or plan (arena plus folded constants) may take. A
  // model asking for more fails with ResourceExhausted naming the node, the value and the
  // bytes, at load or plan time when the size is known then (and the session stays usable).
  // -1 (the default): half of physical memory. 0: no cap.
  int64_t max_memory_bytes = -1;
  // Loop nodes stop with an error after this many iterations (<= 0: no limit). A Loop whose
  // trip count and condition never end it would otherwise spin forever.
  int64_t max_loop_iterations = 10'000'000;
  // The session keeps one plan per input-shape signature, least recently used evicted first
  // beyond either bound (a plan in use by a running call stays alive until the call ends).
  // Weights are prepared once per session and shared by every plan, so a plan is small
  // (its own bytes: steps, contexts, constants folded for its shape only).
  int max_cached_plans = 64;
  int64_t max_cached_plan_bytes = int64_t{64} << 20;
  // Arena buffers are pooled per session, not per plan: idle ones beyond these bounds are
  // freed (the largest idle buffer is always kept).
  int max_idle_arenas = 4;
  int64_t max_idle_arena_bytes = int64_t{256} << 20;
  // Which fast kernel wins (oneDNN's RNN primitive or seqrt's matmul cell...) depends on the
  // CPU, the shapes and the threads. With tune_kernels, planning a node that has several
  // candidates times each one that accepts the node's shapes (a few runs on representative
  // data) and keeps the fastest; `seqrt info --plan` shows the timings. Decisions are
  // remembered for the process and, when tuning_file names a file, saved there and reused by
  // later sessions and processes without measuring again. Off by default: the built-in choice
  // costs nothing at plan time.
  bool tune_kernels = false;
  std::string tuning_file;
  // The instruction set of seqrt's own vector kernels (the packed GEMM and recurrent gate
  // math; oneDNN picks its own): "" (the default: the SEQRT_ISA environment variable if set,
  // else the best this CPU has), "auto" (the best, ignoring SEQRT_ISA), "avx512", "avx2" or
  // "baseline" (any x86-64). Asking for one the CPU lacks fails Load with InvalidArgument.
  std::string isa;
};

// What a session holds right now (for tests, monitoring and `seqrt perf`).
struct SessionStats {
  int cached_plans = 0;
  int64_t cached_plan_bytes = 0;   // Plan-owned bytes of the cached plans
  int64_t plans_built = 0;         // since Load
  int64_t plans_evicted = 0;
  int64_t prepared_states = 0;     // shape-independent kernel states built (weights packed once)
  int idle_arenas = 0;
  int64_t idle_arena_bytes = 0;
  int64_t arena_allocations = 0;   // arena buffers ever allocated
  int64_t outputs_written_directly = 0;  // RunInto outputs computed into the caller's buffer
  int64_t outputs_copied = 0;            // RunInto outputs copied after the run
};

// One dimension of a model input or output: a known size, or a symbol ("batch"), or unknown.
struct DimInfo {
  int64_t value = -1;  // >= 0 when known
  std::string symbol;  // set when the model names the dimension
  bool known() const { return value >= 0; }
};

struct SEQRT_EXPORT ValueInfo {
  std::string name;
  ValueKind kind = ValueKind::kTensor;  // sequences/optionals: dtype and shape are the element's
  DType dtype = DType::kUndefined;
  bool has_shape = false;  // false when the model gives no rank at all
  std::vector<DimInfo> shape;
  std::string ToString() const;  // "float[batch,100,40]", "sequence(float[?])"
};

// What `seqrt info` shows about a model without planning it.
struct ModelInfo {
  std::string producer_name;
  std::string producer_version;
  int64_t ir_version = 0;
  std::string domain;            // ModelProto.domain
  int64_t model_version = 0;     // ModelProto.model_version
  std::string doc_string;        // ModelProto.doc_string
  std::string graph_name;        // GraphProto.name
  std::string graph_doc_string;  // GraphProto.doc_string
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata_props (key, value)
  std::vector<std::pair<std::string, int64_t>> opsets;  // domain ("" = ai.onnx), version
  std::map<std::string, int> op_histogram;                // op type -> node count (subgraphs too)
  int64_t parameter_count = 0;                           // elements in initializers
  int64_t parameter_bytes = 0;
  std::vector<std::string> unsupported_ops;  // "Foo (domain ai.onnx, opset 13, node 'n1')"
  std::vector<ValueInfo> inputs;   // graph inputs without initializers
  std::vector<ValueInfo> outputs;
};

// What SessionOptions::threads = 0 means on this machine and in this environment:
// OMP_NUM_THREADS when set, else the physical cores this process may run on.
SEQRT_EXPORT int DefaultThreads();

// Reads a model for inspection only: works even when seqrt cannot run it (the unsupported
// operators are listed instead of failing).
SEQRT_EXPORT absl::StatusOr<ModelInfo> InspectModel(const std::string& path);

// A node as the plan will execute it.
struct PlannedNode {
  std::string name;
  std::string op_type;
  std::string kernel;  // e.g. "reference", "onednn_matmul", "folded"
  std::string kernel_choice;  // empty: the built-in order; else how tuning chose (tune_kernels)
  int64_t scratch_bytes = 0;  // the kernel's working memory in the arena during this step
};

// An intermediate value's place in the arena. Offsets are bytes from the arena start.
struct PlannedValue {
  std::string name;
  int64_t offset = -1;  // -1: not in the arena (aliases another value, or dynamic)
  int64_t bytes = 0;
  int first_step = 0;  // execution step that defines it
  int last_step = 0;   // last execution step that reads it
  std::string alias_of;  // set when the value shares another value's bytes
  // Sequences and optionals live outside the arena, on the heap, for one run: offset stays -1
  // and `bytes` is one element's size when the element shape is known (else 0).
  ValueKind kind = ValueKind::kTensor;
};

struct PlanInfo {
  std::vector<PlannedNode> nodes;  // execution order; folded nodes are not listed
  std::vector<PlannedValue> values;
  int64_t arena_bytes = 0;      // one run's arena, scratch included
  int64_t naive_bytes = 0;      // the sum of every intermediate's size
  int64_t live_peak_bytes = 0;  // most bytes alive at one step: the bound for this order
  int folded_nodes = 0;         // nodes computed once at plan time
  int heap_values = 0;          // sequence/optional values, kept outside the arena
  std::string isa;              // the instruction set of seqrt's own kernels ("avx512", ...)
};

// One node execution, for profiling.
struct ProfileEvent {
  std::string node_name;
  std::string op_type;
  std::string kernel;
  int64_t start_ns = 0;  // from the start of the run
  int64_t duration_ns = 0;
  int threads = 0;  // OpenMP threads available to the node (omp_get_max_threads)
};

struct RunOptions {
  // When set, Run appends one event per executed node.
  std::vector<ProfileEvent>* profile = nullptr;
  // Run fails with DeadlineExceeded once this time has passed (checked between nodes and in
  // every Loop/Scan iteration). The default: no deadline.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // When another thread sets *cancel to true, Run fails with Cancelled at the next check.
  const std::atomic<bool>* cancel = nullptr;
  // Threads for this Run only (> 0), instead of SessionOptions.threads.
  int threads = 0;
};

namespace runtime {
struct SessionAccess;  // the runtime's own view of a Session (runtime/session_access.h)
}
class Stream;          // seqrt/stream.h
struct StreamOptions;  // seqrt/stream.h

using NamedInputs = std::vector<std::pair<std::string, TensorView>>;
// Inputs that may be sequences or optionals (a ValueView pointing at a caller-owned Value).
using NamedValues = std::vector<std::pair<std::string, ValueView>>;

// A caller-owned buffer to receive one output.
struct OutputBuffer {
  std::string name;
  void* data = nullptr;
  size_t capacity_bytes = 0;
};

class SEQRT_EXPORT Session {
 public:
  static absl::StatusOr<Session> Load(const std::string& path, const SessionOptions& options = {});
  // `bytes` is a serialized ModelProto; external data is resolved relative to `base_dir`.
  static absl::StatusOr<Session> LoadFromBytes(const std::string& bytes,
                                               const SessionOptions& options = {},
                                               const std::string& base_dir = "");

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // Graph inputs the caller must supply (initializer-backed inputs are listed in
  // overridable_inputs instead) and the outputs in model order.
  const std::vector<ValueInfo>& inputs() const;
  const std::vector<ValueInfo>& overridable_inputs() const;
  const std::vector<ValueInfo>& outputs() const;
  const ModelInfo& model_info() const;

  // Runs the model. Outputs come back in the model's output order. Models with sequence or
  // optional inputs or outputs need RunValues.
  absl::StatusOr<std::vector<Tensor>> Run(const NamedInputs& inputs,
                                          const RunOptions& run_options = {}) const;
  // Runs a model whose inputs or outputs may be sequences or optionals.
  absl::StatusOr<std::vector<Value>> RunValues(const NamedValues& inputs,
                                               const RunOptions& run_options = {}) const;
  // Runs the model and writes the named outputs into caller buffers (others are neither
  // copied nor returned). A buffer must hold at least the output's bytes; when it is 64-byte
  // aligned and the output has its own bytes in the plan, the output is computed straight
  // into it (no copy), otherwise copied there after the run. The dims are returned in order.
  absl::StatusOr<std::vector<Dims>> RunInto(const NamedInputs& inputs,
                                            const std::vector<OutputBuffer>& outputs,
                                            const RunOptions& run_options = {}) const;

  // The plan for these input dims (built and cached if new): kernels and memory layout.
  absl::StatusOr<PlanInfo> DescribePlan(const std::vector<std::pair<std::string, Dims>>& input_dims) const;

  // A stream over this model that carries recurrent state from chunk to chunk
  // (include seqrt/stream.h). Fails, naming the node and why, when the model cannot stream.
  absl::StatusOr<Stream> OpenStream() const;
  absl::StatusOr<Stream> OpenStream(const StreamOptions& options) const;

  SessionStats stats() const;

  struct SEQRT_HIDDEN Impl;  // not exported: callers only hold the pointer

 private:
  friend struct runtime::SessionAccess;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seqrt
