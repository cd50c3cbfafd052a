#include "runtime/memory_planner.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace seqrt::runtime {

namespace {

enum class Strategy {
  kBottomUp,  // each buffer at the lowest offset free of overlapping buffers
  kTwoSided,  // alternately from the bottom and from the top of a target size, so that
              // neighbours in a chain land on opposite sides (ping-pong)
  kTwoSidedInOrder,  // the same, placing buffers in execution order: exact for chains
  kBottomUpInOrder,  // bottom-up in execution order: suits graphs whose big buffers come first
};

std::vector<int64_t> Place(const std::vector<BufferRequest>& requests, const std::vector<int64_t>& sizes,
                           Strategy strategy, int64_t target) {
  const size_t n = requests.size();
  std::vector<int64_t> offsets(n, 0);
  std::vector<bool> top(n, false);  // two-sided: placed from the top
  // Largest first; ties broken by earlier definition, so the layout is deterministic.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const bool in_order = strategy == Strategy::kTwoSidedInOrder || strategy == Strategy::kBottomUpInOrder;
    if (!in_order && sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return requests[a].first_step < requests[b].first_step;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of overlapping placed buffers
  for (size_t i : order) {
    busy.clear();
    int64_t largest_conflict = -1;
    bool conflict_on_top = false;
    for (size_t j : placed) {
      bool overlap = requests[i].first_step <= requests[j].last_step &&
                     requests[j].first_step <= requests[i].last_step;
      if (!overlap) continue;
      busy.emplace_back(offsets[j], offsets[j] + sizes[j]);
      if (sizes[j] > largest_conflict) {
        largest_conflict = sizes[j];
        conflict_on_top = top[j];
      }
    }
    std::sort(busy.begin(), busy.end());
    int64_t bottom = 0;
    for (const auto& [begin, end] : busy) {
      if (begin - bottom >= sizes[i]) break;  // fits in the gap before this range
      bottom = std::max(bottom, end);
    }
    offsets[i] = bottom;
    const bool two_sided = strategy == Strategy::kTwoSided || strategy == Strategy::kTwoSidedInOrder;
    if (two_sided && largest_conflict >= 0 && !conflict_on_top) {
      // The highest free offset that keeps the buffer below `target`: just under the target,
      // or just under one of the overlapping buffers.
      auto is_free = [&](int64_t at) {
        if (at < 0) return false;
        for (const auto& [begin, end] : busy)
          if (begin < at + sizes[i] && at < end) return false;
        return true;
      };
      int64_t candidate = -1;
      for (int64_t at : {AlignDown(target - sizes[i])})
        if (is_free(at)) candidate = std::max(candidate, at);
      for (const auto& range : busy) {
        int64_t at = AlignDown(range.first - sizes[i]);
        if (at + sizes[i] <= target && is_free(at)) candidate = std::max(candidate, at);
      }
      const bool free = candidate >= 0;
      if (free) {
        offsets[i] = candidate;
        top[i] = true;
      }
    }
    placed.push_back(i);
  }
  return offsets;
}

}  // namespace

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

  // Try a few placement strategies and keep the smallest arena: greedy placement is a
  // heuristic (optimal layout is NP-hard), and different shapes of graphs favour different ones.
  std::vector<int64_t> best;
  int64_t best_arena = -1;
  // Two-sided placement aims at a target size; one a little above the live peak sometimes
  // leaves the room that makes the rest fit (the scratch of a threaded recurrent kernel...).
  struct Try {
    Strategy strategy;
    int64_t target;
  };
  const int64_t peak = layout.live_peak_bytes;
  const Try tries[] = {{Strategy::kBottomUp, peak},        {Strategy::kBottomUpInOrder, peak},
                       {Strategy::kTwoSided, peak},        {Strategy::kTwoSidedInOrder, peak},
                       {Strategy::kTwoSided, peak * 21 / 20}, {Strategy::kTwoSidedInOrder, peak * 21 / 20}};
  for (const Try& t : tries) {
    std::vector<int64_t> offsets = Place(requests, sizes, t.strategy, t.target);
    int64_t arena = 0;
    for (size_t i = 0; i < n; ++i) arena = std::max(arena, offsets[i] + sizes[i]);
    if (best_arena < 0 || arena < best_arena) {
      best_arena = arena;
      best = std::move(offsets);
    }
  }
  layout.offsets = std::move(best);
  layout.arena_bytes = std::max<int64_t>(best_arena, 0);
  return layout;
}

}  // namespace seqrt::runtime
