#include "runtime/arena_pool.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace seqrt::runtime {
namespace {

// Buffers from this size on are mapped directly, so freeing one returns its pages to the
// system at once (malloc would keep a freed mid-size block in its heap, and raises its own
// mmap threshold after each large free, so RSS would creep up across shapes).
constexpr size_t kMapThreshold = size_t{64} << 10;
constexpr size_t kPage = 4096;

}  // namespace

ArenaPool::Lease::Lease(Lease&& other) noexcept { *this = std::move(other); }

ArenaPool::Lease& ArenaPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->Release(buffer_);
    pool_ = std::exchange(other.pool_, nullptr);
    buffer_ = std::exchange(other.buffer_, {});
  }
  return *this;
}

ArenaPool::Lease::~Lease() {
  if (pool_) pool_->Release(buffer_);
}

ArenaPool::ArenaPool() = default;
ArenaPool::ArenaPool(Limits limits) : limits_(limits) {}

ArenaPool::~ArenaPool() {
  for (const Buffer& b : idle_) Free(b);
}

ArenaPool::Buffer ArenaPool::Allocate(size_t bytes) {
  if (bytes >= kMapThreshold) {
    const size_t size = (bytes + kPage - 1) / kPage * kPage;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? Buffer{} : Buffer{p, size, true};
  }
  const size_t size = (std::max<size_t>(bytes, 64) + 63) / 64 * 64;
  return {std::aligned_alloc(64, size), size, false};
}

void ArenaPool::Free(Buffer buffer) {
  if (!buffer.data) return;
  if (buffer.mapped) munmap(buffer.data, buffer.capacity);
  else std::free(buffer.data);
}

ArenaPool::Lease ArenaPool::Acquire(int64_t bytes) {
  const size_t want = static_cast<size_t>(std::max<int64_t>(bytes, 1));
  Buffer chosen, retired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest idle buffer that fits; otherwise the largest idle one is retired and a
    // bigger one takes its place (a quarter more than asked, so a stream of growing shapes
    // does not reallocate at every step).
    int fit = -1, largest = -1;
    for (int i = 0; i < static_cast<int>(idle_.size()); ++i) {
      if (idle_[i].capacity >= want && (fit < 0 || idle_[i].capacity < idle_[fit].capacity)) fit = i;
      if (largest < 0 || idle_[i].capacity > idle_[largest].capacity) largest = i;
    }
    if (fit >= 0) {
      chosen = idle_[fit];
      idle_.erase(idle_.begin() + fit);
    } else if (largest >= 0) {
      retired = idle_[largest];
      idle_.erase(idle_.begin() + largest);
    }
  }
  Free(retired);
  if (!chosen.data) {
    chosen = Allocate(want + want / 4);
    if (!chosen.data) return Lease();
    std::lock_guard<std::mutex> lock(mutex_);
    ++allocations_;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++lent_;
  lent_bytes_ += static_cast<int64_t>(chosen.capacity);
  Lease lease;
  lease.pool_ = this;
  lease.buffer_ = chosen;
  return lease;
}

void ArenaPool::Release(Buffer buffer) {
  std::vector<Buffer> evicted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --lent_;
    lent_bytes_ -= static_cast<int64_t>(buffer.capacity);
    idle_.push_back(buffer);
    // Keep the largest buffers: one of them serves any smaller plan.
    std::sort(idle_.begin(), idle_.end(), [](const Buffer& a, const Buffer& b) { return a.capacity > b.capacity; });
    int64_t total = 0;
    for (const Buffer& b : idle_) total += static_cast<int64_t>(b.capacity);
    while (idle_.size() > 1 && (static_cast<int>(idle_.size()) > limits_.max_idle_buffers ||
                                total > limits_.max_idle_bytes)) {
      total -= static_cast<int64_t>(idle_.back().capacity);
      evicted.push_back(idle_.back());
      idle_.pop_back();
    }
    if (limits_.max_idle_buffers <= 0 && !idle_.empty()) {
      evicted.push_back(idle_.back());
      idle_.pop_back();
    }
  }
  for (const Buffer& b : evicted) Free(b);
}

ArenaPool::Stats ArenaPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats s;
  s.idle_buffers = static_cast<int>(idle_.size());
  for (const Buffer& b : idle_) s.idle_bytes += static_cast<int64_t>(b.capacity);
  s.lent_buffers = lent_;
  s.lent_bytes = lent_bytes_;
  s.allocations = allocations_;
  return s;
}

}  // namespace seqrt::runtime
