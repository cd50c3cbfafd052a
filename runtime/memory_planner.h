// Lays out buffers with known sizes and lifetimes in one arena (the TFLite / ORT approach):
// largest first, each at the lowest offset whose range no lifetime-overlapping buffer uses.
#pragma once

#include <cstdint>
#include <vector>

namespace seqrt::runtime {

inline constexpr int64_t kArenaAlignment = 64;

inline int64_t AlignUp(int64_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

inline int64_t AlignDown(int64_t bytes) {
  return bytes >= 0 ? bytes / kArenaAlignment * kArenaAlignment : -kArenaAlignment;
}

struct BufferRequest {
  int64_t bytes = 0;
  int first_step = 0;  // inclusive
  int last_step = 0;   // inclusive
};

struct MemoryLayout {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_bytes = 0;
  int64_t naive_bytes = 0;      // sum of all aligned sizes
  int64_t live_peak_bytes = 0;  // the most aligned bytes alive at one step
};

MemoryLayout PlanMemory(const std::vector<BufferRequest>& requests);

}  // namespace seqrt::runtime
