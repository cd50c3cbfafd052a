// Reference kernels for Reduce* and ArgMax/ArgMin.
//
// A reduction sees the input as alternating runs of kept and reduced axes: adjacent axes of the
// same kind are merged (they are contiguous in a row-major tensor) and size-1 axes dropped, so
// the common cases (last axis, leading axes, everything) become one or two flat loops.
#include "ops/reference/reduce.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"

namespace seqrt::ops {
namespace {

bool AxesFromInput(const graph::Node& node, ReduceKind kind) {
  // ReduceSum moved axes to an input in opset 13, the other reductions in opset 18.
  return node.opset >= (kind == ReduceKind::kSum ? 13 : 18);
}

// Merged runs of kept / reduced axes, with the input's element strides.
struct ReduceLayout {
  absl::InlinedVector<int64_t, 8> kept_sizes, kept_strides;
  absl::InlinedVector<int64_t, 8> red_sizes, red_strides;
  int64_t reduced_count = 1;  // elements folded into each output element
  int64_t output_count = 1;
};

ReduceLayout MakeLayout(const Dims& dims, uint64_t mask) {
  ReduceLayout l;
  int64_t stride = 1;
  // Walk from the innermost axis outwards so strides accumulate naturally; the runs are
  // built innermost-first and reversed at the end.
  int last_kind = -1;  // 0 kept, 1 reduced
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    const int64_t size = dims[i];
    const bool reduced = (mask >> i) & 1;
    if (reduced) l.reduced_count *= size;
    else l.output_count *= size;
    if (size != 1) {
      auto& sizes = reduced ? l.red_sizes : l.kept_sizes;
      auto& strides = reduced ? l.red_strides : l.kept_strides;
      if (last_kind == static_cast<int>(reduced)) {
        sizes.back() *= size;  // contiguous with the previous run of the same kind
      } else {
        sizes.push_back(size);
        strides.push_back(stride);
      }
      last_kind = static_cast<int>(reduced);
    }
    stride *= size;
  }
  std::reverse(l.kept_sizes.begin(), l.kept_sizes.end());
  std::reverse(l.kept_strides.begin(), l.kept_strides.end());
  std::reverse(l.red_sizes.begin(), l.red_sizes.end());
  std::reverse(l.red_strides.begin(), l.red_strides.end());
  return l;
}

// Calls fn(offset) for every element of the reduced sub-space, innermost run in a tight loop.
template <typename Fn>
void ForEachReduced(const ReduceLayout& l, Fn&& fn) {
  const int n = static_cast<int>(l.red_sizes.size());
  if (l.reduced_count == 0) return;
  if (n == 0) {
    fn(int64_t{0});
    return;
  }
  const int64_t inner = l.red_sizes[n - 1], inner_stride = l.red_strides[n - 1];
  absl::InlinedVector<int64_t, 8> index(n, 0);
  int64_t base = 0;
  while (true) {
    for (int64_t i = 0; i < inner; ++i) fn(base + i * inner_stride);
    int d = n - 2;
    for (; d >= 0; --d) {
      base += l.red_strides[d];
      if (++index[d] < l.red_sizes[d]) break;
      base -= l.red_strides[d] * l.red_sizes[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

// Integers accumulate in 64 bits (no overflow UB for sums of int32); floats in ComputeType.
template <typename T>
using ReduceAcc = std::conditional_t<
    std::is_floating_point_v<ComputeType<T>>, ComputeType<T>,
    std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <typename T, ReduceKind K>
T ReduceOne(const T* x, const ReduceLayout& l) {
  using Acc = ReduceAcc<T>;
  auto val = [&](int64_t off) { return static_cast<Acc>(static_cast<ComputeType<T>>(x[off])); };
  auto to_t = [](auto v) { return static_cast<T>(static_cast<ComputeType<T>>(v)); };
  if constexpr (K == ReduceKind::kMax || K == ReduceKind::kMin) {
    Acc acc;
    if constexpr (std::is_floating_point_v<Acc>)
      acc = K == ReduceKind::kMax ? -std::numeric_limits<Acc>::infinity()
                                  : std::numeric_limits<Acc>::infinity();
    else
      acc = K == ReduceKind::kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    ForEachReduced(l, [&](int64_t off) {
      const Acc v = val(off);
      // `v != v` lets a NaN win and then stick, like numpy.
      if ((K == ReduceKind::kMax ? v > acc : v < acc) || v != v) acc = v;
    });
    return to_t(acc);
  } else if constexpr (K == ReduceKind::kProd) {
    Acc acc = 1;
    ForEachReduced(l, [&](int64_t off) { acc *= val(off); });
    return to_t(acc);
  } else if constexpr (K == ReduceKind::kLogSumExp) {
    double m = -std::numeric_limits<double>::infinity();
    ForEachReduced(l, [&](int64_t off) { m = std::max(m, static_cast<double>(val(off))); });
    if (std::isinf(m)) return to_t(m);  // empty, all -inf, or some +inf
    double sum = 0;
    ForEachReduced(l, [&](int64_t off) { sum += std::exp(static_cast<double>(val(off)) - m); });
    return to_t(m + std::log(sum));
  } else {
    Acc acc = 0;
    ForEachReduced(l, [&](int64_t off) {
      const Acc v = val(off);
      if constexpr (K == ReduceKind::kL1) acc += v < 0 ? -v : v;
      else if constexpr (K == ReduceKind::kL2 || K == ReduceKind::kSumSquare) acc += v * v;
      else acc += v;
    });
    if constexpr (K == ReduceKind::kMean) {
      if constexpr (std::is_floating_point_v<Acc>) return to_t(acc / static_cast<Acc>(l.reduced_count));
      else return l.reduced_count == 0 ? T{} : to_t(acc / static_cast<Acc>(l.reduced_count));
    } else if constexpr (K == ReduceKind::kL2) {
      return to_t(std::sqrt(static_cast<double>(acc)));
    } else if constexpr (K == ReduceKind::kLogSum) {
      return to_t(std::log(static_cast<double>(acc)));
    } else {
      return to_t(acc);
    }
  }
}

template <typename T, ReduceKind K>
void ReduceAll(const T* x, T* y, const ReduceLayout& l) {
  const int n = static_cast<int>(l.kept_sizes.size());
  if (l.output_count == 0) return;
  if (n == 0) {
    y[0] = ReduceOne<T, K>(x, l);
    return;
  }
  absl::InlinedVector<int64_t, 8> index(n, 0);
  int64_t base = 0;
  for (int64_t o = 0; o < l.output_count; ++o) {
    y[o] = ReduceOne<T, K>(x + base, l);
    for (int d = n - 1; d >= 0; --d) {
      base += l.kept_strides[d];
      if (++index[d] < l.kept_sizes[d]) break;
      base -= l.kept_strides[d] * l.kept_sizes[d];
      index[d] = 0;
    }
  }
}

template <typename T>
void ReduceTyped(ReduceKind kind, const T* x, T* y, const ReduceLayout& l) {
  switch (kind) {
    case ReduceKind::kSum: return ReduceAll<T, ReduceKind::kSum>(x, y, l);
    case ReduceKind::kMean: return ReduceAll<T, ReduceKind::kMean>(x, y, l);
    case ReduceKind::kMax: return ReduceAll<T, ReduceKind::kMax>(x, y, l);
    case ReduceKind::kMin: return ReduceAll<T, ReduceKind::kMin>(x, y, l);
    case ReduceKind::kProd: return ReduceAll<T, ReduceKind::kProd>(x, y, l);
    case ReduceKind::kL1: return ReduceAll<T, ReduceKind::kL1>(x, y, l);
    case ReduceKind::kL2: return ReduceAll<T, ReduceKind::kL2>(x, y, l);
    case ReduceKind::kLogSum: return ReduceAll<T, ReduceKind::kLogSum>(x, y, l);
    case ReduceKind::kLogSumExp: return ReduceAll<T, ReduceKind::kLogSumExp>(x, y, l);
    case ReduceKind::kSumSquare: return ReduceAll<T, ReduceKind::kSumSquare>(x, y, l);
  }
}

class ReduceKernel : public OpKernel {
 public:
  ReduceKernel(const graph::Node& node, ReduceAttrs attrs)
      : where_(node.Describe()), attrs_(std::move(attrs)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    if (ctx.has_input(1) && ctx.input_dtype(1) != DType::kInt64) {
      return absl::InvalidArgumentError(absl::StrCat(where_, ": axes must be int64, got ",
                                                     std::string(DTypeName(ctx.input_dtype(1)))));
    }
    if (ctx.input_dims(0).size() > kMaxReduceRank) {
      return absl::UnimplementedError(absl::StrCat(where_, ": rank ",
                                                   ctx.input_dims(0).size(), " is above ",
                                                   kMaxReduceRank));
    }
    return VisitDType(
        ctx.input_dtype(0), [](auto) { return absl::OkStatus(); }, kNumericTypes,
        where_);
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    std::span<const int64_t> axes = attrs_.attr_axes;
    if (attrs_.axes_from_input && ctx.has_input(1)) {
      axes = {ctx.input<int64_t>(1), static_cast<size_t>(NumElements(ctx.input_dims(1)))};
    }
    const Dims& dims = ctx.input_dims(0);
    if (attrs_.noop_with_empty_axes && axes.empty()) {
      const size_t bytes = NumElements(dims) * DTypeSize(ctx.input_dtype(0));
      if (ctx.output(0) != ctx.input(0) && bytes > 0) std::memcpy(ctx.output(0), ctx.input(0), bytes);
      return absl::OkStatus();
    }
    SEQRT_ASSIGN_OR_RETURN(uint64_t mask,
                           ReducedAxesMask(attrs_, axes, static_cast<int>(dims.size()), where_));
    const ReduceLayout layout = MakeLayout(dims, mask);
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          ReduceTyped<T>(attrs_.kind, ctx.input<T>(0), ctx.output<T>(0), layout);
          return absl::OkStatus();
        },
        kNumericTypes, where_);
  }

 private:
  std::string where_;  // node description for errors
  ReduceAttrs attrs_;
};

// ---- ArgMax / ArgMin ----

template <typename T>
void ArgReduceTyped(const ArgReduceAttrs& a, const T* x, int64_t* y, int64_t outer, int64_t n,
                    int64_t inner) {
  using C = ComputeType<T>;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      const T* p = x + o * n * inner + j;
      C best = static_cast<C>(p[0]);
      int64_t best_i = 0;
      for (int64_t i = 1; i < n; ++i) {
        const C v = static_cast<C>(p[i * inner]);
        const bool better = a.is_max ? (a.select_last_index ? v >= best : v > best)
                                     : (a.select_last_index ? v <= best : v < best);
        if (better) {
          best = v;
          best_i = i;
        }
      }
      y[o * inner + j] = best_i;
    }
  }
}

class ArgReduceKernel : public OpKernel {
 public:
  ArgReduceKernel(const graph::Node& node, ArgReduceAttrs attrs)
      : where_(node.Describe()), attrs_(attrs) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const int rank = static_cast<int>(dims.size());
    SEQRT_ASSIGN_OR_RETURN(int axis, graph::NormalizeAxis(attrs_.axis, std::max(rank, 1), "axis"));
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= dims[i];
    for (int i = axis + 1; i < rank; ++i) inner *= dims[i];
    const int64_t n = rank == 0 ? 1 : dims[axis];
    if (n == 0 && outer * inner > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where_, ": cannot take the arg-extremum of an empty axis ", axis));
    }
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          ArgReduceTyped<T>(attrs_, ctx.input<T>(0), ctx.output<int64_t>(0), outer, n, inner);
          return absl::OkStatus();
        },
        kNumericTypes, where_);
  }

 private:
  std::string where_;
  ArgReduceAttrs attrs_;
};

}  // namespace

