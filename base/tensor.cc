#include <cstdlib>
#include <cstring>

#include "absl/strings/str_join.h"
#include "seqrt/tensor.h"

namespace seqrt {

int64_t NumElements(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string DimsToString(const Dims& dims) {
  if (dims.empty()) return "scalar";
  return absl::StrJoin(dims, "x");
}

void Tensor::FreeDeleter::operator()(void* p) const { std::free(p); }

Tensor::Tensor(DType dtype, Dims dims, NoFill) : dtype_(dtype), dims_(std::move(dims)) {
  // Always allocate (even for zero elements) so a present tensor has a non-null pointer.
  size_t bytes = (byte_size() + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  data_.reset(std::aligned_alloc(64, bytes));
}

Tensor::Tensor(DType dtype, Dims dims) : Tensor(dtype, std::move(dims), NoFill{}) {
  std::memset(raw_data(), 0, (byte_size() + 63) / 64 * 64);
}

Tensor::Tensor(const Tensor& other) : Tensor(other.dtype_, other.dims_, NoFill{}) {
  if (other.data_ && byte_size() > 0) std::memcpy(raw_data(), other.raw_data(), byte_size());
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

Tensor Tensor::CopyOf(const TensorView& view) {
  Tensor t(view.dtype(), view.dims(), NoFill{});
  if (t.byte_size() > 0) std::memcpy(t.raw_data(), view.data(), t.byte_size());
  return t;
}

}  // namespace seqrt
