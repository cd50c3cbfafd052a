// Pooling: MaxPool (with the optional Indices output), AveragePool, LpPool, their Global*
// forms, and MaxUnpool. Shape functions and reference kernels here; the oneDNN pooling
// kernel (ops/onednn/pool_onednn.h) is listed first for float32 and declines what it cannot
// match exactly (indices, count_include_pad windows clipped by ceil mode, other dtypes).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/nn/nn_ops.h"
#include "ops/nn/pool_geometry.h"
#include "ops/onednn/pool_onednn.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

std::string DTypeStr(DType t) { return std::string(DTypeName(t)); }

bool AllowsDType(PoolKind kind, DType t) {
  if (IsFloatingPoint(t)) return true;
  return kind == PoolKind::kMax && (t == DType::kInt8 || t == DType::kUInt8);
}

template <PoolKind kKind>
absl::Status InferPool(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(PoolAttrs attrs, ParsePoolAttrs(node));
  const DType dtype = ctx.input_dtype(0);
  if (!AllowsDType(kKind, dtype))
    return absl::UnimplementedError(absl::StrCat(node.Describe(), " does not support dtype ", DTypeStr(dtype)));
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    ctx.SetOutput(1, DType::kInt64, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  const int r = static_cast<int>(attrs.kernel_shape.size());
  if (x.rank() != r + 2) {
    return NodeError(node, absl::StrCat("X must be [N, C] plus ", r, " spatial dims, got ", x.ToString()));
  }
  std::vector<graph::Dim> out = {x[0], x[1]};
  for (int i = 0; i < r; ++i) {
    if (!x[2 + i].known()) {
      out.emplace_back();
      continue;
    }
    SEQRT_ASSIGN_OR_RETURN(int64_t d, PoolOutputDim(attrs, i, r, x[2 + i].value(), node.Describe()));
    out.emplace_back(d);
  }
  graph::Shape y(std::move(out));
  ctx.SetOutput(0, dtype, y);
  ctx.SetOutput(1, DType::kInt64, y);
  return absl::OkStatus();
}

// The geometry padded to three spatial dims (leading dims of size 1), so one loop nest
// serves 1-D to 3-D pooling.
struct Pool3d {
  std::array<int64_t, 3> in, kernel, out, stride, dilation, pad, pad_end_given;
};

Pool3d To3d(const PoolGeometry& g) {
  Pool3d p;
  const int r = g.spatial_rank(), off = 3 - r;
  for (int i = 0; i < 3; ++i) {
    const bool real = i >= off;
    p.in[i] = real ? g.in[i - off] : 1;
    p.kernel[i] = real ? g.kernel[i - off] : 1;
    p.out[i] = real ? g.out[i - off] : 1;
    p.stride[i] = real ? g.stride[i - off] : 1;
    p.dilation[i] = real ? g.dilation[i - off] : 1;
    p.pad[i] = real ? g.pad_begin[i - off] : 0;
    p.pad_end_given[i] = real ? g.pad_end_given[i - off] : 0;
  }
  return p;
}

// Window taps of one dim that fall inside [lo, hi).
int64_t TapsWithin(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi) {
  int64_t n = 0;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t i = start + k * dilation;
    n += (i >= lo && i < hi) ? 1 : 0;
  }
  return n;
}

