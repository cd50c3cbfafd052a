#include "runtime/memory_planner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace seqrt::runtime {

MemoryLayout PlanMemory(const std::vector<BufferRequest>& requests) {
  MemoryLayout layout;
  const size_t n = requests.size();
  layout.offsets.assign(n, 0);
  std::vector<int64_t> sizes(n);
  for (size_t i = 0; i < n; ++i) {
    sizes[i] = AlignUp(std::max<int64_t>(requests[i].bytes, 1));
    layout.naive_bytes += sizes[i];
  }

  // Live peak: sweep the steps.
  std::map<int, int64_t> delta;
  for (size_t i = 0; i < n; ++i) {
    delta[requests[i].first_step] += sizes[i];
    delta[requests[i].last_step + 1] -= sizes[i];
  }
  int64_t live = 0;
  for (const auto& [step, d] : delta) {
    live += d;
    layout.live_peak_bytes = std::max(layout.live_peak_bytes, live);
  }

  // Largest first; ties broken by earlier definition, so the layout is deterministic.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return requests[a].first_step < requests[b].first_step;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) ranges of overlapping buffers
  for (size_t i : order) {
    busy.clear();
    for (size_t j : placed) {
      bool overlap = requests[i].first_step <= requests[j].last_step &&
                     requests[j].first_step <= requests[i].last_step;
      if (overlap) busy.emplace_back(layout.offsets[j], layout.offsets[j] + sizes[j]);
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - offset >= sizes[i]) break;  // fits in the gap before this range
      offset = std::max(offset, end);
    }
    layout.offsets[i] = offset;
    layout.arena_bytes = std::max(layout.arena_bytes, offset + sizes[i]);
    placed.push_back(i);
  }
  return layout;
}

}  // namespace seqrt::runtime
