// Reading and writing tensors in the two file formats users have: ONNX TensorProto (`.pb`,
// as in ONNX test cases) and NumPy (`.npy`).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"
#include "seqrt/export.h"
#include "seqrt/value.h"

namespace seqrt {

// Reads `.npy` by extension, anything else as a serialized TensorProto. `name`, when given,
// receives the TensorProto's name (empty for .npy).
SEQRT_EXPORT absl::StatusOr<Tensor> ReadTensorFile(const std::string& path, std::string* name = nullptr);
// Reads a `.pb` file holding a value of `kind`: a TensorProto, SequenceProto or
// OptionalProto (as ONNX test cases store them). `element_dtype` types empty sequences.
SEQRT_EXPORT absl::StatusOr<Value> ReadValueFile(const std::string& path, ValueKind kind, DType element_dtype,
                                                 std::string* name = nullptr);
// Writes `.npy` by extension, anything else as a TensorProto named `name`.
SEQRT_EXPORT absl::Status WriteTensorFile(const std::string& path, const Tensor& tensor, const std::string& name = "");

// The NumPy format in memory (little-endian, C order; version 1.0 header written).
SEQRT_EXPORT absl::StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& what);
SEQRT_EXPORT std::string SerializeNpy(const Tensor& tensor);

}  // namespace seqrt
