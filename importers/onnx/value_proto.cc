#include "importers/onnx/value_proto.h"

#include "absl/strings/str_cat.h"
#include "importers/onnx/tensor_proto.h"
#include "onnx/onnx-data_pb.h"
#include "onnx/onnx_pb.h"
#include "seqrt/status.h"

namespace seqrt::importers::onnx {
namespace {

absl::StatusOr<Value> FromSequence(const ::onnx::SequenceProto& proto, const std::string& what, DType element_dtype) {
  if (proto.elem_type() != ::onnx::SequenceProto::TENSOR && proto.elem_type() != ::onnx::SequenceProto::UNDEFINED) {
    return absl::UnimplementedError(absl::StrCat(what, " is a sequence of non-tensors (elem_type ",
                                                 proto.elem_type(), "), which seqrt does not support"));
  }
  std::vector<Tensor> items;
  DType dtype = element_dtype;
  for (int k = 0; k < proto.tensor_values_size(); ++k) {
    SEQRT_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(proto.tensor_values(k), "", absl::StrCat(what, " element ", k)));
    if (k > 0 && t.dtype() != dtype) {
      return absl::InvalidArgumentError(absl::StrCat(what, " mixes dtypes: element ", k, " is ",
                                                     std::string(DTypeName(t.dtype())), ", element 0 is ",
                                                     std::string(DTypeName(dtype))));
    }
    dtype = t.dtype();
    items.push_back(std::move(t));
  }
  return Value::Sequence(dtype, std::move(items));
}

}  // namespace

absl::StatusOr<Value> ParseValueProto(const std::string& bytes, const std::string& what, ValueKind kind,
                                      DType element_dtype, std::string* name) {
  switch (kind) {
    case ValueKind::kTensor: {
      SEQRT_ASSIGN_OR_RETURN(Tensor t, ParseTensorProto(bytes, what, name));
      return Value(std::move(t));
    }
    case ValueKind::kSequence: {
      ::onnx::SequenceProto proto;
      if (!proto.ParseFromString(bytes))
        return absl::InvalidArgumentError(absl::StrCat(what, " is not a valid serialized SequenceProto"));
      if (name != nullptr) *name = proto.name();
      return FromSequence(proto, what, element_dtype);
    }
    case ValueKind::kOptionalTensor:
    case ValueKind::kOptionalSequence: {
      ::onnx::OptionalProto proto;
      if (!proto.ParseFromString(bytes))
        return absl::InvalidArgumentError(absl::StrCat(what, " is not a valid serialized OptionalProto"));
      if (name != nullptr) *name = proto.name();
      if (proto.has_tensor_value()) {
        SEQRT_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(proto.tensor_value(), "", what));
        return Value(std::move(t));
      }
      if (proto.has_sequence_value()) return FromSequence(proto.sequence_value(), what, element_dtype);
      if (proto.has_sparse_tensor_value() || proto.has_map_value() || proto.has_optional_value()) {
        return absl::UnimplementedError(absl::StrCat(what, " holds a sparse tensor, map or optional (not supported)"));
      }
      return Value::Nothing();
    }
  }
  return absl::InternalError("unknown value kind");
}

}  // namespace seqrt::importers::onnx
