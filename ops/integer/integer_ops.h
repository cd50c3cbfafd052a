// The integer family (ops/integer/): 8-bit integer arithmetic with zero points, accumulating
// in int32, and the dynamic quantizer that feeds it. Reference kernels, each file with its
// shape function beside its kernel; RegisterIntegerOps (register_integer.cc) is the family's
// one registry line. (Static QuantizeLinear/DequantizeLinear/QLinearConv: ops/quantization.cc.)
//   matmul_integer.cc:          MatMulInteger, QLinearMatMul (shared: integer_matmul.h)
//   conv_integer.cc:            ConvInteger
//   dynamic_quantize_linear.cc: DynamicQuantizeLinear
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ops/registry.h"
#include "seqrt/dtype.h"

namespace seqrt::ops::integer {

void RegisterMatMulIntegerOps(OpRegistry& registry);
void RegisterConvIntegerOp(OpRegistry& registry);
void RegisterDynamicQuantizeLinearOp(OpRegistry& registry);

inline bool IsInt8Type(DType t) { return t == DType::kUInt8 || t == DType::kInt8; }

// Calls f(Q{}) for uint8 or int8; other dtypes are Unimplemented, naming `where`.
template <typename F>
absl::Status VisitInt8(DType t, std::string_view where, F&& f) {
  if (t == DType::kUInt8) return f(uint8_t{});
  if (t == DType::kInt8) return f(int8_t{});
  return absl::UnimplementedError(absl::StrCat(std::string(where), ": dtype ", std::string(DTypeName(t)),
                                               " is not supported (uint8, int8)"));
}

// round-half-to-even of v, clamped to Q's range (the spec's saturate(round(...))).
template <typename Q>
Q SaturateRound(float v) {
  const float r = std::nearbyint(v);
  const float lo = static_cast<float>(std::numeric_limits<Q>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<Q>::max());
  return static_cast<Q>(std::clamp(r, lo, hi));
}

}  // namespace seqrt::ops::integer
