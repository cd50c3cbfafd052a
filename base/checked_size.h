// The one place that turns dims into element counts and byte sizes with overflow checks.
// Models come from strangers: a dim may be negative, dims may multiply past int64, a byte
// size past what memory can hold. The importer, planner, executor and kernels call these
// before they allocate or index, so a hostile size is a clear error instead of a wrapped
// product that allocates little and writes much.
#pragma once

#include <cstdint>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "seqrt/memory_limits.h"
#include "seqrt/tensor.h"

namespace seqrt {

// The largest byte size seqrt will ever consider for one buffer (2^48 = 256 TiB): far above
// any machine, far below int64/size_t overflow, so sums of a few such sizes stay exact.
inline constexpr int64_t kMaxBufferBytes = int64_t{1} << 48;

// a * b, or false when the product of two non-negative values exceeds int64.
inline bool CheckedMul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool CheckedAdd(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }

// Product of dims; InvalidArgument naming `what` for a negative dim or an int64 overflow.
absl::StatusOr<int64_t> CheckedNumElements(const Dims& dims, absl::string_view what);

// Bytes of a dense tensor; also InvalidArgument when above kMaxBufferBytes.
absl::StatusOr<int64_t> CheckedByteSize(DType dtype, const Dims& dims, absl::string_view what);

// ResourceExhausted when `bytes` exceeds `cap` (cap <= 0: no cap), naming what and the bytes.
absl::Status CheckMemoryCap(int64_t bytes, int64_t cap, absl::string_view what);

// CheckedTensorBytes (both of the above) is declared in seqrt/memory_limits.h.

// A zero-filled tensor, or InvalidArgument for negative/overflowing dims and ResourceExhausted
// when `max_bytes` (> 0) is exceeded or the allocation fails; `what` names it in messages.
absl::StatusOr<Tensor> CreateTensor(DType dtype, Dims dims, int64_t max_bytes, absl::string_view what);

// "1.5 GiB (1610612736 bytes)": sizes in messages people read.
std::string DescribeBytes(int64_t bytes);

// DefaultMaxMemoryBytes() is declared in seqrt/memory_limits.h.

}  // namespace seqrt
