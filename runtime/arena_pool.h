// The session's pool of arena buffers. Runs borrow a buffer at least as large as their plan's
// arena and give it back; plans own none. So many plans (one per input shape) cost no more
// arena memory than the runs in flight need, and a plan built for a new shape reuses bytes
// that are already resident instead of faulting in fresh pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace seqrt::runtime {

struct ArenaBuffer {
  void* data = nullptr;
  size_t capacity = 0;
  bool mapped = false;  // from mmap (returned to the system by munmap), else aligned_alloc
};

class ArenaPool {
 public:
  struct Limits {
    int max_idle_buffers = 4;                    // idle buffers kept for the next runs
    int64_t max_idle_bytes = int64_t{256} << 20;  // ... and their bytes (the largest is always kept)
  };
  struct Stats {
    int idle_buffers = 0;
    int64_t idle_bytes = 0;
    int lent_buffers = 0;
    int64_t lent_bytes = 0;
    int64_t allocations = 0;  // buffers ever allocated
  };

  // A borrowed buffer; returned to the pool when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();
    void* data() const { return buffer_.data; }

   private:
    friend class ArenaPool;
    ArenaPool* pool_ = nullptr;
    ArenaBuffer buffer_;
  };

  ArenaPool();
  explicit ArenaPool(Limits limits);
  ~ArenaPool();
  ArenaPool(const ArenaPool&) = delete;
  ArenaPool& operator=(const ArenaPool&) = delete;

  // A 64-byte aligned buffer of at least `bytes` (null data when allocation fails).
  Lease Acquire(int64_t bytes);
  Stats stats() const;

 private:
  using Buffer = ArenaBuffer;
  void Release(Buffer buffer);
  static Buffer Allocate(size_t bytes);
  static void Free(Buffer buffer);

  Limits limits_;
  mutable std::mutex mutex_;
  std::vector<Buffer> idle_;
  int lent_ = 0;
  int64_t lent_bytes_ = 0;
  int64_t allocations_ = 0;
};

}  // namespace seqrt::runtime