absl::StatusOr<ReduceAttrs> ParseReduceAttrs(const graph::Node& node, ReduceKind kind) {
  ReduceAttrs a;
  a.kind = kind;
  a.keepdims = node.attrs.GetInt("keepdims", 1) != 0;
  a.noop_with_empty_axes = node.attrs.GetInt("noop_with_empty_axes", 0) != 0;
  a.axes_from_input = AxesFromInput(node, kind);
  if (a.axes_from_input) {
    if (node.attrs.Has("axes")) {
      return absl::InvalidArgumentError(absl::StrCat(
          node.Describe(), ": at opset ", node.opset, " axes are an input, not an attribute"));
    }
  } else {
    a.attr_axes = node.attrs.GetInts("axes", {});
    a.noop_with_empty_axes = false;  // the attribute does not exist before axes became an input
  }
  return a;
}

absl::StatusOr<uint64_t> ReducedAxesMask(const ReduceAttrs& attrs, std::span<const int64_t> axes,
                                         int rank, std::string_view where) {
  if (axes.empty()) return rank >= 64 ? ~uint64_t{0} : (uint64_t{1} << rank) - 1;
  uint64_t mask = 0;
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": axis ", axis,
                                                     " is out of range for rank ", rank));
    }
    const int a = static_cast<int>(axis < 0 ? axis + rank : axis);
    if ((mask >> a) & 1) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": axis ", axis,
                                                     " appears more than once in axes [",
                                                     absl::StrJoin(axes, ","), "]"));
    }
    mask |= uint64_t{1} << a;
  }
  return mask;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReduceKernel(const graph::Node& node, ReduceKind kind) {
  SEQRT_ASSIGN_OR_RETURN(ReduceAttrs attrs, ParseReduceAttrs(node, kind));
  return std::unique_ptr<OpKernel>(std::make_unique<ReduceKernel>(node, std::move(attrs)));
}

ArgReduceAttrs ParseArgReduceAttrs(const graph::Node& node, bool is_max) {
  ArgReduceAttrs a;
  a.is_max = is_max;
  a.axis = node.attrs.GetInt("axis", 0);
  a.keepdims = node.attrs.GetInt("keepdims", 1) != 0;
  a.select_last_index = node.opset >= 12 && node.attrs.GetInt("select_last_index", 0) != 0;
  return a;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeArgReduceKernel(const graph::Node& node, bool is_max) {
  return std::unique_ptr<OpKernel>(
      std::make_unique<ArgReduceKernel>(node, ParseArgReduceAttrs(node, is_max)));
}

}  // namespace seqrt::ops
