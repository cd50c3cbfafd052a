// Limits one Run must respect wherever it is: a deadline, a cancel flag, a cap on Loop
// iterations and on memory. Session::Run installs them for the calling thread (ScopedRunLimits);
// the executor checks them between nodes and the control-flow kernels inside every Loop/Scan
// iteration. A thread-local keeps them off every kernel interface: a run's node loop and its
// Loop/Scan iterations all happen on the thread that called Run (kernels parallelise only
// inside one node), and bodies run through the same executor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace seqrt {

struct RunLimits {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;  // set to true by another thread to stop the run
  int64_t max_loop_iterations = 0;            // <= 0: unlimited
  int64_t max_memory_bytes = 0;               // <= 0: unlimited
};

// The limits of the run on this thread, or null outside any run.
const RunLimits* CurrentRunLimits();

// Installs `limits` for this thread until destroyed (restoring the previous ones).
class ScopedRunLimits {
 public:
  explicit ScopedRunLimits(const RunLimits* limits);
  ~ScopedRunLimits();
  ScopedRunLimits(const ScopedRunLimits&) = delete;
  ScopedRunLimits& operator=(const ScopedRunLimits&) = delete;

 private:
  const RunLimits* previous_;
};

// DeadlineExceeded / Cancelled naming `where` when the current run must stop; OK otherwise.
absl::Status CheckRunLimits(absl::string_view where);

// The current run's memory cap (0 when none).
int64_t CurrentMemoryCap();

}  // namespace seqrt
