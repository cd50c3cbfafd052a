// Linear quantization: QuantizeLinear (y = saturate(round_half_even(x / scale) + zero_point)),
// DequantizeLinear (y = (x - zero_point) * scale), both per tensor (opset 10) or per axis
// (opset 13+), and QLinearConv (integer convolution of dequantized-zero-point operands,
// requantized to the output scale). Reference kernels: these ops appear in small quantized
// recurrent models, where clarity matters more than speed.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/reference/conv.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

std::string Name(DType t) { return std::string(DTypeName(t)); }

bool IsQuantizedInt(DType t) {
  return t == DType::kUInt8 || t == DType::kInt8 || t == DType::kUInt16 || t == DType::kInt16;
}

// Calls f(Q{}) for the quantized integer type Q of `dtype`.
template <typename F>
absl::Status VisitQuantized(DType dtype, std::string_view where, F&& f) {
  switch (dtype) {
    case DType::kUInt8: return f(uint8_t{});
    case DType::kInt8: return f(int8_t{});
    case DType::kUInt16: return f(uint16_t{});
    case DType::kInt16: return f(int16_t{});
    default:
      return absl::UnimplementedError(absl::StrCat(std::string(where), ": quantized dtype ", Name(dtype),
                                                   " is not supported (uint8, int8, uint16, int16)"));
  }
}

template <typename Q>
Q Saturate(float v) {
  // NaN (a NaN input or scale) has no integer value and casting it is undefined: map it to 0.
  if (std::isnan(v)) return Q(0);
  const float lo = static_cast<float>(std::numeric_limits<Q>::lowest());
  const float hi = static_cast<float>(std::numeric_limits<Q>::max());
  return static_cast<Q>(std::clamp(v, lo, hi));
}

// Reads element i of a float-like (float, float16, bfloat16, double) or int32 tensor as float.
float ReadFloat(DType dtype, const void* data, int64_t i) {
  switch (dtype) {
    case DType::kFloat: return static_cast<const float*>(data)[i];
    case DType::kDouble: return static_cast<float>(static_cast<const double*>(data)[i]);
    case DType::kFloat16: return static_cast<const Float16*>(data)[i];
    case DType::kBFloat16: return static_cast<const BFloat16*>(data)[i];
    case DType::kInt32: return static_cast<float>(static_cast<const int32_t*>(data)[i]);
    default: return 0.f;
  }
}

void WriteFloat(DType dtype, void* data, int64_t i, float v) {
  switch (dtype) {
    case DType::kFloat: static_cast<float*>(data)[i] = v; break;
    case DType::kDouble: static_cast<double*>(data)[i] = v; break;
    case DType::kFloat16: static_cast<Float16*>(data)[i] = Float16(v); break;
    case DType::kBFloat16: static_cast<BFloat16*>(data)[i] = BFloat16(v); break;
    default: break;
  }
}

// Scale/zero-point layout shared by QuantizeLinear and DequantizeLinear: per tensor (one
// element) or per axis (one per entry of x's `axis` dim).
struct QuantParams {
  int axis = -1;  // -1: per tensor
};

// Validates scale (input 1) and zero point (input 2) against x (input 0).
absl::StatusOr<QuantParams> CheckParams(const graph::Node& node, const graph::Shape& x,
                                        const graph::Shape& scale, const graph::Shape* zero_point) {
  const std::string where = node.Describe();
  if (node.attrs.GetInt("block_size", 0) != 0) {
    return absl::UnimplementedError(absl::StrCat(where, ": blocked quantization (block_size) is not supported"));
  }
  QuantParams p;
  if (!scale.rank_known) return p;
  const bool per_tensor = scale.rank() == 0 || (scale.rank() == 1 && scale[0].known() && scale[0].value() == 1);
  if (scale.rank() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the scale must be a scalar or 1-D, got ", scale.ToString()));
  }
  if (!per_tensor) {
    if (node.opset < 13) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": per-axis scales need opset 13+, got scale ", scale.ToString()));
    }
    if (x.rank_known) {
      auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 1), x.rank());
      if (!axis.ok()) return WithNode(node, axis.status());
      p.axis = *axis;
      if (x[p.axis].known() && scale[0].known() && x[p.axis].value() != scale[0].value()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": the scale has ", scale[0].value(),
                                                       " entries but x has ", x[p.axis].value(),
                                                       " along axis ", p.axis));
      }
    }
  }
  if (zero_point && zero_point->rank_known) {
    const graph::Shape& z = *zero_point;
    const bool same = z.rank() == scale.rank() && (z.rank() == 0 || z[0].SameAs(scale[0]) ||
                                                   !z[0].known() || !scale[0].known());
    if (!same) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": the zero point has shape ", z.ToString(),
                                                     " but the scale has ", scale.ToString()));
    }
  }
  return p;
}

