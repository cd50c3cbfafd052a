// Reference Conv: direct convolution, any group/stride/dilation/padding, 1 to 3 spatial
// dims (lower ranks run as 3-D with leading size-1 dims, so there is one loop nest).
#include "ops/reference/conv.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"

namespace seqrt::ops {
namespace {

int64_t AttrAt(const std::vector<int64_t>& v, int i, int64_t fallback) {
  return v.empty() ? fallback : v[i];
}

// A geometry padded to exactly 3 spatial dims.
struct Conv3d {
  std::array<int64_t, 3> in, kernel, out, stride, dilation, pad;
};

Conv3d To3d(const ConvGeometry& g) {
  Conv3d c;
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

template <typename T>
void ConvTyped(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  using C = ComputeType<T>;
  const Conv3d d = To3d(g);
  const int64_t cg = g.c_in / g.group, mg = g.c_out / g.group;
  const int64_t in_plane = d.in[0] * d.in[1] * d.in[2];
  const int64_t out_plane = d.out[0] * d.out[1] * d.out[2];
  const int64_t k_plane = d.kernel[0] * d.kernel[1] * d.kernel[2];
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t m = 0; m < g.c_out; ++m) {
      const int64_t grp = m / mg;
      const T* xg = x + (n * g.c_in + grp * cg) * in_plane;
      const T* wm = w + m * cg * k_plane;
      T* ym = y + (n * g.c_out + m) * out_plane;
      const C b = bias ? static_cast<C>(bias[m]) : C(0);
      for (int64_t od = 0; od < d.out[0]; ++od)
        for (int64_t oh = 0; oh < d.out[1]; ++oh)
          for (int64_t ow = 0; ow < d.out[2]; ++ow) {
            C acc = b;
            for (int64_t c = 0; c < cg; ++c) {
              const T* xc = xg + c * in_plane;
              const T* wc = wm + c * k_plane;
              for (int64_t kd = 0; kd < d.kernel[0]; ++kd) {
                const int64_t id = od * d.stride[0] - d.pad[0] + kd * d.dilation[0];
                if (id < 0 || id >= d.in[0]) continue;
                for (int64_t kh = 0; kh < d.kernel[1]; ++kh) {
                  const int64_t ih = oh * d.stride[1] - d.pad[1] + kh * d.dilation[1];
                  if (ih < 0 || ih >= d.in[1]) continue;
                  const T* xrow = xc + (id * d.in[1] + ih) * d.in[2];
                  const T* wrow = wc + (kd * d.kernel[1] + kh) * d.kernel[2];
                  for (int64_t kw = 0; kw < d.kernel[2]; ++kw) {
                    const int64_t iw = ow * d.stride[2] - d.pad[2] + kw * d.dilation[2];
                    if (iw < 0 || iw >= d.in[2]) continue;
                    acc += static_cast<C>(xrow[iw]) * static_cast<C>(wrow[kw]);
                  }
                }
              }
            }
            ym[(od * d.out[1] + oh) * d.out[2] + ow] = static_cast<T>(acc);
          }
    }
  }
}

class ConvKernel : public OpKernel {
 public:
  ConvKernel(const graph::Node& node, ConvAttrs attrs)
      : where_(node.Describe()), attrs_(std::move(attrs)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(ConvGeometry g,
                           GetConvGeometry(attrs_, ctx.input_dims(0), ctx.input_dims(1), where_));
    if (g.spatial_rank() > 3) {
      return absl::UnimplementedError(absl::StrCat(where_, ": ", g.spatial_rank(),
                                                   "-D convolution is not supported (1-D to 3-D)"));
    }
    prepared_ = std::move(g);
    prepared_x_ = ctx.input_dims(0);
    prepared_w_ = ctx.input_dims(1);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    // The geometry comes from Prepare; recomputing it (which allocates) only happens if the
    // runtime hands us other dims than it prepared for.
    ConvGeometry recomputed;
    const ConvGeometry* geometry = &prepared_;
    if (ctx.input_dims(0) != prepared_x_ || ctx.input_dims(1) != prepared_w_) {
      SEQRT_ASSIGN_OR_RETURN(recomputed, GetConvGeometry(attrs_, ctx.input_dims(0),
                                                         ctx.input_dims(1), where_));
      geometry = &recomputed;
    }
    const ConvGeometry& g = *geometry;
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          ConvTyped<T>(g, ctx.input<T>(0), ctx.input<T>(1),
                       ctx.has_input(2) ? ctx.input<T>(2) : nullptr, ctx.output<T>(0));
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  std::string where_;
  ConvAttrs attrs_;
  ConvGeometry prepared_;
  Dims prepared_x_, prepared_w_;
};

}  // namespace

absl::StatusOr<ConvAttrs> ParseConvAttrs(const graph::Node& node) {
  ConvAttrs a;
  const std::string where = node.Describe();
  const std::string pad = node.attrs.GetString("auto_pad", "NOTSET");
  if (pad == "NOTSET") a.auto_pad = AutoPad::kNotSet;
  else if (pad == "VALID") a.auto_pad = AutoPad::kValid;
  else if (pad == "SAME_UPPER") a.auto_pad = AutoPad::kSameUpper;
  else if (pad == "SAME_LOWER") a.auto_pad = AutoPad::kSameLower;
  else
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": auto_pad '", pad, "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"));
  a.group = node.attrs.GetInt("group", 1);
  if (a.group < 1) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": group must be >= 1, got ", a.group));
  }
  a.kernel_shape = node.attrs.GetInts("kernel_shape", {});
  a.pads = node.attrs.GetInts("pads", {});
  a.strides = node.attrs.GetInts("strides", {});
  a.dilations = node.attrs.GetInts("dilations", {});
  if (a.auto_pad != AutoPad::kNotSet && !a.pads.empty()) {
    for (int64_t p : a.pads) {
      if (p != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": pads [", absl::StrJoin(a.pads, ","), "] and auto_pad '", pad,
                         "' cannot both be set"));
      }
    }
  }
  for (int64_t s : a.strides)
    if (s < 1) return absl::InvalidArgumentError(absl::StrCat(where, ": strides must be >= 1"));
  for (int64_t d : a.dilations)
    if (d < 1) return absl::InvalidArgumentError(absl::StrCat(where, ": dilations must be >= 1"));
  for (int64_t p : a.pads)
    if (p < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": pads must be >= 0"));
  return a;
}

