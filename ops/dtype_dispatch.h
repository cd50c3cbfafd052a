// Calls a generic lambda with a value of the C++ type matching a runtime DType, so one
// templated reference kernel body serves every dtype an op allows.
//
//   return VisitDType(dtype, [&](auto tag) -> absl::Status {
//     using T = decltype(tag);
//     ...
//   });
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "seqrt/dtype.h"

namespace seqrt::ops {

template <typename T>
constexpr DType DTypeOf() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat;
  else if constexpr (std::is_same_v<T, double>) return DType::kDouble;
  else if constexpr (std::is_same_v<T, Float16>) return DType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16>) return DType::kBFloat16;
  else if constexpr (std::is_same_v<T, int8_t>) return DType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::kUInt8;
  else if constexpr (std::is_same_v<T, int16_t>) return DType::kInt16;
  else if constexpr (std::is_same_v<T, uint16_t>) return DType::kUInt16;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::kInt32;
  else if constexpr (std::is_same_v<T, uint32_t>) return DType::kUInt32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::kInt64;
  else if constexpr (std::is_same_v<T, uint64_t>) return DType::kUInt64;
  else if constexpr (std::is_same_v<T, bool>) return DType::kBool;
  else return DType::kUndefined;
}

// Which groups of dtypes a visit accepts.
enum DTypeSet : unsigned {
  kFloatTypes = 1u << 0,   // float, double, float16, bfloat16
  kSignedInts = 1u << 1,   // int8..int64
  kUnsignedInts = 1u << 2, // uint8..uint64
  kBoolType = 1u << 3,
  kNumericTypes = kFloatTypes | kSignedInts | kUnsignedInts,
  kAllTypes = kNumericTypes | kBoolType,
};

template <typename F>
absl::Status VisitDType(DType dtype, F&& f, unsigned allowed = kAllTypes,
                        std::string_view what = "operator") {
  auto refuse = [&] {
    return absl::UnimplementedError(
        absl::StrCat(std::string(what), " does not support dtype ", std::string(DTypeName(dtype))));
  };
  switch (dtype) {
    case DType::kFloat: if (allowed & kFloatTypes) return f(float{}); break;
    case DType::kDouble: if (allowed & kFloatTypes) return f(double{}); break;
    case DType::kFloat16: if (allowed & kFloatTypes) return f(Float16{}); break;
    case DType::kBFloat16: if (allowed & kFloatTypes) return f(BFloat16{}); break;
    case DType::kInt8: if (allowed & kSignedInts) return f(int8_t{}); break;
    case DType::kInt16: if (allowed & kSignedInts) return f(int16_t{}); break;
    case DType::kInt32: if (allowed & kSignedInts) return f(int32_t{}); break;
    case DType::kInt64: if (allowed & kSignedInts) return f(int64_t{}); break;
    case DType::kUInt8: if (allowed & kUnsignedInts) return f(uint8_t{}); break;
    case DType::kUInt16: if (allowed & kUnsignedInts) return f(uint16_t{}); break;
    case DType::kUInt32: if (allowed & kUnsignedInts) return f(uint32_t{}); break;
    case DType::kUInt64: if (allowed & kUnsignedInts) return f(uint64_t{}); break;
    case DType::kBool: if (allowed & kBoolType) return f(bool{}); break;
    default: break;
  }
  return refuse();
}

// Arithmetic type for computing on T: 16-bit floats compute in float.
template <typename T>
using ComputeType = std::conditional_t<std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>,
                                       float, T>;

}  // namespace seqrt::ops
