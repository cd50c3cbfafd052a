// RoiAlign: for each region of interest (x1, y1, x2, y2 in input coordinates times
// spatial_scale) on image batch_indices[r], an output_height x output_width grid of bins,
// each the average (or max) of sampling_ratio² bilinear samples (adaptive ceil(roi/bin) when
// 0). coordinate_transformation_mode (opset 16) "half_pixel" shifts by half a pixel;
// "output_half_pixel" (opset 10's only behaviour) does not, and widens rois to >= 1 pixel.
// Max mode follows ONNX Runtime: each sample's value is the largest weighted corner.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/tensor_util.h"
#include "ops/vision/vision_ops.h"

namespace seqrt::ops::vision {
namespace {

bool HalfPixel(const graph::Node& node) {
  const std::string def = node.opset >= 16 ? "half_pixel" : "output_half_pixel";
  return node.attrs.GetString("coordinate_transformation_mode", def) == "half_pixel";
}

absl::Status InferRoiAlign(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  if (ctx.input_dtype(1) != ctx.input_dtype(0)) return NodeError(node, "rois must have the dtype of X");
  if (ctx.input_dtype(2) != DType::kInt64) return NodeError(node, "batch_indices must be int64");
  const std::string mode = node.attrs.GetString("mode", "avg");
  if (mode != "avg" && mode != "max") return NodeError(node, absl::StrCat("mode must be avg or max, got '", mode, "'"));
  const std::string ctm = node.attrs.GetString("coordinate_transformation_mode", "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel") {
    return NodeError(node, absl::StrCat("coordinate_transformation_mode must be half_pixel or output_half_pixel, got '",
                                        ctm, "'"));
  }
  const int64_t oh = node.attrs.GetInt("output_height", 1), ow = node.attrs.GetInt("output_width", 1);
  if (oh < 1 || ow < 1) return NodeError(node, "output_height and output_width must be >= 1");
  if (node.attrs.GetInt("sampling_ratio", 0) < 0) return NodeError(node, "sampling_ratio must be >= 0");
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& rois = ctx.input_shape(1);
  if (x.rank_known && x.rank() != 4) return NodeError(node, absl::StrCat("X must be [N, C, H, W], got ", x.ToString()));
  if (rois.rank_known && (rois.rank() != 2 || (rois[1].known() && rois[1].value() != 4))) {
    return NodeError(node, absl::StrCat("rois must be [num_rois, 4], got ", rois.ToString()));
  }
  const graph::Dim num = rois.rank_known ? rois[0] : graph::Dim();
  const graph::Dim c = x.rank_known ? x[1] : graph::Dim();
  ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape({num, c, graph::Dim(oh), graph::Dim(ow)}));
  return absl::OkStatus();
}

class RoiAlignKernel final : public OpKernel {
 public:
  explicit RoiAlignKernel(const graph::Node& node)
      : where_(node.Describe()),
        max_(node.attrs.GetString("mode", "avg") == "max"),
        half_pixel_(HalfPixel(node)),
        out_h_(node.attrs.GetInt("output_height", 1)),
        out_w_(node.attrs.GetInt("output_width", 1)),
        sampling_ratio_(node.attrs.GetInt("sampling_ratio", 0)),
        spatial_scale_(node.attrs.GetFloat("spatial_scale", 1.f)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& rois = ctx.input_dims(1);
    if (ctx.input_dims(2) != Dims{rois[0]}) {
      return NodeError(where_, absl::StrCat("batch_indices must be [", rois[0], "], one per roi"));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& xd = ctx.input_dims(0);
    const int64_t n = xd[0];
    const int64_t* batch = ctx.input<int64_t>(2);
    const int64_t num_rois = ctx.input_dims(1)[0];
    for (int64_t r = 0; r < num_rois; ++r) {
      if (batch[r] < 0 || batch[r] >= n) {
        return NodeError(where_, absl::StrCat("batch_indices[", r, "] = ", batch[r], " is outside [0, ", n, ")"));
      }
    }
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          const T* rois = ctx.input<T>(1);
          // A NaN or infinite corner would make sample positions meaningless (and indices wild).
          for (int64_t i = 0; i < num_rois * 4; ++i) {
            if (!std::isfinite(static_cast<double>(static_cast<ComputeType<T>>(rois[i])))) {
              return NodeError(where_, absl::StrCat("rois[", i / 4, "] has a non-finite coordinate"));
            }
          }
          Run<T>(ctx);
          return absl::OkStatus();
        },
        where_);
  }