absl::StatusOr<ConvDim> ConvOutputDim(const ConvAttrs& attrs, int dim, int spatial_rank,
                                      int64_t in, int64_t kernel, std::string_view where) {
  const int64_t stride = AttrAt(attrs.strides, dim, 1);
  const int64_t dilation = AttrAt(attrs.dilations, dim, 1);
  const int64_t extent = (kernel - 1) * dilation + 1;  // receptive field of one output
  ConvDim r;
  switch (attrs.auto_pad) {
    case AutoPad::kNotSet:
      r.pad_begin = AttrAt(attrs.pads, dim, 0);
      r.pad_end = AttrAt(attrs.pads, dim + spatial_rank, 0);
      break;
    case AutoPad::kValid:
      break;
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower: {
      r.out = (in + stride - 1) / stride;
      const int64_t total = std::max<int64_t>(0, (r.out - 1) * stride + extent - in);
      // SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning.
      r.pad_begin = attrs.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      r.pad_end = total - r.pad_begin;
      return r;
    }
  }
  const int64_t span = in + r.pad_begin + r.pad_end - extent;
  if (span < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(where), ": spatial dim ", dim, " of size ", in, " (padded by ", r.pad_begin,
        "+", r.pad_end, ") is smaller than the dilated kernel extent ", extent));
  }
  r.out = span / stride + 1;
  return r;
}

absl::StatusOr<ConvGeometry> GetConvGeometry(const ConvAttrs& attrs, const Dims& x, const Dims& w,
                                             std::string_view where) {
  const std::string at(where);
  if (x.size() < 3 || w.size() != x.size()) {
    return absl::InvalidArgumentError(absl::StrCat(at, ": X must be [N, C, D...] and W [M, C/group, k...] of the same rank, got X ",
                                                   DimsToString(x), " and W ", DimsToString(w)));
  }
  const int r = static_cast<int>(x.size()) - 2;
  ConvGeometry g;
  g.n = x[0];
  g.c_in = x[1];
  g.c_out = w[0];
  g.group = attrs.group;
  if (g.c_in != w[1] * g.group || g.c_out % g.group != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": channels do not match group ", g.group, ": X has ", g.c_in, " channels, W is ",
        DimsToString(w), " (expects X channels = W[1] * group and W[0] divisible by group)"));
  }
  auto check_len = [&](const std::vector<int64_t>& v, size_t n, const char* name) -> absl::Status {
    if (!v.empty() && v.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": ", name, " has ", v.size(),
                                                     " values, expected ", n, " for ", r,
                                                     " spatial dims"));
    }
    return absl::OkStatus();
  };
  SEQRT_RETURN_IF_ERROR(check_len(attrs.kernel_shape, r, "kernel_shape"));
  SEQRT_RETURN_IF_ERROR(check_len(attrs.strides, r, "strides"));
  SEQRT_RETURN_IF_ERROR(check_len(attrs.dilations, r, "dilations"));
  SEQRT_RETURN_IF_ERROR(check_len(attrs.pads, 2 * r, "pads"));
  for (int i = 0; i < r; ++i) {
    const int64_t k = w[2 + i];
    if (!attrs.kernel_shape.empty() && attrs.kernel_shape[i] != k) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": kernel_shape [",
                                                     absl::StrJoin(attrs.kernel_shape, ","),
                                                     "] does not match W ", DimsToString(w)));
    }
    SEQRT_ASSIGN_OR_RETURN(ConvDim d, ConvOutputDim(attrs, i, r, x[2 + i], k, where));
    g.in.push_back(x[2 + i]);
    g.kernel.push_back(k);
    g.out.push_back(d.out);
    g.stride.push_back(AttrAt(attrs.strides, i, 1));
    g.dilation.push_back(AttrAt(attrs.dilations, i, 1));
    g.pad_begin.push_back(d.pad_begin);
    g.pad_end.push_back(d.pad_end);
  }
  return g;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceConv(const graph::Node& node) {
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(node));
  return std::unique_ptr<OpKernel>(std::make_unique<ConvKernel>(node, std::move(attrs)));
}

}  // namespace seqrt::ops
