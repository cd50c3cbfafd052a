// GridSample (opset 16, 4-D): samples X [N, C, H, W] at the normalized (x, y) locations of
// grid [N, Ho, Wo, 2] (-1 and 1 are the corner pixels' centers with align_corners=1, their
// outer edges otherwise), by bilinear, nearest (round half to even) or bicubic (A = -0.75)
// interpolation. Locations outside the image read zeros, the border pixels, or the image
// reflected at its edges (padding_mode zeros / border / reflection).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/tensor_util.h"
#include "ops/vision/vision_ops.h"

namespace seqrt::ops::vision {
namespace {

enum class Mode { kBilinear, kNearest, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

absl::Status ParseModes(const graph::Node& node, Mode* mode, Padding* padding) {
  const std::string m = node.attrs.GetString("mode", "bilinear");
  if (m == "bilinear" || m == "linear") *mode = Mode::kBilinear;
  else if (m == "nearest") *mode = Mode::kNearest;
  else if (m == "bicubic" || m == "cubic") *mode = Mode::kBicubic;
  else return NodeError(node, absl::StrCat("mode must be bilinear, nearest or bicubic, got '", m, "'"));
  const std::string p = node.attrs.GetString("padding_mode", "zeros");
  if (p == "zeros") *padding = Padding::kZeros;
  else if (p == "border") *padding = Padding::kBorder;
  else if (p == "reflection") *padding = Padding::kReflection;
  else return NodeError(node, absl::StrCat("padding_mode must be zeros, border or reflection, got '", p, "'"));
  return absl::OkStatus();
}

absl::Status InferGridSample(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  Mode mode;
  Padding padding;
  SEQRT_RETURN_IF_ERROR(ParseModes(node, &mode, &padding));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 1, kFloatTypes));
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& grid = ctx.input_shape(1);
  if (x.rank_known && x.rank() != 4) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": only 4-D X [N, C, H, W] is supported, got ",
                                                 x.ToString()));
  }
  if (grid.rank_known && (grid.rank() != 4 || (grid[3].known() && grid[3].value() != 2))) {
    return NodeError(node, absl::StrCat("grid must be [N, H_out, W_out, 2], got ", grid.ToString()));
  }
  const graph::Dim n = x.rank_known ? x[0] : (grid.rank_known ? grid[0] : graph::Dim());
  const graph::Dim c = x.rank_known ? x[1] : graph::Dim();
  const graph::Dim ho = grid.rank_known ? grid[1] : graph::Dim();
  const graph::Dim wo = grid.rank_known ? grid[2] : graph::Dim();
  ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape({n, c, ho, wo}));
  return absl::OkStatus();
}

// Folds a coordinate into [lo, hi] by reflecting at both ends as often as needed.
float Reflect(float v, float lo, float hi) {
  const float range = hi - lo;
  if (range <= 0) return lo;
  if (v < lo) {
    const float d = lo - v;
    const int flips = static_cast<int>(d / range);
    const float r = d - flips * range;
    return flips % 2 == 0 ? lo + r : hi - r;
  }
  if (v > hi) {
    const float d = v - hi;
    const int flips = static_cast<int>(d / range);
    const float r = d - flips * range;
    return flips % 2 == 0 ? hi - r : lo + r;
  }
  return v;
}

void CubicCoeffs(float t, float c[4]) {
  constexpr float A = -0.75f;
  const float x0 = t + 1, x1 = t, x2 = 1 - t, x3 = 2 - t;
  c[0] = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;
  c[1] = ((A + 2) * x1 - (A + 3)) * x1 * x1 + 1;
  c[2] = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
  c[3] = ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A;
}