template <PoolKind kKind, typename T>
void PoolTyped(const PoolGeometry& g, const PoolAttrs& attrs, int spatial_rank, const T* x, T* y,
               int64_t* indices) {
  using C = ComputeType<T>;
  const Pool3d d = To3d(g);
  const int64_t in_plane = d.in[0] * d.in[1] * d.in[2];
  const int64_t out_plane = d.out[0] * d.out[1] * d.out[2];
  const double p = static_cast<double>(attrs.p);
  for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
    const T* xp = x + nc * in_plane;
    for (int64_t od = 0; od < d.out[0]; ++od)
      for (int64_t oh = 0; oh < d.out[1]; ++oh)
        for (int64_t ow = 0; ow < d.out[2]; ++ow) {
          const int64_t s0 = od * d.stride[0] - d.pad[0];
          const int64_t s1 = oh * d.stride[1] - d.pad[1];
          const int64_t s2 = ow * d.stride[2] - d.pad[2];
          C best = std::numeric_limits<C>::lowest();
          int64_t best_at = -1;
          double sum = 0;
          int64_t count = 0;
          std::array<int64_t, 3> best_pos = {0, 0, 0};
          for (int64_t k0 = 0; k0 < d.kernel[0]; ++k0) {
            const int64_t i0 = s0 + k0 * d.dilation[0];
            if (i0 < 0 || i0 >= d.in[0]) continue;
            for (int64_t k1 = 0; k1 < d.kernel[1]; ++k1) {
              const int64_t i1 = s1 + k1 * d.dilation[1];
              if (i1 < 0 || i1 >= d.in[1]) continue;
              for (int64_t k2 = 0; k2 < d.kernel[2]; ++k2) {
                const int64_t i2 = s2 + k2 * d.dilation[2];
                if (i2 < 0 || i2 >= d.in[2]) continue;
                const int64_t at = (i0 * d.in[1] + i1) * d.in[2] + i2;
                const C v = static_cast<C>(xp[at]);
                if constexpr (kKind == PoolKind::kMax) {
                  if (best_at < 0 || v > best) {
                    best = v;
                    best_at = at;
                    best_pos = {i0, i1, i2};
                  }
                } else if constexpr (kKind == PoolKind::kAverage) {
                  sum += static_cast<double>(v);
                  ++count;
                } else {
                  sum += std::pow(std::abs(static_cast<double>(v)), p);
                }
              }
            }
          }
          const int64_t o = nc * out_plane + (od * d.out[1] + oh) * d.out[2] + ow;
          if constexpr (kKind == PoolKind::kMax) {
            y[o] = static_cast<T>(best);
            if (indices) {
              int64_t flat = best_at;
              if (attrs.storage_order == 1) {
                // Column-major over the real spatial dims: the first one varies fastest.
                flat = 0;
                int64_t mul = 1;
                for (int i = 3 - spatial_rank; i < 3; ++i) {
                  flat += best_pos[i] * mul;
                  mul *= d.in[i];
                }
              }
              indices[o] = nc * in_plane + flat;
            }
          } else if constexpr (kKind == PoolKind::kAverage) {
            int64_t divisor = count;
            if (attrs.count_include_pad) {
              // Padding counts, but only the padding the model asked for (not the extra
              // room a ceil-mode window reaches into).
              divisor = TapsWithin(s0, d.kernel[0], d.dilation[0], -d.pad[0], d.in[0] + d.pad_end_given[0]) *
                        TapsWithin(s1, d.kernel[1], d.dilation[1], -d.pad[1], d.in[1] + d.pad_end_given[1]) *
                        TapsWithin(s2, d.kernel[2], d.dilation[2], -d.pad[2], d.in[2] + d.pad_end_given[2]);
            }
            y[o] = static_cast<T>(divisor > 0 ? sum / static_cast<double>(divisor) : 0.0);
          } else {
            y[o] = static_cast<T>(std::pow(sum, 1.0 / p));
          }
        }
  }
}

template <PoolKind kKind>
class PoolKernel : public OpKernel {
 public:
  explicit PoolKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParsePoolAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else init_ = attrs.status();
  }
  absl::Status init_status() const { return init_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geometry_, GetPoolGeometry(attrs_, ctx.input_dims(0), where_));
    if (geometry_.spatial_rank() > 3 || geometry_.spatial_rank() < 1) {
      return absl::UnimplementedError(absl::StrCat(where_, ": ", geometry_.spatial_rank(),
                                                   "-D pooling is not supported (1-D to 3-D)"));
    }
    prepared_x_ = ctx.input_dims(0);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    PoolGeometry recomputed;
    const PoolGeometry* g = &geometry_;
    if (ctx.input_dims(0) != prepared_x_) {
      SEQRT_ASSIGN_OR_RETURN(recomputed, GetPoolGeometry(attrs_, ctx.input_dims(0), where_));
      g = &recomputed;
    }
    const unsigned allowed = kKind == PoolKind::kMax ? (kFloatTypes | kSignedInts | kUnsignedInts) : kFloatTypes;
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, bool>) {
            return absl::UnimplementedError(absl::StrCat(where_, " does not support bool"));
          } else {
            PoolTyped<kKind, T>(*g, attrs_, g->spatial_rank(), ctx.input<T>(0), ctx.output<T>(0),
                                ctx.has_output(1) ? ctx.output<int64_t>(1) : nullptr);
            return absl::OkStatus();
          }
        },
        allowed, where_);
  }

 private:
  std::string where_;
  PoolAttrs attrs_;
  absl::Status init_;
  PoolGeometry geometry_;
  Dims prepared_x_;
};

// ---- GlobalMaxPool / GlobalAveragePool / GlobalLpPool ---------------------------------

