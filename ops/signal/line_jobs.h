// Splitting DFT and STFT over threads: each job transforms one or two lines (frames) with its
// thread's own slice of the kernel's scratch, so jobs never share buffers.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace seqrt::ops::signal {

// Below this many points in total (lines x transform length), about a millisecond of work for
// one thread, one thread is faster than waking others: a woken thread may wait a scheduler
// slice for a core (measured: 28 ms for a 0.3 ms STFT on a loaded 2-core machine).
inline constexpr int64_t kMinPointsForThreads = 1 << 18;

// Threads for a transform kernel: the session's intra-op count (0 = OpenMP's default), or 1
// when the work is small.
inline int TransformThreads(int session_threads, int64_t lines, int64_t length) {
  const int threads = session_threads > 0 ? session_threads : omp_get_max_threads();
  if (threads <= 1 || lines * length < kMinPointsForThreads) return 1;
  return static_cast<int>(std::min<int64_t>(threads, lines));
}

// Calls job(j, thread) for j in [0, jobs), spread statically over `threads` threads;
// thread < threads always.
template <typename F>
void ForEachJob(int64_t jobs, int threads, F&& job) {
  if (threads <= 1) {
    for (int64_t j = 0; j < jobs; ++j) job(j, 0);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t j = 0; j < jobs; ++j) job(j, omp_get_thread_num());
}

}  // namespace seqrt::ops::signal
