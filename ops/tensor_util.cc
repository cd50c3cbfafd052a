#include "ops/tensor_util.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "seqrt/dtype.h"

namespace seqrt::ops {

absl::Status NodeError(const graph::Node& node, std::string_view message) {
  return NodeError(node.Describe(), message);
}

absl::Status NodeError(std::string_view where, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": ", std::string(message)));
}

absl::Status WithNode(const graph::Node& node, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(node.Describe(), ": ", status.message()));
}

absl::Status ReadInts(std::string_view where, std::string_view what, DType dtype, const void* data,
                      int64_t count, SmallInts* out) {
  out->resize(count);
  if (dtype == DType::kInt64) {
    if (count > 0) std::memcpy(out->data(), data, count * sizeof(int64_t));
  } else if (dtype == DType::kInt32) {
    const auto* p = static_cast<const int32_t*>(data);
    for (int64_t i = 0; i < count; ++i) (*out)[i] = p[i];
  } else {
    return NodeError(where, absl::StrCat(std::string(what), " must be int32 or int64, got ",
                                         std::string(DTypeName(dtype))));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::vector<int64_t>>> ConstantInts(const InferContext& ctx, int i,
                                                                 std::string_view what) {
  if (!ctx.has_input(i)) return std::optional<std::vector<int64_t>>();
  const DType dtype = ctx.input_dtype(i);
  if (dtype != DType::kInt64 && dtype != DType::kInt32 && dtype != DType::kUndefined) {
    return NodeError(ctx.node(), absl::StrCat(std::string(what), " must be int32 or int64, got ",
                                              std::string(DTypeName(dtype))));
  }
  const Tensor* t = ctx.input_constant(i);
  if (t == nullptr) return std::optional<std::vector<int64_t>>();
  SmallInts values;
  SEQRT_RETURN_IF_ERROR(
      ReadInts(ctx.node().Describe(), what, t->dtype(), t->raw_data(), t->num_elements(), &values));
  return std::optional<std::vector<int64_t>>(std::vector<int64_t>(values.begin(), values.end()));
}

absl::Status InputInts(std::string_view where, const ComputeContext& ctx, int i,
                       std::string_view what, SmallInts* out) {
  return ReadInts(where, what, ctx.input_dtype(i), ctx.input(i), NumElements(ctx.input_dims(i)),
                  out);
}

std::optional<int64_t> KnownLength(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return std::nullopt;
  if (const Tensor* t = ctx.input_constant(i)) return t->num_elements();
  const graph::Shape& s = ctx.input_shape(i);
  if (!s.rank_known) return std::nullopt;
  if (s.rank() == 0) return 1;
  if (s.rank() == 1 && s[0].known()) return s[0].value();
  return std::nullopt;
}

int64_t DimProduct(const Dims& dims, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= dims[i];
  return n;
}

graph::Dim DimProduct(const graph::Shape& shape, int begin, int end) {
  graph::Dim n(1);
  for (int i = begin; i < end; ++i) n = n * shape[i];
  return n;
}

absl::StatusOr<size_t> MovableElementSize(const graph::Node& node, DType dtype) {
  if (!IsSupportedDType(dtype)) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": dtype ",
                                                 std::string(DTypeName(dtype)),
                                                 " is not supported"));
  }
  return DTypeSize(dtype);
}

SmallInts RowMajorStrides(absl::Span<const int64_t> dims) {
  SmallInts strides(dims.size());
  int64_t s = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= dims[i];
  }
  return strides;
}