// Where per-axis parameters repeat: x = [outer, channels, inner].
struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};
AxisSplit SplitAt(const Dims& x, int axis) {
  AxisSplit s;
  if (axis < 0) {
    s.inner = NumElements(x);
    return s;
  }
  s.outer = DimProduct(x, 0, axis);
  s.channels = x[axis];
  s.inner = DimProduct(x, axis + 1, static_cast<int>(x.size()));
  return s;
}

// ---- QuantizeLinear -----------------------------------------------------------------------

absl::Status InferQuantize(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const DType x = ctx.input_dtype(0);
  if (x != DType::kFloat && x != DType::kFloat16 && x != DType::kBFloat16 && x != DType::kInt32 &&
      x != DType::kUndefined) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": x dtype ", Name(x), " is not supported"));
  }
  const DType out = ctx.has_input(2) ? ctx.input_dtype(2) : DType::kUInt8;
  if (!IsQuantizedInt(out)) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": zero point dtype ", Name(out),
                                                 " is not supported (uint8, int8, uint16, int16)"));
  }
  SEQRT_RETURN_IF_ERROR(CheckParams(node, ctx.input_shape(0), ctx.input_shape(1),
                                    ctx.has_input(2) ? &ctx.input_shape(2) : nullptr)
                            .status());
  ctx.SetOutput(0, out, ctx.input_shape(0));
  return absl::OkStatus();
}

// Quantize and Dequantize share their plan-time work: validating scale/zero-point shapes
// against x and fixing the quantization axis.
class PerAxisQuantKernel : public OpKernel {
 public:
  explicit PerAxisQuantKernel(const graph::Node& node) : node_(node), where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const graph::Shape zp = ctx.has_input(2) ? graph::Shape::FromDims(ctx.input_dims(2)) : graph::Shape();
    SEQRT_ASSIGN_OR_RETURN(QuantParams p, CheckParams(node_, graph::Shape::FromDims(ctx.input_dims(0)),
                                                      graph::Shape::FromDims(ctx.input_dims(1)),
                                                      ctx.has_input(2) ? &zp : nullptr));
    axis_ = p.axis;
    return absl::OkStatus();
  }

 protected:
  const graph::Node& node_;
  std::string where_;
  int axis_ = -1;
};

class QuantizeKernel : public PerAxisQuantKernel {
 public:
  using PerAxisQuantKernel::PerAxisQuantKernel;

  absl::Status Compute(ComputeContext& ctx) const override {
    const AxisSplit s = SplitAt(ctx.input_dims(0), axis_);
    const DType xt = ctx.input_dtype(0), st = ctx.input_dtype(1);
    return VisitQuantized(ctx.output_dtype(0), where_, [&](auto tag) -> absl::Status {
      using Q = decltype(tag);
      const Q* zp = ctx.has_input(2) ? ctx.input<Q>(2) : nullptr;
      Q* y = ctx.output<Q>(0);
      int64_t i = 0;
      for (int64_t o = 0; o < s.outer; ++o) {
        for (int64_t c = 0; c < s.channels; ++c) {
          const float scale = ReadFloat(st, ctx.input(1), c);
          const float zero = zp ? static_cast<float>(zp[c]) : 0.f;
          for (int64_t k = 0; k < s.inner; ++k, ++i)
            y[i] = Saturate<Q>(std::nearbyint(ReadFloat(xt, ctx.input(0), i) / scale) + zero);
        }
      }
      return absl::OkStatus();
    });
  }
};

// ---- DequantizeLinear ---------------------------------------------------------------------

