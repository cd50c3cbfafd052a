// Values that are not plain tensors: ONNX sequences (an ordered list of tensors of one
// element type) and optionals (a tensor, a sequence, or nothing). `Value` owns one such
// value (or a tensor); `ValueView` borrows a tensor or points at a `Value`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "seqrt/export.h"
#include "seqrt/tensor.h"

namespace seqrt {

// The static type of a graph value beyond its element type.
enum class ValueKind {
  kTensor,
  kSequence,          // sequence(tensor(T))
  kOptionalTensor,    // optional(tensor(T))
  kOptionalSequence,  // optional(sequence(tensor(T)))
};

// "tensor", "sequence", "optional(tensor)", "optional(sequence)".
SEQRT_EXPORT std::string_view ValueKindName(ValueKind kind);
// Everything but a plain tensor lives outside the memory arena, as a `Value`.
inline bool IsBoxedKind(ValueKind kind) { return kind != ValueKind::kTensor; }

class ValueView;

// What a sequence- or optional-typed value holds at run time. An optional that holds a
// tensor or a sequence is just that tensor or sequence; an empty optional holds nothing.
// A sequence's tensors are immutable and shared: copying a sequence, or making a new one
// from it with one more element (SequenceInsert in a loop), copies pointers, not data.
class SEQRT_EXPORT Value {
 public:
  enum class Holds { kNothing, kTensor, kSequence };
  using Elements = std::vector<std::shared_ptr<const Tensor>>;

  Value() = default;  // an empty optional
  Value(Tensor tensor) : holds_(Holds::kTensor), tensor_(std::move(tensor)) {}  // NOLINT
  static Value Sequence(DType element_dtype, std::vector<Tensor> tensors);
  static Value Sequence(DType element_dtype, Elements elements);
  static Value Nothing() { return Value(); }

  Holds holds() const { return holds_; }
  bool is_tensor() const { return holds_ == Holds::kTensor; }
  bool is_sequence() const { return holds_ == Holds::kSequence; }
  bool is_nothing() const { return holds_ == Holds::kNothing; }
  const Tensor& tensor() const { return tensor_; }
  Tensor& tensor() { return tensor_; }
  const Elements& sequence() const { return items_; }
  size_t sequence_length() const { return items_.size(); }
  const Tensor& element(size_t k) const { return *items_[k]; }
  // The tensor's dtype, or the sequence's element dtype (kUndefined for nothing).
  DType dtype() const { return holds_ == Holds::kTensor ? tensor_.dtype() : element_dtype_; }
  // Bytes of tensor data held (all elements of a sequence).
  size_t byte_size() const;
  // "float tensor 2x3", "sequence of 3 float tensors", "empty optional", for messages.
  std::string Describe() const;
  ValueView view() const;

 private:
  Holds holds_ = Holds::kNothing;
  DType element_dtype_ = DType::kUndefined;
  Tensor tensor_;
  Elements items_;
};

// A borrowed value: a tensor view, or a pointer to a caller-owned `Value` (sequences,
// optionals). The caller keeps what it points at alive.
class SEQRT_EXPORT ValueView {
 public:
  ValueView() = default;
  ValueView(TensorView tensor) : tensor_(std::move(tensor)) {}  // NOLINT: a tensor is a value
  explicit ValueView(const Value* boxed) : boxed_(boxed) {}

  // True for a plain tensor view; false when pointing at a Value.
  bool is_tensor() const { return boxed_ == nullptr; }
  const TensorView& tensor() const { return tensor_; }
  const Value* boxed() const { return boxed_; }
  DType dtype() const { return boxed_ ? boxed_->dtype() : tensor_.dtype(); }

 private:
  TensorView tensor_;
  const Value* boxed_ = nullptr;
};

}  // namespace seqrt
