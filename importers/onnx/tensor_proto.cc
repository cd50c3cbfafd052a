#include "importers/onnx/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"
#include "onnx/onnx_pb.h"
#include "seqrt/status.h"

namespace seqrt::importers::onnx {
namespace {

namespace fs = std::filesystem;

// Reads `length` bytes at `offset` of an external data file that must lie inside base_dir.
absl::StatusOr<std::string> ReadExternalData(const ::onnx::TensorProto& proto,
                                             const std::string& base_dir, const std::string& what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::atoll(kv.value().c_str());
    else if (kv.key() == "length") length = std::atoll(kv.value().c_str());
  }
  if (location.empty())
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data has no location"));
  if (base_dir.empty())
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": external data '", location, "' cannot be resolved for a model loaded from bytes"));
  std::error_code ec;
  fs::path base = fs::weakly_canonical(fs::path(base_dir), ec);
  fs::path file = fs::weakly_canonical(base / fs::path(location), ec);
  auto rel = file.lexically_relative(base);
  if (fs::path(location).is_absolute() || rel.empty() || *rel.begin() == "..") {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": external data location '", location, "' is outside the model's folder"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat(what, ": external data file '", file.string(), "' cannot be opened"));
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (offset < 0 || offset > size || (length >= 0 && length > size - offset)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data range (offset ", offset,
                                                   ", length ", length, ") exceeds file '",
                                                   location, "' of ", size, " bytes"));
  }
  if (length < 0) length = size - offset;
  std::string data(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  return data;
}

template <typename Src, typename Dst>
void CopyConverted(const Src& field, Dst* out) {
  int i = 0;
  for (auto v : field) out[i++] = static_cast<Dst>(v);
}

}  // namespace

absl::StatusOr<DType> DTypeFromOnnx(int data_type, const std::string& what) {
  DType t = static_cast<DType>(data_type);
  if (t == DType::kString)
    return absl::UnimplementedError(absl::StrCat(what, " has dtype string, which seqrt does not support"));
  if (!IsSupportedDType(t))
    return absl::UnimplementedError(
        absl::StrCat(what, " has ONNX data type ", data_type, ", which seqrt does not support"));
  return t;
}

absl::StatusOr<Tensor> TensorFromProto(const ::onnx::TensorProto& proto, const std::string& base_dir,
                                       const std::string& what) {
  SEQRT_ASSIGN_OR_RETURN(DType dtype, DTypeFromOnnx(proto.data_type(), what));
  Dims dims(proto.dims().begin(), proto.dims().end());
  // Sizes are checked before anything is allocated: the data present must match them, so a
  // hostile dims list can neither overflow the size nor allocate more than the file holds.
  SEQRT_ASSIGN_OR_RETURN(const int64_t n, CheckedNumElements(dims, what));
  SEQRT_ASSIGN_OR_RETURN(const int64_t checked_bytes, CheckedByteSize(dtype, dims, what));
  const size_t bytes = static_cast<size_t>(checked_bytes);
  auto size_error = [&](size_t got, const char* unit) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has ", got, " ", unit,
                                                   " of data but dims ", DimsToString(dims), " of ",
                                                   std::string(DTypeName(dtype)), " need ",
                                                   std::string(unit) == "bytes" ? checked_bytes : n));
  };

  const std::string* raw = nullptr;
  std::string external;
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL) {
    SEQRT_ASSIGN_OR_RETURN(external, ReadExternalData(proto, base_dir, what));
    raw = &external;
  } else if (proto.has_raw_data()) {
    raw = &proto.raw_data();
  }
  if (raw != nullptr) {
    if (raw->size() != bytes) return size_error(raw->size(), "bytes");
    SEQRT_ASSIGN_OR_RETURN(Tensor t, CreateTensor(dtype, dims, 0, what));
    if (bytes > 0) std::memcpy(t.raw_data(), raw->data(), bytes);
    return t;
  }
  size_t count = 0;
  switch (dtype) {
    case DType::kFloat: count = proto.float_data_size(); break;
    case DType::kDouble: count = proto.double_data_size(); break;
    case DType::kInt64: count = proto.int64_data_size(); break;
    case DType::kUInt32: case DType::kUInt64: count = proto.uint64_data_size(); break;
    default: count = proto.int32_data_size(); break;
  }
  if (count != static_cast<size_t>(n)) return size_error(count, "elements");
  SEQRT_ASSIGN_OR_RETURN(Tensor t, CreateTensor(dtype, dims, 0, what));
  switch (dtype) {
    case DType::kFloat: CopyConverted(proto.float_data(), t.data_as<float>()); break;
    case DType::kDouble: CopyConverted(proto.double_data(), t.data_as<double>()); break;
    case DType::kInt64: CopyConverted(proto.int64_data(), t.data_as<int64_t>()); break;
    case DType::kUInt32: CopyConverted(proto.uint64_data(), t.data_as<uint32_t>()); break;
    case DType::kUInt64: CopyConverted(proto.uint64_data(), t.data_as<uint64_t>()); break;
    case DType::kInt32: CopyConverted(proto.int32_data(), t.data_as<int32_t>()); break;
    case DType::kInt16: CopyConverted(proto.int32_data(), t.data_as<int16_t>()); break;
    case DType::kInt8: CopyConverted(proto.int32_data(), t.data_as<int8_t>()); break;
    case DType::kUInt16: case DType::kFloat16: case DType::kBFloat16:
      CopyConverted(proto.int32_data(), t.data_as<uint16_t>());
      break;
    case DType::kUInt8: CopyConverted(proto.int32_data(), t.data_as<uint8_t>()); break;
    case DType::kBool: {
      bool* out = t.data_as<bool>();
      int i = 0;
      for (auto v : proto.int32_data()) out[i++] = v != 0;
      break;
    }
    default: break;
  }
  return t;
}

absl::StatusOr<Tensor> ParseTensorProto(const std::string& bytes, const std::string& what,
                                        std::string* name) {
  ::onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes))
    return absl::InvalidArgumentError(absl::StrCat(what, " is not a valid serialized TensorProto"));
  if (name != nullptr) *name = proto.name();
  return TensorFromProto(proto, "", what);
}

std::string SerializeTensorProto(const Tensor& tensor, const std::string& name) {
  ::onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(static_cast<int>(tensor.dtype()));
  for (int64_t d : tensor.dims()) proto.add_dims(d);
  proto.set_raw_data(tensor.raw_data(), tensor.byte_size());
  return proto.SerializeAsString();
}

}  // namespace seqrt::importers::onnx
