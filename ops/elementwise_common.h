// Shared machinery of the elementwise families (unary, binary, variadic, logical, cast):
// a dtype visitor that only instantiates the types an op allows, shape-inference helpers
// that name the node in their errors, and a broadcasting plan computed once in Prepare so
// that Compute walks the output without allocating.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "graph/shape.h"
#include "ops/dtype_dispatch.h"
#include "ops/op_schema.h"

namespace seqrt::ops {

// Like VisitDType, but types outside kAllowed are never instantiated: op bodies only need to
// compile for the dtypes the op accepts (no std::sqrt on bool), and binaries stay small.
template <unsigned kAllowed, typename F>
absl::Status VisitAllowed(DType dtype, F&& f, std::string_view what) {
  switch (dtype) {
    case DType::kFloat: if constexpr ((kAllowed & kFloatTypes) != 0) return f(float{}); break;
    case DType::kDouble: if constexpr ((kAllowed & kFloatTypes) != 0) return f(double{}); break;
    case DType::kFloat16: if constexpr ((kAllowed & kFloatTypes) != 0) return f(Float16{}); break;
    case DType::kBFloat16: if constexpr ((kAllowed & kFloatTypes) != 0) return f(BFloat16{}); break;
    case DType::kInt8: if constexpr ((kAllowed & kSignedInts) != 0) return f(int8_t{}); break;
    case DType::kInt16: if constexpr ((kAllowed & kSignedInts) != 0) return f(int16_t{}); break;
    case DType::kInt32: if constexpr ((kAllowed & kSignedInts) != 0) return f(int32_t{}); break;
    case DType::kInt64: if constexpr ((kAllowed & kSignedInts) != 0) return f(int64_t{}); break;
    case DType::kUInt8: if constexpr ((kAllowed & kUnsignedInts) != 0) return f(uint8_t{}); break;
    case DType::kUInt16: if constexpr ((kAllowed & kUnsignedInts) != 0) return f(uint16_t{}); break;
    case DType::kUInt32: if constexpr ((kAllowed & kUnsignedInts) != 0) return f(uint32_t{}); break;
    case DType::kUInt64: if constexpr ((kAllowed & kUnsignedInts) != 0) return f(uint64_t{}); break;
    case DType::kBool: if constexpr ((kAllowed & kBoolType) != 0) return f(bool{}); break;
    default: break;
  }
  return absl::UnimplementedError(absl::StrCat(std::string(what), " does not support dtype ",
                                               std::string(DTypeName(dtype))));
}

// Whether `dtype` belongs to the DTypeSet bits in `allowed`.
bool DTypeInSet(DType dtype, unsigned allowed);
// "float types, signed integers" for messages.
std::string DTypeSetName(unsigned allowed);

// Checks input i's dtype against `allowed` (an unknown dtype passes: load time may not know it).
absl::Status CheckInputDType(const InferContext& ctx, int input, unsigned allowed);
// Checks that inputs first..first+count-1 (those present) share one dtype; returns it.
absl::StatusOr<DType> CommonInputDType(const InferContext& ctx, int first, int count);
// Numpy broadcast of the shapes of inputs first..first+count-1; the error names the node.
absl::StatusOr<graph::Shape> BroadcastInputShapes(const InferContext& ctx, int first, int count);

// Before opset 7, Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less did not broadcast
// numpy-style: with attribute broadcast=1, B's dims line up with A's starting at `axis`
// (default: B's trailing dims), else A and B have one shape. The output is A's shape.
bool UsesLegacyBroadcast(const graph::Node& node);
// Shape function for those ops' two inputs; checks whatever dims are known.
absl::StatusOr<graph::Shape> LegacyBroadcastShape(const InferContext& ctx);
// B's dims rewritten to A's rank (1s around them), so numpy broadcasting gives the old
// meaning; for other nodes just B's dims.
absl::StatusOr<Dims> SecondOperandDims(const graph::Node& node, const Dims& a, const Dims& b);

// Converts a compute-type value back to storage type T (16-bit floats round here).
template <typename T, typename C>
inline T FromCompute(C c) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
    return T(static_cast<float>(c));
  else
    return static_cast<T>(c);
}

// Integer arithmetic that wraps like the hardware (ONNX runtimes do) instead of being
// undefined behaviour on signed overflow; other types use plain operators.
template <typename T>
using WrapType = std::make_unsigned_t<std::common_type_t<T, unsigned>>;
template <typename T>
inline T WrappingAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
  else
    return a + b;
}
template <typename T>
inline T WrappingSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
  else
    return a - b;
}
template <typename T>
inline T WrappingMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
  else
    return a * b;
}

// Float to integer conversion without undefined behaviour: truncates toward zero like C,
// NaN becomes 0, values beyond int64 saturate, and in-range values wrap into narrower
// types modulo 2^bits (numpy's astype does the same: -1.0 -> uint8 255).
template <typename I>
inline I FloatToInt(double v) {
  if constexpr (std::is_same_v<I, bool>) {
    return v != 0.0;
  } else {
    if (v != v) return I(0);
    constexpr double kTwo63 = 9223372036854775808.0;
    if constexpr (std::is_same_v<I, uint64_t>) {
      if (v >= kTwo63) return v >= 2.0 * kTwo63 ? ~uint64_t{0} : static_cast<uint64_t>(v);
    }
    int64_t wide;
    if (v >= kTwo63) wide = INT64_MAX;
    else if (v < -kTwo63) wide = INT64_MIN;
    else wide = static_cast<int64_t>(v);
    return static_cast<I>(wide);
  }
}

