// Element types seqrt understands, and how to convert the 16-bit floats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include "seqrt/export.h"

namespace seqrt {

// Values match ONNX's TensorProto.DataType so conversion is a cast with a check.
enum class DType : int {
  kUndefined = 0,
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,  // recognised only to be refused with a clear error
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

// Size of one element in bytes; 0 for kUndefined and kString.
SEQRT_EXPORT size_t DTypeSize(DType t);
// Lower-case name as ONNX writes it ("float", "int64", "float16"...).
SEQRT_EXPORT std::string_view DTypeName(DType t);
SEQRT_EXPORT bool IsFloatingPoint(DType t);
SEQRT_EXPORT bool IsSignedInteger(DType t);
SEQRT_EXPORT bool IsUnsignedInteger(DType t);
// True for the dtypes seqrt can compute with (everything above except undefined/string).
SEQRT_EXPORT bool IsSupportedDType(DType t);

// IEEE half precision, stored as bits; arithmetic happens in float.
struct SEQRT_EXPORT Float16 {
  uint16_t bits = 0;
  Float16() = default;
  explicit Float16(float f) : bits(FromFloat(f)) {}
  operator float() const { return ToFloat(bits); }
  static uint16_t FromFloat(float f);
  static float ToFloat(uint16_t h);
};

// bfloat16: the upper half of a float32, rounded to nearest even.
struct SEQRT_EXPORT BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float f) : bits(FromFloat(f)) {}
  operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  static uint16_t FromFloat(float f);
};

}  // namespace seqrt
