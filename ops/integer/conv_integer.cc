// ConvInteger: convolution of zero-point-shifted 8-bit operands, int32 output (1 to 3 spatial
// dims; the Conv attributes and geometry of ops/reference/conv.h). x_zero_point is one value;
// w_zero_point one value or one per output channel.
#include <array>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/integer/integer_ops.h"
#include "ops/reference/conv.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::integer {
namespace {

absl::Status InferConvInteger(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(node));
  for (int i : {0, 1}) {
    if (!IsInt8Type(ctx.input_dtype(i))) {
      return absl::UnimplementedError(absl::StrCat(node.Describe(), ": input ", i, " dtype ",
                                                   std::string(DTypeName(ctx.input_dtype(i))),
                                                   " is not supported (uint8, int8)"));
    }
  }
  for (auto [zp, of] : {std::pair{2, 0}, std::pair{3, 1}}) {
    if (ctx.has_input(zp) && ctx.input_dtype(zp) != ctx.input_dtype(of)) {
      return NodeError(node, absl::StrCat("zero point input ", zp, " must have the dtype of input ", of));
    }
  }
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& w = ctx.input_shape(1);
  if (!x.rank_known) {
    ctx.SetOutput(0, DType::kInt32, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() < 3 || x.rank() > 5 || (w.rank_known && w.rank() != x.rank())) {
    return NodeError(node, absl::StrCat("x must be [N, C, D...] (1 to 3 spatial dims) and w [M, C/group, k...] "
                                        "of the same rank, got x ", x.ToString(), " and w ", w.ToString()));
  }
  const int r = x.rank() - 2;
  if (w.rank_known && x[1].known() && w[1].known() && x[1].value() != w[1].value() * attrs.group) {
    return NodeError(node, absl::StrCat("x has ", x[1].value(), " channels but w ", w.ToString(), " with group ",
                                        attrs.group, " expects ", w[1].value() * attrs.group));
  }
  std::vector<graph::Dim> dims = {x[0], w.rank_known ? w[0] : graph::Dim()};
  for (int i = 0; i < r; ++i) {
    graph::Dim k = w.rank_known ? w[2 + i] : graph::Dim();
    if (static_cast<int>(attrs.kernel_shape.size()) == r) k = attrs.kernel_shape[i];
    if (!x[2 + i].known() || !k.known()) {
      dims.emplace_back();
      continue;
    }
    SEQRT_ASSIGN_OR_RETURN(ConvDim d, ConvOutputDim(attrs, i, r, x[2 + i].value(), k.value(), node.Describe()));
    dims.emplace_back(d.out);
  }
  ctx.SetOutput(0, DType::kInt32, graph::Shape(std::move(dims)));
  return absl::OkStatus();
}

class ConvIntegerKernel final : public OpKernel {
 public:
  explicit ConvIntegerKernel(const graph::Node& node) : where_(node.Describe()) {
    auto attrs = ParseConvAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else status_ = attrs.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geometry_, GetConvGeometry(attrs_, ctx.input_dims(0), ctx.input_dims(1), where_));
    if (ctx.has_input(2) && NumElements(ctx.input_dims(2)) != 1) {
      return NodeError(where_, "x_zero_point must hold one value");
    }
    if (ctx.has_input(3)) {
      const int64_t n = NumElements(ctx.input_dims(3));
      if (n != 1 && n != geometry_.c_out) {
        return NodeError(where_, absl::StrCat("w_zero_point has ", n, " elements, expected 1 or ", geometry_.c_out));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitInt8(ctx.input_dtype(0), where_, [&](auto xt) {
      return VisitInt8(ctx.input_dtype(1), where_, [&](auto wt) {
        Run<decltype(xt), decltype(wt)>(ctx);
        return absl::OkStatus();
      });
    });
  }

 private:
  template <typename X, typename W>
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
    const W* w = ctx.input<W>(1);
    int32_t* y = ctx.output<int32_t>(0);
    const int32_t x_zero = ctx.has_input(2) ? ctx.input<X>(2)[0] : 0;
    const bool wz_per_channel = ctx.has_input(3) && NumElements(ctx.input_dims(3)) != 1;
    const int64_t cg = g.c_in / g.group, mg = g.c_out / g.group;
    const int64_t in_plane = in[0] * in[1] * in[2], out_plane = out[0] * out[1] * out[2];
    const int64_t k_plane = k[0] * k[1] * k[2];
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t m = 0; m < g.c_out; ++m) {
        const X* xg = x + (n * g.c_in + (m / mg) * cg) * in_plane;
        const W* wm = w + m * cg * k_plane;
        int32_t* ym = y + (n * g.c_out + m) * out_plane;
        const int32_t w_zero = ctx.has_input(3) ? ctx.input<W>(3)[wz_per_channel ? m : 0] : 0;
        for (int64_t od = 0; od < out[0]; ++od)
          for (int64_t oh = 0; oh < out[1]; ++oh)
            for (int64_t ow = 0; ow < out[2]; ++ow) {
              int32_t acc = 0;
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
                      // Padding holds the zero point, so padded taps contribute nothing.
                      const int32_t xv = xg[c * in_plane + (id * in[1] + ih) * in[2] + iw];
                      const int32_t wv = wm[c * k_plane + (kd * k[1] + kh) * k[2] + kw];
                      acc += (xv - x_zero) * (wv - w_zero);
                    }
                  }
                }
              ym[(od * out[1] + oh) * out[2] + ow] = acc;
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

void RegisterConvIntegerOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "ConvInteger";
  s.since_version = 10;
  s.min_inputs = 2;
  s.max_inputs = 4;
  s.infer = &InferConvInteger;
  s.kernels = {&MakeKernel<ConvIntegerKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::integer
