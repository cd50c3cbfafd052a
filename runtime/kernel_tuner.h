// Opt-in kernel tuning (SessionOptions::tune_kernels). Which of an op's fast kernels wins —
// oneDNN's RNN primitive or our matmul cell, say — depends on the CPU (ISA, cache sizes), the
// shapes and the thread count. The built-in choice encodes measurements from the machines we
// had; with tuning on, the planner instead times every fast kernel that accepts a node's
// shapes, on representative data, and keeps the fastest. Decisions are remembered for the
// process and, with a tuning file, saved so later sessions (and later processes) reuse them
// without measuring again.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "ops/op_schema.h"

namespace seqrt::runtime {

struct KernelChoice {
  std::unique_ptr<ops::OpKernel> kernel;
  // How the kernel was chosen, for `seqrt info --plan`: empty for the built-in order, else
  // e.g. "tuned: matmul_cell 1.21 ms, onednn_rnn 1.63 ms" or "tuned earlier (file)".
  std::string how;
};

class KernelTuner {
 public:
  // The tuner for `file` ("" = remembered in this process only), shared by every session of
  // the process that names the same file. The file is read on first use and created if it
  // does not exist; an unreadable, unwritable or malformed file is an error naming it (and
  // the line).
  static absl::StatusOr<std::shared_ptr<KernelTuner>> ForFile(const std::string& file);

  // Chooses among schema.kernels for `node` (schema.tuning_input must be set): a remembered
  // decision for the same op, attributes, input shapes, constness, threads and CPU, else the
  // fastest of the fast kernels that accept, timed now. Falls back to the built-in order when
  // fewer than two fast kernels accept. `pctx` is the node's real context: the winner is
  // prepared with it (the timed candidates are prepared privately and discarded).
  absl::StatusOr<KernelChoice> Choose(const graph::Node& node, const ops::OpSchema& schema,
                                      ops::PrepareContext& pctx);

  // Decisions known now (tests).
  size_t decisions() const;

 private:
  explicit KernelTuner(std::string file) : file_(std::move(file)) {}
  absl::Status Load();
  void Remember(const std::string& key, const std::string& kernel, const std::string& how);

  const std::string file_;
  mutable std::mutex mutex_;
  struct Decision {
    std::string kernel, how;
  };
  absl::flat_hash_map<std::string, Decision> chosen_;
};

// The key a decision is remembered under (exposed for tests): op, attributes, per input its
// dtype, dims and whether it is constant, the thread count and the CPU.
std::string TuningKey(const graph::Node& node, const ops::PrepareContext& pctx);

}  // namespace seqrt::runtime
