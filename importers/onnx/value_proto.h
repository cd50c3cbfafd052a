// onnx.SequenceProto / onnx.OptionalProto -> seqrt::Value: the `.pb` files ONNX test cases
// store for sequence- and optional-typed inputs and outputs.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "seqrt/value.h"

namespace seqrt::importers::onnx {

// Parses `bytes` as the proto `kind` calls for (TensorProto for tensors). `element_dtype`
// is the model's declared element type, used for empty sequences (the proto has none then).
absl::StatusOr<Value> ParseValueProto(const std::string& bytes, const std::string& what, ValueKind kind,
                                      DType element_dtype, std::string* name = nullptr);

}  // namespace seqrt::importers::onnx
