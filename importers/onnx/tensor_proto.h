// onnx.TensorProto <-> seqrt::Tensor, shared by the model importer and the tensor files
// (`.pb`) that test cases and the command line read and write.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"

namespace onnx {
class TensorProto;
}

namespace seqrt::importers::onnx {

// Converts a TensorProto. External data is read relative to base_dir and must stay inside
// it. `what` names the tensor in messages ("initializer 'W'").
absl::StatusOr<Tensor> TensorFromProto(const ::onnx::TensorProto& proto, const std::string& base_dir,
                                       const std::string& what);
// Maps an ONNX data type number to DType, refusing strings and unknown types.
absl::StatusOr<DType> DTypeFromOnnx(int data_type, const std::string& what);

// Serialized TensorProto bytes -> Tensor (the `.pb` files of backend test cases).
absl::StatusOr<Tensor> ParseTensorProto(const std::string& bytes, const std::string& what,
                                        std::string* name = nullptr);
// Tensor -> serialized TensorProto bytes (raw_data), named `name`.
std::string SerializeTensorProto(const Tensor& tensor, const std::string& name);

}  // namespace seqrt::importers::onnx