template <PoolKind kKind>
absl::Status InferGlobalPool(InferContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), " does not support dtype ", DTypeStr(dtype)));
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() < 2) return NodeError(ctx.node(), absl::StrCat("X must be [N, C, ...], got ", x.ToString()));
  std::vector<graph::Dim> out = {x[0], x[1]};
  for (int i = 2; i < x.rank(); ++i) out.emplace_back(1);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

template <PoolKind kKind>
class GlobalPoolKernel : public OpKernel {
 public:
  explicit GlobalPoolKernel(const graph::Node& node)
      : where_(node.Describe()), p_(static_cast<double>(node.attrs.GetInt("p", 2))) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const int64_t planes = dims[0] * dims[1];
    const int64_t inner = DimProduct(dims, 2, static_cast<int>(dims.size()));
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          for (int64_t pl = 0; pl < planes; ++pl) {
            const T* xp = x + pl * inner;
            double acc = 0;
            C best = std::numeric_limits<C>::lowest();
            for (int64_t i = 0; i < inner; ++i) {
              const C v = static_cast<C>(xp[i]);
              if constexpr (kKind == PoolKind::kMax) best = std::max(best, v);
              else if constexpr (kKind == PoolKind::kAverage) acc += static_cast<double>(v);
              else acc += std::pow(std::abs(static_cast<double>(v)), p_);
            }
            if constexpr (kKind == PoolKind::kMax) y[pl] = static_cast<T>(best);
            else if constexpr (kKind == PoolKind::kAverage)
              y[pl] = static_cast<T>(inner ? acc / static_cast<double>(inner) : 0.0);
            else y[pl] = static_cast<T>(std::pow(acc, 1.0 / p_));
          }
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  double p_;
};

// ---- MaxUnpool ------------------------------------------------------------------------

// The default output: the input size a MaxPool with these attributes would have pooled.
absl::StatusOr<std::vector<graph::Dim>> UnpoolShape(const InferContext& ctx, const PoolAttrs& a) {
  const graph::Shape& x = ctx.input_shape(0);
  const int r = static_cast<int>(a.kernel_shape.size());
  if (x.rank() != r + 2)
    return NodeError(ctx.node(), absl::StrCat("X must be [N, C] plus ", r, " spatial dims, got ", x.ToString()));
  std::vector<graph::Dim> out = {x[0], x[1]};
  for (int i = 0; i < r; ++i) {
    if (!x[2 + i].known()) {
      out.emplace_back();
      continue;
    }
    const int64_t s = a.strides.empty() ? 1 : a.strides[i];
    const int64_t pads = a.pads.empty() ? 0 : a.pads[i] + a.pads[i + r];
    out.emplace_back((x[2 + i].value() - 1) * s + a.kernel_shape[i] - pads);
  }
  return out;
}