absl::Status InferDequantize(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const DType x = ctx.input_dtype(0);
  if (!IsQuantizedInt(x) && x != DType::kInt32 && x != DType::kUndefined) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": x dtype ", Name(x), " is not supported"));
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != x) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": the zero point is ",
                                                   Name(ctx.input_dtype(2)), " but x is ", Name(x)));
  }
  // Before opset 19 the output is always float; from 19 it follows the scale.
  DType out = node.opset >= 19 ? ctx.input_dtype(1) : DType::kFloat;
  if (out != DType::kFloat && out != DType::kFloat16 && out != DType::kBFloat16) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": scale dtype ", Name(out), " is not supported"));
  }
  SEQRT_RETURN_IF_ERROR(CheckParams(node, ctx.input_shape(0), ctx.input_shape(1),
                                    ctx.has_input(2) ? &ctx.input_shape(2) : nullptr)
                            .status());
  ctx.SetOutput(0, out, ctx.input_shape(0));
  return absl::OkStatus();
}

class DequantizeKernel : public PerAxisQuantKernel {
 public:
  using PerAxisQuantKernel::PerAxisQuantKernel;

  absl::Status Compute(ComputeContext& ctx) const override {
    const AxisSplit s = SplitAt(ctx.input_dims(0), axis_);
    const DType st = ctx.input_dtype(1), yt = ctx.output_dtype(0);
    auto run = [&](auto tag) -> absl::Status {
      using Q = decltype(tag);
      const Q* x = ctx.input<Q>(0);
      const Q* zp = ctx.has_input(2) ? ctx.input<Q>(2) : nullptr;
      int64_t i = 0;
      for (int64_t o = 0; o < s.outer; ++o) {
        for (int64_t c = 0; c < s.channels; ++c) {
          const float scale = ReadFloat(st, ctx.input(1), c);
          const int64_t zero = zp ? static_cast<int64_t>(zp[c]) : 0;
          for (int64_t k = 0; k < s.inner; ++k, ++i)
            WriteFloat(yt, ctx.output(0), i, static_cast<float>(static_cast<int64_t>(x[i]) - zero) * scale);
        }
      }
      return absl::OkStatus();
    };
    if (ctx.input_dtype(0) == DType::kInt32) return run(int32_t{});
    return VisitQuantized(ctx.input_dtype(0), where_, run);
  }

};

// ---- QLinearConv --------------------------------------------------------------------------
// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B (int32).

absl::Status InferQLinearConv(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const std::string where = node.Describe();
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(node));
  for (int i : {0, 3}) {
    const DType t = ctx.input_dtype(i);
    if (t != DType::kUInt8 && t != DType::kInt8) {
      return absl::UnimplementedError(absl::StrCat(where, ": input ", i, " dtype ", Name(t),
                                                   " is not supported (uint8, int8)"));
    }
  }
  for (auto [zp, of] : {std::pair{2, 0}, std::pair{5, 3}}) {
    if (ctx.has_input(zp) && ctx.input_dtype(zp) != ctx.input_dtype(of)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": zero point input ", zp, " is ",
                                                     Name(ctx.input_dtype(zp)), " but input ", of, " is ",
                                                     Name(ctx.input_dtype(of))));
    }
  }
  if (ctx.has_input(8) && ctx.input_dtype(8) != DType::kInt32) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": bias B must be int32, got ", Name(ctx.input_dtype(8))));
  }
  const DType out = ctx.has_input(7) ? ctx.input_dtype(7) : ctx.input_dtype(0);
  if (out != DType::kUInt8 && out != DType::kInt8) {
    return absl::UnimplementedError(absl::StrCat(where, ": output dtype ", Name(out), " is not supported"));
  }
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& w = ctx.input_shape(3);
  if (!x.rank_known) {
    ctx.SetOutput(0, out, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() < 3 || x.rank() > 5 || (w.rank_known && w.rank() != x.rank())) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": x must be [N, C, D...] (1 to 3 spatial dims) and w [M, C/group, k...] of the same rank, got x ",
        x.ToString(), " and w ", w.ToString()));
  }
  const int r = x.rank() - 2;
  if (w.rank_known && x[1].known() && w[1].known() && x[1].value() != w[1].value() * attrs.group) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": x has ", x[1].value(), " channels but w ",
                                                   w.ToString(), " with group ", attrs.group, " expects ",
                                                   w[1].value() * attrs.group));
  }
  std::vector<graph::Dim> dims = {x[0], w.rank_known ? w[0] : graph::Dim()};
  for (int i = 0; i < r; ++i) {
    graph::Dim k = w.rank_known ? w[2 + i] : graph::Dim();
    if (!attrs.kernel_shape.empty() && static_cast<int>(attrs.kernel_shape.size()) == r) k = attrs.kernel_shape[i];
    if (!x[2 + i].known() || !k.known()) {
      dims.emplace_back();
      continue;
    }
    SEQRT_ASSIGN_OR_RETURN(ConvDim d, ConvOutputDim(attrs, i, r, x[2 + i].value(), k.value(), where));
    dims.emplace_back(d.out);
  }
  ctx.SetOutput(0, out, graph::Shape(std::move(dims)));
  return absl::OkStatus();
}