// How to walk an output of some dims while reading N broadcast inputs. Dims of size 1 are
// dropped and neighbouring dims that every input reads the same way are merged, so the
// common cases (same shape, scalar, per-channel bias) become one or two flat loops.
template <int N>
struct BroadcastPlan {
  std::vector<int64_t> dims;                    // merged output dims; {0} when empty
  std::array<std::vector<int64_t>, N> strides;  // per input, element strides per merged dim
  int64_t num_elements = 0;
};

// Builds a plan for inputs of dims `in` broadcast to `out` (numpy rules already checked).
template <int N>
BroadcastPlan<N> MakeBroadcastPlan(const std::array<const Dims*, N>& in, const Dims& out);

// Calls fn(out_index, offsets) for every output element in order, where offsets[k] is
// input k's element offset. Recursion depth is the merged rank; nothing is allocated.
template <int N, typename Fn>
void ForEachBroadcastPlan(const BroadcastPlan<N>& plan, Fn&& fn);

// out[i] = f(a[ia], b[ib]) over a two-input plan, with flat loops for the merged 1-D cases.
// Each element's inputs are read before it is written, so `out` may alias a full-size input.
template <typename A, typename B, typename O, typename F>
void BinaryBroadcast(const BroadcastPlan<2>& plan, const A* a, const B* b, O* out, F&& f);

// The output shape of a two-input broadcasting op (legacy rules before opset 7).
absl::StatusOr<graph::Shape> BinaryOutputShape(const InferContext& ctx);
// The plan for a two-input broadcasting op at Prepare (legacy rules before opset 7).
absl::StatusOr<BroadcastPlan<2>> MakeBinaryPlan(const PrepareContext& ctx);

// ---- implementation ----

template <int N>
BroadcastPlan<N> MakeBroadcastPlan(const std::array<const Dims*, N>& in, const Dims& out) {
  BroadcastPlan<N> plan;
  plan.num_elements = NumElements(out);
  if (plan.num_elements == 0) {
    plan.dims = {0};
    for (auto& s : plan.strides) s = {0};
    return plan;
  }
  const int rank = static_cast<int>(out.size());
  std::array<std::vector<int64_t>, N> full;
  for (int k = 0; k < N; ++k) {
    full[k].assign(rank, 0);
    const Dims& d = *in[k];
    const int offset = rank - static_cast<int>(d.size());
    int64_t stride = 1;
    for (int i = static_cast<int>(d.size()) - 1; i >= 0; --i) {
      full[k][offset + i] = (d[i] == 1) ? 0 : stride;
      stride *= d[i];
    }
  }
  for (int i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    const int last = static_cast<int>(plan.dims.size()) - 1;
    bool mergeable = last >= 0;
    for (int k = 0; k < N && mergeable; ++k)
      mergeable = plan.strides[k][last] == full[k][i] * out[i];
    if (mergeable) {
      plan.dims[last] *= out[i];
      for (int k = 0; k < N; ++k) plan.strides[k][last] = full[k][i];
    } else {
      plan.dims.push_back(out[i]);
      for (int k = 0; k < N; ++k) plan.strides[k].push_back(full[k][i]);
    }
  }
  if (plan.dims.empty()) {  // scalar or all-ones output: one element at offset 0
    plan.dims = {1};
    for (auto& s : plan.strides) s = {0};
  }
  return plan;
}

namespace internal {
template <int N, typename Fn>
void WalkBroadcastDim(const BroadcastPlan<N>& plan, int d, std::array<int64_t, N> offsets,
                      int64_t& out_index, Fn& fn) {
  const int64_t n = plan.dims[d];
  if (d + 1 == static_cast<int>(plan.dims.size())) {
    for (int64_t i = 0; i < n; ++i) {
      fn(out_index++, offsets);
      for (int k = 0; k < N; ++k) offsets[k] += plan.strides[k][d];
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    WalkBroadcastDim<N>(plan, d + 1, offsets, out_index, fn);
    for (int k = 0; k < N; ++k) offsets[k] += plan.strides[k][d];
  }
}
}  // namespace internal

template <int N, typename Fn>
void ForEachBroadcastPlan(const BroadcastPlan<N>& plan, Fn&& fn) {
  if (plan.num_elements == 0) return;
  int64_t out_index = 0;
  internal::WalkBroadcastDim<N>(plan, 0, std::array<int64_t, N>{}, out_index, fn);
}

template <typename A, typename B, typename O, typename F>
void BinaryBroadcast(const BroadcastPlan<2>& plan, const A* a, const B* b, O* out, F&& f) {
  if (plan.num_elements == 0) return;
  if (plan.dims.size() == 1) {
    const int64_t n = plan.dims[0];
    const bool a_full = plan.strides[0][0] != 0, b_full = plan.strides[1][0] != 0;
    if (a_full && b_full) {
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    } else if (a_full) {
      const B bv = b[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
    } else if (b_full) {
      const A av = a[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
    } else {
      const O v = f(a[0], b[0]);
      for (int64_t i = 0; i < n; ++i) out[i] = v;
    }
    return;
  }
  ForEachBroadcastPlan<2>(plan, [&](int64_t o, const std::array<int64_t, 2>& off) {
    out[o] = f(a[off[0]], b[off[1]]);
  });
}

}  // namespace seqrt::ops