class GridSampleKernel final : public OpKernel {
 public:
  explicit GridSampleKernel(const graph::Node& node)
      : where_(node.Describe()), align_corners_(node.attrs.GetInt("align_corners", 0) != 0) {
    status_ = ParseModes(node, &mode_, &padding_);
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    if (ctx.input_dims(1)[0] != ctx.input_dims(0)[0]) {
      return NodeError(where_, "X and grid must have the same batch size");
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto xt) -> absl::Status {
          return VisitAllowed<kFloatTypes>(
              ctx.input_dtype(1),
              [&](auto gt) -> absl::Status {
                Run<decltype(xt), decltype(gt)>(ctx);
                return absl::OkStatus();
              },
              where_);
        },
        where_);
  }

 private:
  template <typename T, typename G>
  void Run(const ComputeContext& ctx) const {
    const Dims& xd = ctx.input_dims(0);
    const Dims& gd = ctx.input_dims(1);
    const int64_t n = xd[0], channels = xd[1], h = xd[2], w = xd[3], ho = gd[1], wo = gd[2];
    const T* x = ctx.input<T>(0);
    const G* grid = ctx.input<G>(1);
    T* y = ctx.output<T>(0);
    // The extent -1..1 maps onto: pixel centers (align_corners) or pixel edges.
    const float x_min = align_corners_ ? 0.f : -0.5f, x_max = align_corners_ ? w - 1.f : w - 0.5f;
    const float y_min = align_corners_ ? 0.f : -0.5f, y_max = align_corners_ ? h - 1.f : h - 0.5f;
    auto denorm = [&](float v, int64_t len) {
      return align_corners_ ? (v + 1) / 2 * (len - 1) : ((v + 1) * len - 1) / 2;
    };
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t c = 0; c < channels; ++c) {
        const T* plane = x + (b * channels + c) * h * w;
        // A pixel by integer coordinates, padded as padding_mode says.
        auto pixel = [&](int64_t yy, int64_t xx) -> float {
          switch (padding_) {
            case Padding::kZeros:
              if (xx < 0 || xx >= w || yy < 0 || yy >= h) return 0.f;
              break;
            case Padding::kBorder:
              xx = std::clamp<int64_t>(xx, 0, w - 1);
              yy = std::clamp<int64_t>(yy, 0, h - 1);
              break;
            case Padding::kReflection:
              xx = static_cast<int64_t>(Reflect(static_cast<float>(xx), x_min, x_max));
              yy = static_cast<int64_t>(Reflect(static_cast<float>(yy), y_min, y_max));
              xx = std::clamp<int64_t>(xx, 0, w - 1);
              yy = std::clamp<int64_t>(yy, 0, h - 1);
              break;
          }
          return static_cast<float>(plane[yy * w + xx]);
        };
        for (int64_t oy = 0; oy < ho; ++oy) {
          for (int64_t ox = 0; ox < wo; ++ox) {
            const G* g = grid + ((b * ho + oy) * wo + ox) * 2;
            float fx = denorm(static_cast<float>(g[0]), w);
            float fy = denorm(static_cast<float>(g[1]), h);
            if (mode_ == Mode::kNearest) {
              fx = std::nearbyint(fx);
              fy = std::nearbyint(fy);
            }
            if (mode_ != Mode::kBicubic && (fx < x_min || fx > x_max || fy < y_min || fy > y_max)) {
              if (padding_ == Padding::kBorder) {
                fx = std::clamp(fx, 0.f, w - 1.f);
                fy = std::clamp(fy, 0.f, h - 1.f);
              } else if (padding_ == Padding::kReflection) {
                fx = Reflect(fx, x_min, x_max);
                fy = Reflect(fy, y_min, y_max);
              }
            }
            float out = 0.f;
            if (mode_ == Mode::kNearest) {
              out = pixel(static_cast<int64_t>(fy), static_cast<int64_t>(fx));
            } else if (mode_ == Mode::kBilinear) {
              const int64_t x1 = static_cast<int64_t>(std::floor(fx)), y1 = static_cast<int64_t>(std::floor(fy));
              const float dx1 = fx - x1, dx2 = 1 - dx1, dy1 = fy - y1, dy2 = 1 - dy1;
              out = dy2 * (dx2 * pixel(y1, x1) + dx1 * pixel(y1, x1 + 1)) +
                    dy1 * (dx2 * pixel(y1 + 1, x1) + dx1 * pixel(y1 + 1, x1 + 1));
            } else {
              const int64_t x0 = static_cast<int64_t>(std::floor(fx)) - 1;
              const int64_t y0 = static_cast<int64_t>(std::floor(fy)) - 1;
              float cx[4], cy[4];
              CubicCoeffs(fx - x0 - 1, cx);
              CubicCoeffs(fy - y0 - 1, cy);
              for (int i = 0; i < 4; ++i) {
                float row = 0.f;
                for (int j = 0; j < 4; ++j) row += cx[j] * pixel(y0 + i, x0 + j);
                out += cy[i] * row;
              }
            }
            y[((b * channels + c) * ho + oy) * wo + ox] = static_cast<T>(out);
          }
        }
      }
    }
  }

  std::string where_;
  bool align_corners_;
  Mode mode_ = Mode::kBilinear;
  Padding padding_ = Padding::kZeros;
  absl::Status status_;
};

}  // namespace

void RegisterGridSampleOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "GridSample";
  s.since_version = 16;
  s.min_inputs = 2;
  s.max_inputs = 2;
  s.infer = &InferGridSample;
  s.kernels = {&MakeKernel<GridSampleKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::vision
