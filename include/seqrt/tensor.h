// Tensors crossing the public API: `Tensor` owns its bytes, `TensorView` borrows them.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "seqrt/dtype.h"
#include "seqrt/export.h"

namespace seqrt {

using Dims = std::vector<int64_t>;

// Product of dims (1 for a scalar). Callers validate dims are non-negative.
SEQRT_EXPORT int64_t NumElements(const Dims& dims);
// "1x100x40", or "scalar" for rank 0; used in messages and on the command line.
SEQRT_EXPORT std::string DimsToString(const Dims& dims);

// A borrowed, read-only dense row-major tensor. The caller keeps `data` alive.
class TensorView {
 public:
  TensorView() = default;
  TensorView(DType dtype, Dims dims, const void* data)
      : dtype_(dtype), dims_(std::move(dims)), data_(data) {}
  // Convenience for the common float case.
  TensorView(const float* data, Dims dims) : TensorView(DType::kFloat, std::move(dims), data) {}

  DType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  const void* data() const { return data_; }
  int64_t num_elements() const { return NumElements(dims_); }
  size_t byte_size() const { return static_cast<size_t>(num_elements()) * DTypeSize(dtype_); }
  template <typename T>
  const T* data_as() const { return static_cast<const T*>(data_); }

 private:
  DType dtype_ = DType::kUndefined;
  Dims dims_;
  const void* data_ = nullptr;
};

// An owning dense row-major tensor with 64-byte aligned storage. Copies are deep.
class SEQRT_EXPORT Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type and shape.
  Tensor(DType dtype, Dims dims);
  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  // Deep copy of a view.
  static Tensor CopyOf(const TensorView& view);
  template <typename T>
  static Tensor FromVector(DType dtype, Dims dims, const std::vector<T>& values) {
    Tensor t(dtype, std::move(dims));
    std::memcpy(t.raw_data(), values.data(), t.byte_size());
    return t;
  }

  DType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  int64_t num_elements() const { return NumElements(dims_); }
  size_t byte_size() const { return static_cast<size_t>(num_elements()) * DTypeSize(dtype_); }
  void* raw_data() { return data_.get(); }
  const void* raw_data() const { return data_.get(); }
  template <typename T>
  T* data_as() { return static_cast<T*>(raw_data()); }
  template <typename T>
  const T* data_as() const { return static_cast<const T*>(raw_data()); }
  template <typename T>
  std::span<const T> values() const { return {data_as<T>(), static_cast<size_t>(num_elements())}; }
  TensorView view() const { return TensorView(dtype_, dims_, raw_data()); }
  // Reinterprets the same bytes with new dims of equal element count.
  void Reshape(Dims dims) { dims_ = std::move(dims); }

 private:
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  struct NoFill {};
  // Allocates without zeroing, for tensors about to be overwritten whole (copies).
  Tensor(DType dtype, Dims dims, NoFill);
  DType dtype_ = DType::kUndefined;
  Dims dims_;
  std::unique_ptr<void, FreeDeleter> data_;
};

}  // namespace seqrt
