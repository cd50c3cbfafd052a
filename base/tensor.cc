#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/checked_size.h"
#include "seqrt/tensor.h"

namespace seqrt {

// Saturates at INT64_MAX instead of overflowing: dims from a model are validated first with
// CheckedNumElements (base/checked_size.h), but no caller should hit undefined behaviour.
int64_t NumElements(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (d == 0) return 0;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
  return n;
}

std::string DimsToString(const Dims& dims) {
  if (dims.empty()) return "scalar";
  return absl::StrJoin(dims, "x");
}

void Tensor::FreeDeleter::operator()(void* p) const { std::free(p); }

Tensor::Tensor(DType dtype, Dims dims, NoFill) : dtype_(dtype), dims_(std::move(dims)) {
  // Always allocate (even for zero elements) so a present tensor has a non-null pointer.
  // Dims that are negative or overflow get no buffer (null data) rather than a wrapped size;
  // a failed allocation leaves it null too. CreateTensor (base/checked_size.h) reports both.
  absl::StatusOr<int64_t> checked = CheckedByteSize(dtype_, dims_, "tensor");
  if (!checked.ok()) return;
  size_t bytes = (static_cast<size_t>(*checked) + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  data_.reset(std::aligned_alloc(64, bytes));
}

Tensor::Tensor(DType dtype, Dims dims) : Tensor(dtype, std::move(dims), NoFill{}) {
  if (raw_data() != nullptr) std::memset(raw_data(), 0, (byte_size() + 63) / 64 * 64);
}

Tensor::Tensor(const Tensor& other) : Tensor(other.dtype_, other.dims_, NoFill{}) {
  if (other.data_ && data_ && byte_size() > 0) std::memcpy(raw_data(), other.raw_data(), byte_size());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

Tensor Tensor::CopyOf(const TensorView& view) {
  Tensor t(view.dtype(), view.dims(), NoFill{});
  if (t.raw_data() != nullptr && view.data() != nullptr && t.byte_size() > 0) std::memcpy(t.raw_data(), view.data(), t.byte_size());
  return t;
}

}  // namespace seqrt