namespace {

struct CopyAxis {
  int64_t n;
  int64_t dst_stride;
  int64_t src_stride;
};
using CopyAxes = absl::InlinedVector<CopyAxis, 8>;

// Calls fn(dst_offset, src_offset) for every index combination of `axes` (outermost first).
template <typename Fn>
void WalkOffsets(const CopyAxes& axes, Fn&& fn) {
  const int k = static_cast<int>(axes.size());
  if (k == 0) {
    fn(int64_t{0}, int64_t{0});
    return;
  }
  SmallInts index(k, 0);
  int64_t dst = 0, src = 0;
  while (true) {
    fn(dst, src);
    int d = k - 1;
    for (; d >= 0; --d) {
      ++index[d];
      dst += axes[d].dst_stride;
      src += axes[d].src_stride;
      if (index[d] < axes[d].n) break;
      dst -= axes[d].dst_stride * axes[d].n;
      src -= axes[d].src_stride * axes[d].n;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

// Transpose tile side: one 64-byte cache line of elements (8 for 8-byte types).
template <typename E>
constexpr int64_t kTile = 64 / sizeof(E) < 8 ? 8 : 64 / sizeof(E);

// Copies one (rows x cols) tile of a transpose: source contiguous along rows, destination
// contiguous along cols. Full tiles go through a small local buffer so that reading source
// rows and writing destination rows are both contiguous, and power-of-two strides (a
// 1024-wide matrix) cannot evict the tile's lines through cache-set conflicts.
template <typename E>
void TransposeTile(E* dst, int64_t dst_stride, const E* src, int64_t src_stride, int64_t nr,
                   int64_t nc) {
  constexpr int64_t T = kTile<E>;
  if (nr == T && nc == T) {
    E tile[T][T];
    for (int64_t c = 0; c < T; ++c) {
      const E* scol = src + c * src_stride;
      for (int64_t r = 0; r < T; ++r) tile[r][c] = scol[r];
    }
    for (int64_t r = 0; r < T; ++r) std::memcpy(dst + r * dst_stride, tile[r], sizeof(tile[r]));
    return;
  }
  for (int64_t r = 0; r < nr; ++r)
    for (int64_t c = 0; c < nc; ++c) dst[r * dst_stride + c] = src[r + c * src_stride];
}

template <typename E>
void StridedCopyTyped(E* dst, const E* src, const CopyAxes& axes) {
  const int k = static_cast<int>(axes.size());
  if (k == 0) {
    *dst = *src;
    return;
  }
  const CopyAxis inner = axes[k - 1];
  CopyAxes outer(axes.begin(), axes.end() - 1);

  if (inner.dst_stride == 1 && inner.src_stride == 1) {
    const size_t bytes = static_cast<size_t>(inner.n) * sizeof(E);
    WalkOffsets(outer, [&](int64_t d, int64_t s) { std::memcpy(dst + d, src + s, bytes); });
    return;
  }
  if (inner.dst_stride == 1 && inner.src_stride == 0) {
    WalkOffsets(outer, [&](int64_t d, int64_t s) { std::fill_n(dst + d, inner.n, src[s]); });
    return;
  }
  // A transpose: the source is contiguous along some other axis q. Copy (q, inner) tiles so
  // both the source rows and the destination rows stay in cache.
  constexpr int64_t T = kTile<E>;
  if (inner.dst_stride == 1 && inner.n >= T) {
    for (int q = k - 2; q >= 0; --q) {
      if (axes[q].src_stride != 1 || axes[q].n < T) continue;
      const CopyAxis rows = axes[q];
      CopyAxes others;
      for (int a = 0; a < k - 1; ++a)
        if (a != q) others.push_back(axes[a]);
      WalkOffsets(others, [&](int64_t d0, int64_t s0) {
        for (int64_t r0 = 0; r0 < rows.n; r0 += T) {
          for (int64_t c0 = 0; c0 < inner.n; c0 += T) {
            TransposeTile(dst + d0 + r0 * rows.dst_stride + c0, rows.dst_stride,
                          src + s0 + r0 + c0 * inner.src_stride, inner.src_stride,
                          std::min(T, rows.n - r0), std::min(T, inner.n - c0));
          }
        }
      });
      return;
    }
  }
  WalkOffsets(outer, [&](int64_t d, int64_t s) {
    E* dp = dst + d;
    const E* sp = src + s;
    for (int64_t i = 0; i < inner.n; ++i) dp[i * inner.dst_stride] = sp[i * inner.src_stride];
  });
}

}  // namespace

void StridedCopy(void* dst, absl::Span<const int64_t> dst_strides, const void* src,
                 absl::Span<const int64_t> src_strides, absl::Span<const int64_t> dims,
                 size_t elem_size) {
  // Drop size-1 dims and merge neighbours that are contiguous on both sides.
  CopyAxes axes;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 0) return;
    if (dims[d] == 1) continue;
    CopyAxis cur{dims[d], dst_strides[d], src_strides[d]};
    if (!axes.empty()) {
      CopyAxis& prev = axes.back();
      if (prev.dst_stride == cur.dst_stride * cur.n && prev.src_stride == cur.src_stride * cur.n) {
        prev = CopyAxis{prev.n * cur.n, cur.dst_stride, cur.src_stride};
        continue;
      }
    }
    axes.push_back(cur);
  }
  switch (elem_size) {
    case 1:
      StridedCopyTyped(static_cast<uint8_t*>(dst), static_cast<const uint8_t*>(src), axes);
      break;
    case 2:
      StridedCopyTyped(static_cast<uint16_t*>(dst), static_cast<const uint16_t*>(src), axes);
      break;
    case 4:
      StridedCopyTyped(static_cast<uint32_t*>(dst), static_cast<const uint32_t*>(src), axes);
      break;
    case 8:
      StridedCopyTyped(static_cast<uint64_t*>(dst), static_cast<const uint64_t*>(src), axes);
      break;
    default: {
      // Not reached for seqrt dtypes; kept correct for any size by scaling to bytes.
      CopyAxes bytes_axes;
      for (const CopyAxis& a : axes)
        bytes_axes.push_back({a.n, a.dst_stride * static_cast<int64_t>(elem_size),
                              a.src_stride * static_cast<int64_t>(elem_size)});
      bytes_axes.push_back({static_cast<int64_t>(elem_size), 1, 1});
      StridedCopyTyped(static_cast<uint8_t*>(dst), static_cast<const uint8_t*>(src), bytes_axes);
    }
  }
}

}  // namespace seqrt::ops
