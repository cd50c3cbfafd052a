// numpy <-> seqrt tensors, and statuses -> the exception classes of seqrt._errors.
#include "python/convert.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace seqrt::python {

std::optional<seqrt::DType> DTypeOfNumpy(const py::dtype& dt) {
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  switch (kind) {
    case 'f':
      if (size == 4) return seqrt::DType::kFloat;
      if (size == 8) return seqrt::DType::kDouble;
      if (size == 2) return seqrt::DType::kFloat16;
      break;
    case 'i':
      if (size == 1) return seqrt::DType::kInt8;
      if (size == 2) return seqrt::DType::kInt16;
      if (size == 4) return seqrt::DType::kInt32;
      if (size == 8) return seqrt::DType::kInt64;
      break;
    case 'u':
      if (size == 1) return seqrt::DType::kUInt8;
      if (size == 2) return seqrt::DType::kUInt16;
      if (size == 4) return seqrt::DType::kUInt32;
      if (size == 8) return seqrt::DType::kUInt64;
      break;
    case 'b':
      if (size == 1) return seqrt::DType::kBool;
      break;
  }
  return std::nullopt;
}

const char* NumpyCodeOf(seqrt::DType t) {
  switch (t) {
    case seqrt::DType::kFloat: return "float32";
    case seqrt::DType::kDouble: return "float64";
    case seqrt::DType::kFloat16: return "float16";
    case seqrt::DType::kInt8: return "int8";
    case seqrt::DType::kInt16: return "int16";
    case seqrt::DType::kInt32: return "int32";
    case seqrt::DType::kInt64: return "int64";
    case seqrt::DType::kUInt8: return "uint8";
    case seqrt::DType::kUInt16: return "uint16";
    case seqrt::DType::kUInt32: return "uint32";
    case seqrt::DType::kUInt64: return "uint64";
    case seqrt::DType::kBool: return "bool";
    default: return nullptr;
  }
}

// An owning seqrt tensor handed to numpy without a copy: the array's base is a capsule that
// deletes the Tensor. bfloat16 (no numpy type) is widened to float32.
py::array ToNumpy(seqrt::Tensor t) {
  if (t.dtype() == seqrt::DType::kBFloat16) {
    seqrt::Tensor wide(seqrt::DType::kFloat, t.dims());
    const auto* src = t.data_as<seqrt::BFloat16>();
    float* dst = wide.data_as<float>();
    for (int64_t i = 0; i < t.num_elements(); ++i) dst[i] = static_cast<float>(src[i]);
    t = std::move(wide);
  }
  const char* code = NumpyCodeOf(t.dtype());
  if (code == nullptr) ThrowInvalid(absl::StrCat("output dtype ", std::string(seqrt::DTypeName(t.dtype())), " has no numpy type"));
  py::dtype dt(code);
  std::vector<py::ssize_t> shape(t.dims().begin(), t.dims().end());
  auto* owned = new seqrt::Tensor(std::move(t));
  py::capsule base(owned, [](void* p) { delete static_cast<seqrt::Tensor*>(p); });
  return py::array(dt, shape, owned->raw_data(), base);
}

// A copy of a numpy array as a seqrt tensor (the trainer keeps its data).
seqrt::Tensor CopyToTensor(const py::array& in, const char* what) {
  py::array a = py::array::ensure(in, py::array::c_style | py::array::forcecast);
  auto dtype = DTypeOfNumpy(a.dtype());
  if (!dtype) ThrowInvalid(absl::StrCat(what, " has numpy dtype ", std::string(py::str(a.dtype())), ", which seqrt cannot take"));
  seqrt::Dims dims(a.shape(), a.shape() + a.ndim());
  seqrt::Tensor t(*dtype, dims);
  if (t.byte_size() > 0) std::memcpy(t.raw_data(), a.data(), t.byte_size());
  return t;
}

void TranslateStatus(const StatusError& e) {
  static const char* const kClassOfCode[] = {
      "Fail",             // 0 (not used: OK is not an error)
      "Cancelled",        // kCancelled
      "Fail",             // kUnknown
      "InvalidArgument",  // kInvalidArgument
      "DeadlineExceeded", "NoSuchFile", "Fail", "Fail",
      "ResourceExhausted",  // kResourceExhausted
      "InvalidArgument",    // kFailedPrecondition: the input does not fit the model's state
      "Fail",
      "InvalidArgument",  // kOutOfRange
      "NotImplemented",   // kUnimplemented
      "Fail", "Fail", "Fail", "Fail"};
  int code = static_cast<int>(e.status.code());
  const char* cls = (code >= 0 && code < 17) ? kClassOfCode[code] : "Fail";
  py::object type = py::module_::import("seqrt._errors").attr(cls);
  PyErr_SetString(type.ptr(), std::string(e.status.message()).c_str());
}

}  // namespace seqrt::python
