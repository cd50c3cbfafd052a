#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "importers/onnx/tensor_proto.h"
#include "importers/onnx/value_proto.h"
#include "seqrt/status.h"
#include "seqrt/tensor_io.h"

namespace seqrt {

absl::StatusOr<Tensor> ReadTensorFile(const std::string& path, std::string* name) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (absl::EndsWith(path, ".npy")) {
    if (name) name->clear();
    return ParseNpy(buffer.str(), path);
  }
  return importers::onnx::ParseTensorProto(buffer.str(), path, name);
}

absl::StatusOr<Value> ReadValueFile(const std::string& path, ValueKind kind, DType element_dtype,
                                    std::string* name) {
  if (kind == ValueKind::kTensor) {
    SEQRT_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(path, name));
    return Value(std::move(t));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return importers::onnx::ParseValueProto(buffer.str(), path, kind, element_dtype, name);
}

absl::Status WriteTensorFile(const std::string& path, const Tensor& tensor, const std::string& name) {
  std::string bytes = absl::EndsWith(path, ".npy") ? SerializeNpy(tensor)
                                                   : importers::onnx::SerializeTensorProto(tensor, name);
  std::ofstream out(path, std::ios::binary);
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot be written"));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace seqrt