class QLinearConvKernel : public OpKernel {
 public:
  explicit QLinearConvKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParseConvAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else status_ = attrs.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geometry_, GetConvGeometry(attrs_, ctx.input_dims(0), ctx.input_dims(3), where_));
    const int64_t m = geometry_.c_out;
    auto check_count = [&](int i, int64_t allowed, const char* what) -> absl::Status {
      if (!ctx.has_input(i)) return absl::OkStatus();
      const int64_t n = NumElements(ctx.input_dims(i));
      if (n != 1 && n != allowed) {
        return absl::InvalidArgumentError(absl::StrCat(where_, ": ", what, " has ", n, " elements, expected 1",
                                                       allowed != 1 ? absl::StrCat(" or ", allowed) : ""));
      }
      return absl::OkStatus();
    };
    SEQRT_RETURN_IF_ERROR(check_count(1, 1, "x_scale"));
    SEQRT_RETURN_IF_ERROR(check_count(2, 1, "x_zero_point"));
    SEQRT_RETURN_IF_ERROR(check_count(4, m, "w_scale"));
    SEQRT_RETURN_IF_ERROR(check_count(5, m, "w_zero_point"));
    SEQRT_RETURN_IF_ERROR(check_count(6, 1, "y_scale"));
    SEQRT_RETURN_IF_ERROR(check_count(7, 1, "y_zero_point"));
    if (ctx.has_input(8) && NumElements(ctx.input_dims(8)) != m) {
      return absl::InvalidArgumentError(absl::StrCat(where_, ": bias B has ", NumElements(ctx.input_dims(8)),
                                                     " elements, expected ", m));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitInt8(ctx.input_dtype(0), [&](auto xt) {
      return VisitInt8(ctx.input_dtype(3), [&](auto wt) {
        return VisitInt8(ctx.output_dtype(0), [&](auto yt) {
          Run<decltype(xt), decltype(wt), decltype(yt)>(ctx);
          return absl::OkStatus();
        });
      });
    });
  }

 private:
  template <typename F>
  absl::Status VisitInt8(DType t, F&& f) const {
    if (t == DType::kUInt8) return f(uint8_t{});
    if (t == DType::kInt8) return f(int8_t{});
    return absl::UnimplementedError(absl::StrCat(where_, ": dtype ", Name(t), " is not supported"));
  }

  template <typename X, typename W, typename Y>
  void Run(const ComputeContext& ctx) const {
    const ConvGeometry& g = geometry_;
    // Spatial dims padded to 3 so one loop nest serves 1-D to 3-D.
    std::array<int64_t, 3> in{1, 1, 1}, k{1, 1, 1}, out{1, 1, 1}, stride{1, 1, 1}, dil{1, 1, 1}, pad{0, 0, 0};
    const int off = 3 - g.spatial_rank();
    for (int i = 0; i < g.spatial_rank(); ++i) {
      in[off + i] = g.in[i];
      k[off + i] = g.kernel[i];
      out[off + i] = g.out[i];
      stride[off + i] = g.stride[i];
      dil[off + i] = g.dilation[i];
      pad[off + i] = g.pad_begin[i];
    }
    const X* x = ctx.input<X>(0);
    const W* w = ctx.input<W>(3);
    Y* y = ctx.output<Y>(0);
    const float x_scale = ctx.input<float>(1)[0];
    const float y_scale = ctx.input<float>(6)[0];
    const int32_t x_zero = ctx.has_input(2) ? ctx.input<X>(2)[0] : 0;
    const float y_zero = ctx.has_input(7) ? static_cast<float>(ctx.input<Y>(7)[0]) : 0.f;
    const bool w_per_channel = NumElements(ctx.input_dims(4)) != 1;
    const bool wz_per_channel = ctx.has_input(5) && NumElements(ctx.input_dims(5)) != 1;
    const int32_t* bias = ctx.has_input(8) ? ctx.input<int32_t>(8) : nullptr;
    const int64_t cg = g.c_in / g.group, mg = g.c_out / g.group;
    const int64_t in_plane = in[0] * in[1] * in[2], out_plane = out[0] * out[1] * out[2];
    const int64_t k_plane = k[0] * k[1] * k[2];
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t m = 0; m < g.c_out; ++m) {
        const X* xg = x + (n * g.c_in + (m / mg) * cg) * in_plane;
        const W* wm = w + m * cg * k_plane;
        Y* ym = y + (n * g.c_out + m) * out_plane;
        const int32_t w_zero = ctx.has_input(5) ? ctx.input<W>(5)[wz_per_channel ? m : 0] : 0;
        const float scale = x_scale * ctx.input<float>(4)[w_per_channel ? m : 0] / y_scale;
        for (int64_t od = 0; od < out[0]; ++od)
          for (int64_t oh = 0; oh < out[1]; ++oh)
            for (int64_t ow = 0; ow < out[2]; ++ow) {
              int32_t acc = bias ? bias[m] : 0;
              for (int64_t c = 0; c < cg; ++c)
                for (int64_t kd = 0; kd < k[0]; ++kd) {
                  const int64_t id = od * stride[0] - pad[0] + kd * dil[0];
                  if (id < 0 || id >= in[0]) continue;
                  for (int64_t kh = 0; kh < k[1]; ++kh) {
                    const int64_t ih = oh * stride[1] - pad[1] + kh * dil[1];
                    if (ih < 0 || ih >= in[1]) continue;
                    for (int64_t kw = 0; kw < k[2]; ++kw) {
                      const int64_t iw = ow * stride[2] - pad[2] + kw * dil[2];
                      if (iw < 0 || iw >= in[2]) continue;
                      const int32_t xv = xg[c * in_plane + (id * in[1] + ih) * in[2] + iw];
                      const int32_t wv = wm[c * k_plane + (kd * k[1] + kh) * k[2] + kw];
                      acc += (xv - x_zero) * (wv - w_zero);
                    }
                  }
                }
              ym[(od * out[1] + oh) * out[2] + ow] =
                  Saturate<Y>(std::nearbyint(static_cast<float>(acc) * scale) + y_zero);
            }
      }
    }
  }

  std::string where_;
  absl::Status status_;
  ConvAttrs attrs_;
  ConvGeometry geometry_;
};

}  // namespace

void RegisterQuantizationOps(OpRegistry& registry) {
  {
    OpSchema s;
    s.op_type = "QuantizeLinear";
    s.since_version = 10;
    s.min_inputs = 2;
    s.max_inputs = 3;
    s.infer = &InferQuantize;
    s.kernels = {&MakeKernel<QuantizeKernel>};
    registry.Register(std::move(s));
  }
  {
    OpSchema s;
    s.op_type = "DequantizeLinear";
    s.since_version = 10;
    s.min_inputs = 2;
    s.max_inputs = 3;
    s.infer = &InferDequantize;
    s.kernels = {&MakeKernel<DequantizeKernel>};
    registry.Register(std::move(s));
  }
  {
    OpSchema s;
    s.op_type = "QLinearConv";
    s.since_version = 10;
    s.min_inputs = 8;
    s.max_inputs = 9;
    s.infer = &InferQLinearConv;
    s.kernels = {&MakeKernel<QLinearConvKernel>};
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops
