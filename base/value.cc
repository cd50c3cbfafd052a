#include "seqrt/value.h"

#include "absl/strings/str_cat.h"

namespace seqrt {

std::string_view ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kTensor: return "tensor";
    case ValueKind::kSequence: return "sequence";
    case ValueKind::kOptionalTensor: return "optional(tensor)";
    case ValueKind::kOptionalSequence: return "optional(sequence)";
  }
  return "?";
}

Value Value::Sequence(DType element_dtype, std::vector<Tensor> tensors) {
  Value v;
  v.holds_ = Holds::kSequence;
  v.element_dtype_ = element_dtype;
  v.items_.reserve(tensors.size());
  for (Tensor& t : tensors) v.items_.push_back(std::make_shared<const Tensor>(std::move(t)));
  return v;
}

Value Value::Sequence(DType element_dtype, Elements elements) {
  Value v;
  v.holds_ = Holds::kSequence;
  v.element_dtype_ = element_dtype;
  v.items_ = std::move(elements);
  return v;
}

size_t Value::byte_size() const {
  if (holds_ == Holds::kTensor) return tensor_.byte_size();
  size_t n = 0;
  for (const auto& t : items_) n += t->byte_size();
  return n;
}

std::string Value::Describe() const {
  switch (holds_) {
    case Holds::kNothing: return "empty optional";
    case Holds::kTensor:
      return absl::StrCat(std::string(DTypeName(tensor_.dtype())), " tensor ", DimsToString(tensor_.dims()));
    case Holds::kSequence:
      return absl::StrCat("sequence of ", items_.size(), " ", std::string(DTypeName(element_dtype_)), " tensors");
  }
  return "?";
}

ValueView Value::view() const {
  if (holds_ == Holds::kTensor) return ValueView(tensor_.view());
  return ValueView(this);
}

}  // namespace seqrt
