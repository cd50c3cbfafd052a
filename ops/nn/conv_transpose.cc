// ConvTranspose (1-D to 3-D; group, strides, dilations, pads, auto_pad, output_padding,
// output_shape, optional bias). Shape function and reference kernel here; the oneDNN
// deconvolution kernel is listed first for float32.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/nn/conv_transpose_geometry.h"
#include "ops/nn/nn_ops.h"
#include "ops/onednn/deconv_onednn.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

absl::Status InferConvTranspose(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(ConvTransposeAttrs attrs, ParseConvTransposeAttrs(node));
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype))
    return absl::UnimplementedError(absl::StrCat(node.Describe(), " does not support dtype ",
                                                 std::string(DTypeName(dtype))));
  for (int i = 1; i < 3; ++i)
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype)
      return NodeError(node, absl::StrCat("input ", i, " has dtype ", std::string(DTypeName(ctx.input_dtype(i))),
                                          ", expected ", std::string(DTypeName(dtype)), " like X"));
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& w = ctx.input_shape(1);
  if (!x.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() < 3 || (w.rank_known && w.rank() != x.rank()))
    return NodeError(node, absl::StrCat("X must be [N, C, D...] and W [C, M/group, k...] of the same rank, got X ",
                                        x.ToString(), " and W ", w.ToString()));
  const int r = x.rank() - 2;
  std::vector<graph::Dim> out = {x[0], w.rank_known ? w[1] * graph::Dim(attrs.group) : graph::Dim()};
  for (int i = 0; i < r; ++i) {
    graph::Dim k = w.rank_known ? w[2 + i] : graph::Dim();
    if (!attrs.kernel_shape.empty() && static_cast<int>(attrs.kernel_shape.size()) == r)
      k = graph::Dim(attrs.kernel_shape[i]);
    if (!x[2 + i].known() || !k.known()) {
      out.emplace_back();
      continue;
    }
    SEQRT_ASSIGN_OR_RETURN(ConvTransposeDim d,
                           ConvTransposeOutputDim(attrs, i, r, x[2 + i].value(), k.value(), node.Describe()));
    out.emplace_back(d.out);
  }
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

// Geometry padded to three spatial dims (leading size-1 dims): one loop nest for 1-D to 3-D.
struct Deconv3d {
  std::array<int64_t, 3> in, kernel, out, stride, dilation, pad;
};

Deconv3d To3d(const ConvTransposeGeometry& g) {
  Deconv3d c;
  const int r = g.spatial_rank(), off = 3 - r;
  for (int i = 0; i < 3; ++i) {
    const bool real = i >= off;
    c.in[i] = real ? g.in[i - off] : 1;
    c.kernel[i] = real ? g.kernel[i - off] : 1;
    c.out[i] = real ? g.out[i - off] : 1;
    c.stride[i] = real ? g.stride[i - off] : 1;
    c.dilation[i] = real ? g.dilation[i - off] : 1;
    c.pad[i] = real ? g.pad_begin[i - off] : 0;
  }
  return c;
}

// Gathers, for every output element, the input taps that scatter into it, so each output
// is written once (no accumulation buffer needed for 16-bit types).
template <typename T>
void ConvTransposeTyped(const ConvTransposeGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  using C = ComputeType<T>;
  const Deconv3d d = To3d(g);
  const int64_t cg = g.c_in / g.group, mg = g.c_out / g.group;
  const int64_t in_plane = d.in[0] * d.in[1] * d.in[2];
  const int64_t out_plane = d.out[0] * d.out[1] * d.out[2];
  const int64_t k_plane = d.kernel[0] * d.kernel[1] * d.kernel[2];
  // The input position i that tap k reaches from output o, or -1.
  auto source = [](int64_t o, int64_t k, int64_t s, int64_t dil, int64_t pad, int64_t in) -> int64_t {
    const int64_t t = o + pad - k * dil;
    if (t < 0 || t % s != 0) return -1;
    const int64_t i = t / s;
    return i < in ? i : -1;
  };
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t m = 0; m < g.c_out; ++m) {
      const int64_t grp = m / mg, mi = m % mg;
      const C b = bias ? static_cast<C>(bias[m]) : C(0);
      T* ym = y + (n * g.c_out + m) * out_plane;
      for (int64_t o0 = 0; o0 < d.out[0]; ++o0)
        for (int64_t o1 = 0; o1 < d.out[1]; ++o1)
          for (int64_t o2 = 0; o2 < d.out[2]; ++o2) {
            C acc = b;
            for (int64_t k0 = 0; k0 < d.kernel[0]; ++k0) {
              const int64_t i0 = source(o0, k0, d.stride[0], d.dilation[0], d.pad[0], d.in[0]);
              if (i0 < 0) continue;
              for (int64_t k1 = 0; k1 < d.kernel[1]; ++k1) {
                const int64_t i1 = source(o1, k1, d.stride[1], d.dilation[1], d.pad[1], d.in[1]);
                if (i1 < 0) continue;
                for (int64_t k2 = 0; k2 < d.kernel[2]; ++k2) {
                  const int64_t i2 = source(o2, k2, d.stride[2], d.dilation[2], d.pad[2], d.in[2]);
                  if (i2 < 0) continue;
                  const int64_t xi = (i0 * d.in[1] + i1) * d.in[2] + i2;
                  const int64_t ki = (k0 * d.kernel[1] + k1) * d.kernel[2] + k2;
                  for (int64_t c = 0; c < cg; ++c) {
                    const int64_t ci = grp * cg + c;
                    acc += static_cast<C>(x[(n * g.c_in + ci) * in_plane + xi]) *
                           static_cast<C>(w[(ci * mg + mi) * k_plane + ki]);
                  }
                }
              }
            }
            ym[(o0 * d.out[1] + o1) * d.out[2] + o2] = static_cast<T>(acc);
          }
    }
}

class ConvTransposeKernel : public OpKernel {
 public:
  explicit ConvTransposeKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParseConvTransposeAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else init_ = attrs.status();
  }
  absl::Status init_status() const { return init_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geometry_, GetConvTransposeGeometry(attrs_, ctx.input_dims(0),
                                                               ctx.input_dims(1), where_));
    if (geometry_.spatial_rank() > 3)
      return absl::UnimplementedError(absl::StrCat(where_, ": ", geometry_.spatial_rank(),
                                                   "-D ConvTranspose is not supported (1-D to 3-D)"));
    prepared_x_ = ctx.input_dims(0);
    prepared_w_ = ctx.input_dims(1);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    ConvTransposeGeometry recomputed;
    const ConvTransposeGeometry* g = &geometry_;
    if (ctx.input_dims(0) != prepared_x_ || ctx.input_dims(1) != prepared_w_) {
      SEQRT_ASSIGN_OR_RETURN(recomputed, GetConvTransposeGeometry(attrs_, ctx.input_dims(0),
                                                                  ctx.input_dims(1), where_));
      g = &recomputed;
    }
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          ConvTransposeTyped<T>(*g, ctx.input<T>(0), ctx.input<T>(1),
                                ctx.has_input(2) ? ctx.input<T>(2) : nullptr, ctx.output<T>(0));
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  ConvTransposeAttrs attrs_;
  absl::Status init_;
  ConvTransposeGeometry geometry_;
  Dims prepared_x_, prepared_w_;
};

}  // namespace

void RegisterConvTransposeOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "ConvTranspose";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferConvTranspose;
  s.kernels = {&MakeOnednnConvTranspose, &MakeKernel<ConvTransposeKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