absl::Status InferMaxUnpool(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(PoolAttrs attrs, ParsePoolAttrs(node));
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(node.Describe(), " does not support dtype ", DTypeStr(dtype)));
  if (ctx.input_dtype(1) != DType::kInt64)
    return NodeError(node, absl::StrCat("I must be int64, got ", DTypeStr(ctx.input_dtype(1))));
  const int r = static_cast<int>(attrs.kernel_shape.size());
  if (ctx.has_input(2)) {
    SEQRT_ASSIGN_OR_RETURN(auto shape, ConstantInts(ctx, 2, "output_shape"));
    if (!shape) {
      ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(r + 2)));
      return absl::OkStatus();
    }
    if (static_cast<int>(shape->size()) != r + 2)
      return NodeError(node, absl::StrCat("output_shape has ", shape->size(), " values, expected ", r + 2));
    std::vector<graph::Dim> out;
    for (int64_t v : *shape) {
      if (v < 0) return NodeError(node, "output_shape has a negative value");
      out.emplace_back(v);
    }
    ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
    return absl::OkStatus();
  }
  if (!ctx.input_shape(0).rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<graph::Dim> out, UnpoolShape(ctx, attrs));
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class MaxUnpoolKernel : public OpKernel {
 public:
  explicit MaxUnpoolKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParsePoolAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else init_ = attrs.status();
  }
  absl::Status init_status() const { return init_; }

  absl::Status Compute(ComputeContext& ctx) const override {
    if (ctx.input_dims(0) != ctx.input_dims(1)) {
      return NodeError(where_, absl::StrCat("X ", DimsToString(ctx.input_dims(0)), " and I ",
                                            DimsToString(ctx.input_dims(1)), " must have the same shape"));
    }
    const Dims& x = ctx.input_dims(0);
    const Dims& y = ctx.output_dims(0);
    const int rank = static_cast<int>(x.size());
    const int r = static_cast<int>(attrs_.kernel_shape.size());
    if (rank != r + 2 || y.size() != x.size() || y[0] != x[0] || y[1] != x[1])
      return NodeError(where_, absl::StrCat("output shape ", DimsToString(y), " does not match X ",
                                            DimsToString(x), " in rank, N and C"));
    // Indices address the default output (the size MaxPool pooled from); an explicit,
    // larger output_shape keeps each value at the same coordinates.
    SmallInts def(rank);
    def[0] = x[0];
    def[1] = x[1];
    for (int i = 0; i < r; ++i) {
      const int64_t s = attrs_.strides.empty() ? 1 : attrs_.strides[i];
      const int64_t pads = attrs_.pads.empty() ? 0 : attrs_.pads[i] + attrs_.pads[i + r];
      def[2 + i] = (x[2 + i] - 1) * s + attrs_.kernel_shape[i] - pads;
    }
    const int64_t def_total = DimProduct(Dims(def.begin(), def.end()), 0, rank);
    const int64_t n = NumElements(x);
    const int64_t* idx = ctx.input<int64_t>(1);
    const size_t elem = DTypeSize(ctx.input_dtype(0));
    std::memset(ctx.output(0), 0, static_cast<size_t>(NumElements(y)) * elem);
    absl::Status status;
    VisitElementSize(elem, [&](auto e) {
      using E = decltype(e);
      const E* src = ctx.input<E>(0);
      E* dst = ctx.output<E>(0);
      for (int64_t i = 0; i < n && status.ok(); ++i) {
        int64_t rest = idx[i];
        if (rest < 0 || rest >= def_total) {
          status = NodeError(where_, absl::StrCat("index ", idx[i], " is outside the pooled input of ",
                                                  def_total, " elements"));
          break;
        }
        int64_t flat = 0, mul = 1;
        for (int d = rank - 1; d >= 0; --d) {
          const int64_t coord = rest % def[d];
          rest /= def[d];
          if (coord >= y[d]) {
            status = NodeError(where_, absl::StrCat("index ", idx[i], " falls outside the output ", DimsToString(y)));
            break;
          }
          flat += coord * mul;
          mul *= y[d];
        }
        if (status.ok()) dst[flat] = src[i];
      }
    });
    return status;
  }

 private:
  std::string where_;
  PoolAttrs attrs_;
  absl::Status init_;
};

void RegisterPool(OpRegistry& registry, const char* op, int since, InferFn infer,
                  std::vector<KernelFactory> kernels, int max_inputs = 1) {
  OpSchema s;
  s.op_type = op;
  s.since_version = since;
  s.min_inputs = 1;
  s.max_inputs = max_inputs;
  s.infer = infer;
  s.kernels = std::move(kernels);
  s.drop_unused_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace

void RegisterPoolOps(OpRegistry& registry) {
  RegisterPool(registry, "MaxPool", 1, &InferPool<PoolKind::kMax>,
               {&MakeOnednnMaxPool, &MakeKernel<PoolKernel<PoolKind::kMax>>});
  RegisterPool(registry, "AveragePool", 1, &InferPool<PoolKind::kAverage>,
               {&MakeOnednnAveragePool, &MakeKernel<PoolKernel<PoolKind::kAverage>>});
  RegisterPool(registry, "LpPool", 1, &InferPool<PoolKind::kLp>,
               {&MakeKernel<PoolKernel<PoolKind::kLp>>});
  RegisterPool(registry, "GlobalMaxPool", 1, &InferGlobalPool<PoolKind::kMax>,
               {&MakeKernel<GlobalPoolKernel<PoolKind::kMax>>});
  RegisterPool(registry, "GlobalAveragePool", 1, &InferGlobalPool<PoolKind::kAverage>,
               {&MakeKernel<GlobalPoolKernel<PoolKind::kAverage>>});
  RegisterPool(registry, "GlobalLpPool", 1, &InferGlobalPool<PoolKind::kLp>,
               {&MakeKernel<GlobalPoolKernel<PoolKind::kLp>>});
  OpSchema s;
  s.op_type = "MaxUnpool";
  s.since_version = 9;
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferMaxUnpool;
  s.kernels = {&MakeKernel<MaxUnpoolKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