 private:
  template <typename T>
  void Run(const ComputeContext& ctx) const {
    using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const Dims& xd = ctx.input_dims(0);
    const int64_t channels = xd[1], height = xd[2], width = xd[3];
    const T* x = ctx.input<T>(0);
    const T* rois = ctx.input<T>(1);
    const int64_t* batch = ctx.input<int64_t>(2);
    T* y = ctx.output<T>(0);
    const int64_t num_rois = ctx.input_dims(1)[0];
    const C offset = half_pixel_ ? C(0.5) : C(0);
    for (int64_t r = 0; r < num_rois; ++r) {
      const T* roi = rois + r * 4;
      const C x1 = static_cast<C>(roi[0]) * spatial_scale_ - offset;
      const C y1 = static_cast<C>(roi[1]) * spatial_scale_ - offset;
      const C x2 = static_cast<C>(roi[2]) * spatial_scale_ - offset;
      const C y2 = static_cast<C>(roi[3]) * spatial_scale_ - offset;
      C roi_w = x2 - x1, roi_h = y2 - y1;
      if (!half_pixel_) {
        roi_w = std::max(roi_w, C(1));
        roi_h = std::max(roi_h, C(1));
      }
      const C bin_h = roi_h / static_cast<C>(out_h_), bin_w = roi_w / static_cast<C>(out_w_);
      const int64_t grid_h = sampling_ratio_ > 0 ? sampling_ratio_ : static_cast<int64_t>(std::ceil(roi_h / out_h_));
      const int64_t grid_w = sampling_ratio_ > 0 ? sampling_ratio_ : static_cast<int64_t>(std::ceil(roi_w / out_w_));
      const C count = static_cast<C>(std::max<int64_t>(grid_h * grid_w, 1));
      for (int64_t c = 0; c < channels; ++c) {
        const T* plane = x + (batch[r] * channels + c) * height * width;
        auto v = [&](int64_t yy, int64_t xx) { return static_cast<C>(plane[yy * width + xx]); };
        for (int64_t ph = 0; ph < out_h_; ++ph) {
          for (int64_t pw = 0; pw < out_w_; ++pw) {
            C acc = 0;
            bool any = false;
            for (int64_t iy = 0; iy < grid_h; ++iy) {
              C yy = y1 + ph * bin_h + (iy + C(0.5)) * bin_h / static_cast<C>(grid_h);
              for (int64_t ix = 0; ix < grid_w; ++ix) {
                C xx = x1 + pw * bin_w + (ix + C(0.5)) * bin_w / static_cast<C>(grid_w);
                C val = 0;
                // Samples beyond one pixel outside the image contribute 0.
                if (!(yy < -1 || yy > height || xx < -1 || xx > width)) {
                  C sy = std::max(yy, C(0)), sx = std::max(xx, C(0));
                  int64_t y_lo = static_cast<int64_t>(sy), x_lo = static_cast<int64_t>(sx), y_hi, x_hi;
                  if (y_lo >= height - 1) {
                    y_hi = y_lo = height - 1;
                    sy = static_cast<C>(y_lo);
                  } else {
                    y_hi = y_lo + 1;
                  }
                  if (x_lo >= width - 1) {
                    x_hi = x_lo = width - 1;
                    sx = static_cast<C>(x_lo);
                  } else {
                    x_hi = x_lo + 1;
                  }
                  const C ly = sy - y_lo, lx = sx - x_lo, hy = 1 - ly, hx = 1 - lx;
                  const C w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx;
                  if (max_) {
                    val = std::max({w1 * v(y_lo, x_lo), w2 * v(y_lo, x_hi), w3 * v(y_hi, x_lo), w4 * v(y_hi, x_hi)});
                  } else {
                    val = w1 * v(y_lo, x_lo) + w2 * v(y_lo, x_hi) + w3 * v(y_hi, x_lo) + w4 * v(y_hi, x_hi);
                  }
                }
                if (max_) acc = any ? std::max(acc, val) : val;
                else acc += val;
                any = true;
              }
            }
            y[((r * channels + c) * out_h_ + ph) * out_w_ + pw] = static_cast<T>(max_ ? acc : acc / count);
          }
        }
      }
    }
  }

  std::string where_;
  bool max_;
  bool half_pixel_;
  int64_t out_h_, out_w_, sampling_ratio_;
  float spatial_scale_;
};

}  // namespace

void RegisterRoiAlignOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "RoiAlign";
  s.since_version = 10;
  s.min_inputs = 3;
  s.max_inputs = 3;
  s.infer = &InferRoiAlign;
  s.kernels = {&MakeKernel<RoiAlignKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::vision
