// Resize (opsets 10 to 19: nearest / linear / cubic, every coordinate_transformation_mode and
// nearest_mode, exclude_outside, cubic_coeff_a, extrapolation_value, antialias, axes,
// keep_aspect_ratio_policy, scales or sizes) and the deprecated Upsample (opsets 7 to 9).
//
// Every mode is separable: each resized axis gets, per output coordinate, a short list of
// (input index, weight) taps, computed once in Prepare; an output element is the sum over
// the tensor product of its axes' taps. Nearest has one tap per axis.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"
#include "ops/nn/nn_ops.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord {
  kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric,
  kTfHalfPixelForNn, kTfCropAndResize
};
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

struct ResizeAttrs {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  AspectPolicy policy = AspectPolicy::kStretch;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  double extrapolation = 0;
  std::vector<int64_t> axes;  // empty: all
  bool upsample = false;      // Upsample op: scales may be an attribute (opset 7)
  std::vector<float> scales_attr;
  // Input slots: Resize-10 and Upsample-9 are (X, scales); Resize-11+ is (X, roi, scales, sizes).
  int roi_input = 1, scales_input = 2, sizes_input = 3;
};

absl::StatusOr<ResizeAttrs> ParseResizeAttrs(const graph::Node& node) {
  ResizeAttrs a;
  const std::string where = node.Describe();
  const bool upsample = node.op_type == "Upsample";
  a.upsample = upsample;
  const bool legacy = upsample || node.opset < 11;
  if (legacy) {
    a.roi_input = -1;
    a.scales_input = 1;
    a.sizes_input = -1;
  }
  const std::string mode = node.attrs.GetString("mode", "nearest");
  if (mode == "nearest") a.mode = Mode::kNearest;
  else if (mode == "linear" || (upsample && mode == "bilinear")) a.mode = Mode::kLinear;
  else if (mode == "cubic" && !legacy) a.mode = Mode::kCubic;
  else return absl::InvalidArgumentError(absl::StrCat(where, ": mode '", mode, "' is not supported"));
  // Before opset 11 the only transformation was the asymmetric one, with floor for nearest.
  const std::string coord = legacy ? "asymmetric" : node.attrs.GetString("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel") a.coord = Coord::kHalfPixel;
  else if (coord == "half_pixel_symmetric") a.coord = Coord::kHalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel") a.coord = Coord::kPytorchHalfPixel;
  else if (coord == "align_corners") a.coord = Coord::kAlignCorners;
  else if (coord == "asymmetric") a.coord = Coord::kAsymmetric;
  else if (coord == "tf_half_pixel_for_nn") a.coord = Coord::kTfHalfPixelForNn;
  else if (coord == "tf_crop_and_resize") a.coord = Coord::kTfCropAndResize;
  else return absl::InvalidArgumentError(absl::StrCat(where, ": coordinate_transformation_mode '", coord, "' is unknown"));
  const std::string nearest = legacy ? "floor" : node.attrs.GetString("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor") a.nearest = Nearest::kRoundPreferFloor;
  else if (nearest == "round_prefer_ceil") a.nearest = Nearest::kRoundPreferCeil;
  else if (nearest == "floor") a.nearest = Nearest::kFloor;
  else if (nearest == "ceil") a.nearest = Nearest::kCeil;
  else return absl::InvalidArgumentError(absl::StrCat(where, ": nearest_mode '", nearest, "' is unknown"));
  const std::string policy = node.attrs.GetString("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch") a.policy = AspectPolicy::kStretch;
  else if (policy == "not_larger") a.policy = AspectPolicy::kNotLarger;
  else if (policy == "not_smaller") a.policy = AspectPolicy::kNotSmaller;
  else return absl::InvalidArgumentError(absl::StrCat(where, ": keep_aspect_ratio_policy '", policy, "' is unknown"));
  a.cubic_a = node.attrs.GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = node.attrs.GetInt("exclude_outside", 0) != 0;
  a.antialias = node.attrs.GetInt("antialias", 0) != 0;
  a.extrapolation = node.attrs.GetFloat("extrapolation_value", 0.0f);
  a.axes = node.attrs.GetInts("axes", {});
  if (upsample && node.opset < 9) {
    a.scales_attr = node.attrs.GetFloats("scales", {});
    a.scales_input = -1;
  }
  return a;
}

// Scales, sizes and roi as far as known now. A missing or empty input is absent.
struct ResizeParams {
  std::optional<std::vector<double>> scales, roi;  // per input axis after applying `axes`
  std::optional<std::vector<int64_t>> sizes;
  bool unknown = false;  // a present input whose data is not known yet
};

bool PresentNonEmpty(const InferContext& ctx, int i) {
  if (i < 0 || !ctx.has_input(i)) return false;
  const graph::Shape& s = ctx.input_shape(i);
  std::optional<int64_t> n = s.NumElements();
  return !(n && *n == 0);
}

absl::StatusOr<std::vector<double>> ReadFloats(const graph::Node& node, const Tensor& t, const char* what) {
  std::vector<double> out(t.num_elements());
  switch (t.dtype()) {
    case DType::kFloat: for (size_t i = 0; i < out.size(); ++i) out[i] = t.data_as<float>()[i]; break;
    case DType::kDouble: for (size_t i = 0; i < out.size(); ++i) out[i] = t.data_as<double>()[i]; break;
    case DType::kFloat16: for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(t.data_as<Float16>()[i]); break;
    default:
      return NodeError(node, absl::StrCat(what, " must be a float tensor, got ", std::string(DTypeName(t.dtype()))));
  }
  return out;
}

// Spreads per-listed-axis values over all `rank` axes (others get `fill`).
template <typename V>
absl::StatusOr<std::vector<V>> OverAxes(const graph::Node& node, const std::vector<int64_t>& axes,
                                        std::vector<V> values, int rank, V fill, const char* what) {
  if (axes.empty()) {
    if (static_cast<int>(values.size()) != rank)
      return NodeError(node, absl::StrCat(what, " has ", values.size(), " values for a rank-", rank, " input"));
    return values;
  }
  if (values.size() != axes.size())
    return NodeError(node, absl::StrCat(what, " has ", values.size(), " values for ", axes.size(), " axes"));
  std::vector<V> out(rank, fill);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = graph::NormalizeAxis(axes[i], rank, "axes");
    if (!axis.ok()) return WithNode(node, axis.status());
    out[*axis] = values[i];
  }
  return out;
}

absl::StatusOr<ResizeParams> GetParams(const InferContext& ctx, const ResizeAttrs& a, int rank) {
  const graph::Node& node = ctx.node();
  ResizeParams p;
  if (!a.scales_attr.empty()) {
    std::vector<double> s(a.scales_attr.begin(), a.scales_attr.end());
    SEQRT_ASSIGN_OR_RETURN(p.scales, OverAxes(node, {}, std::move(s), rank, 1.0, "scales"));
  }
  if (PresentNonEmpty(ctx, a.scales_input)) {
    if (const Tensor* t = ctx.input_constant(a.scales_input)) {
      SEQRT_ASSIGN_OR_RETURN(std::vector<double> s, ReadFloats(node, *t, "scales"));
      SEQRT_ASSIGN_OR_RETURN(p.scales, OverAxes(node, a.axes, std::move(s), rank, 1.0, "scales"));
      for (double v : *p.scales)
        if (!(v > 0)) return NodeError(node, "scales must be positive");
    } else {
      p.unknown = true;
    }
  }
  if (PresentNonEmpty(ctx, a.sizes_input)) {
    SEQRT_ASSIGN_OR_RETURN(auto s, ConstantInts(ctx, a.sizes_input, "sizes"));
    if (s) {
      SEQRT_ASSIGN_OR_RETURN(p.sizes, OverAxes<int64_t>(node, a.axes, *s, rank, -1, "sizes"));
    } else {
      p.unknown = true;
    }
  }
  if (a.coord == Coord::kTfCropAndResize && PresentNonEmpty(ctx, a.roi_input)) {
    if (const Tensor* t = ctx.input_constant(a.roi_input)) {
      SEQRT_ASSIGN_OR_RETURN(std::vector<double> r, ReadFloats(node, *t, "roi"));
      if (a.axes.empty()) {
        if (static_cast<int>(r.size()) != 2 * rank)
          return NodeError(node, absl::StrCat("roi has ", r.size(), " values, expected ", 2 * rank));
        p.roi = std::move(r);
      } else {
        const size_t n = a.axes.size();
        if (r.size() != 2 * n) return NodeError(node, absl::StrCat("roi has ", r.size(), " values, expected ", 2 * n));
        std::vector<double> full(2 * rank);
        for (int i = 0; i < rank; ++i) full[i] = 0, full[rank + i] = 1;
        for (size_t i = 0; i < n; ++i) {
          auto axis = graph::NormalizeAxis(a.axes[i], rank, "axes");
          if (!axis.ok()) return WithNode(node, axis.status());
          full[*axis] = r[i];
          full[rank + *axis] = r[n + i];
        }
        p.roi = std::move(full);
      }
    } else {
      p.unknown = true;
    }
  }
  if (!p.unknown && !p.scales && !p.sizes)
    return NodeError(node, "needs scales or sizes (one of them non-empty)");
  if (p.scales && p.sizes) return NodeError(node, "scales and sizes cannot both be given");
  return p;
}

// Output sizes and the scale each axis' coordinate transform uses.
absl::Status OutputGeometry(const graph::Node& node, const ResizeAttrs& a, const ResizeParams& p,
                            const Dims& in, std::vector<int64_t>* out, std::vector<double>* scale) {
  const int rank = static_cast<int>(in.size());
  out->assign(rank, 0);
  scale->assign(rank, 1.0);
  if (p.scales) {
    for (int i = 0; i < rank; ++i) {
      (*scale)[i] = (*p.scales)[i];
      (*out)[i] = static_cast<int64_t>(std::floor(static_cast<double>(in[i]) * (*scale)[i]));
    }
    return absl::OkStatus();
  }
  const std::vector<int64_t>& sizes = *p.sizes;
  if (a.policy == AspectPolicy::kStretch) {
    for (int i = 0; i < rank; ++i) {
      (*out)[i] = sizes[i] < 0 ? in[i] : sizes[i];
      (*scale)[i] = in[i] ? static_cast<double>((*out)[i]) / static_cast<double>(in[i]) : 1.0;
    }
    return absl::OkStatus();
  }
  // keep_aspect_ratio_policy: one scale for every listed axis, the smallest or largest.
  double s = a.policy == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity() : 0.0;
  for (int i = 0; i < rank; ++i) {
    if (sizes[i] < 0) continue;  // an axis not listed in `axes`
    const double r = static_cast<double>(sizes[i]) / static_cast<double>(in[i]);
    s = a.policy == AspectPolicy::kNotLarger ? std::min(s, r) : std::max(s, r);
  }
  for (int i = 0; i < rank; ++i) {
    if (sizes[i] < 0) {
      (*out)[i] = in[i];
      continue;
    }
    (*scale)[i] = s;
    (*out)[i] = static_cast<int64_t>(std::floor(s * static_cast<double>(in[i]) + 0.5));
  }
  (void)node;
  return absl::OkStatus();
}

absl::Status InferResize(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(ResizeAttrs a, ParseResizeAttrs(node));
  const DType dtype = ctx.input_dtype(0);
  if (dtype == DType::kBool || !IsSupportedDType(dtype))
    return absl::UnimplementedError(absl::StrCat(node.Describe(), " does not support dtype ", std::string(DTypeName(dtype))));
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(ResizeParams p, GetParams(ctx, a, x.rank()));
  if (p.unknown || !x.fully_known()) {
    std::vector<graph::Dim> out(x.rank());
    // Axes that are not resized keep their size.
    if (p.scales)
      for (int i = 0; i < x.rank(); ++i) if ((*p.scales)[i] == 1.0) out[i] = x[i];
    ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
    return absl::OkStatus();
  }
  std::vector<int64_t> out;
  std::vector<double> scale;
  SEQRT_RETURN_IF_ERROR(OutputGeometry(node, a, p, x.ToDims(), &out, &scale));
  ctx.SetOutput(0, dtype, graph::Shape::FromDims(Dims(out.begin(), out.end())));
  return absl::OkStatus();
}

// ---- taps ---------------------------------------------------------------------------

struct AxisTaps {
  // For output coordinate o: taps [begin[o], begin[o+1]) of index/weight; outside[o] when a
  // tf_crop_and_resize coordinate falls outside the input (the element is extrapolated).
  std::vector<int64_t> begin, index;
  std::vector<double> weight;
  std::vector<bool> outside;
};

double CubicWeight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

double OriginalCoordinate(const ResizeAttrs& a, int64_t o, double scale, int64_t in, int64_t out,
                          double roi_start, double roi_end) {
  const double x = static_cast<double>(o);
  const double fin = static_cast<double>(in);
  switch (a.coord) {
    case Coord::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case Coord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out) / (scale * fin);
      const double offset = fin / 2 * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case Coord::kPytorchHalfPixel: return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case Coord::kAlignCorners: {
      // The resized length is in * scale before flooring (the ONNX test data is built so).
      const double resized = fin * scale;
      return out == 1 ? 0.0 : x * (fin - 1) / (resized - 1);
    }
    case Coord::kAsymmetric: return x / scale;
    case Coord::kTfHalfPixelForNn: return (x + 0.5) / scale;
    case Coord::kTfCropAndResize:
      return out > 1 ? roi_start * (fin - 1) + x * (roi_end - roi_start) * (fin - 1) / static_cast<double>(out - 1)
                     : 0.5 * (roi_start + roi_end) * (fin - 1);
  }
  return 0;
}

int64_t NearestIndex(Nearest mode, double x, bool downsampling) {
  switch (mode) {
    case Nearest::kRoundPreferFloor:
      return (x == std::floor(x) + 0.5) ? static_cast<int64_t>(std::floor(x)) : static_cast<int64_t>(std::round(x));
    case Nearest::kRoundPreferCeil: return static_cast<int64_t>(std::round(x));
    case Nearest::kFloor: return static_cast<int64_t>(std::floor(x));
    case Nearest::kCeil: return static_cast<int64_t>(std::ceil(x));
  }
  (void)downsampling;
  return 0;
}

AxisTaps MakeTaps(const ResizeAttrs& a, int64_t in, int64_t out, double scale, double roi_start,
                  double roi_end) {
  AxisTaps t;
  t.begin.push_back(0);
  auto add = [&](int64_t i, double w) {
    t.index.push_back(i);
    t.weight.push_back(w);
  };
  for (int64_t o = 0; o < out; ++o) {
    double x = OriginalCoordinate(a, o, scale, in, out, roi_start, roi_end);
    bool outside = false;
    if (a.coord == Coord::kTfCropAndResize && (x < 0 || x > static_cast<double>(in - 1))) outside = true;
    if (outside) {
      t.outside.push_back(true);
      t.begin.push_back(static_cast<int64_t>(t.index.size()));
      continue;
    }
    t.outside.push_back(false);
    if (a.mode == Mode::kNearest) {
      int64_t i = NearestIndex(a.nearest, x, scale < 1);
      add(std::clamp<int64_t>(i, 0, in - 1), 1.0);
    } else if (a.antialias && scale < 1) {
      // Downsampling with antialias: the interpolation kernel stretched by 1/scale, taps
      // outside the input dropped and the weights renormalized.
      const double support = (a.mode == Mode::kLinear ? 1.0 : 2.0) / scale;
      const int64_t lo = static_cast<int64_t>(std::ceil(x - support));
      const int64_t hi = static_cast<int64_t>(std::floor(x + support));
      const size_t first = t.index.size();
      double sum = 0;
      for (int64_t i = lo; i <= hi; ++i) {
        const double d = (static_cast<double>(i) - x) * scale;
        const double w = a.mode == Mode::kLinear ? std::max(0.0, 1 - std::fabs(d)) : CubicWeight(d, a.cubic_a);
        if (w == 0 || i < 0 || i >= in) continue;
        add(i, w);
        sum += w;
      }
      if (sum != 0)
        for (size_t k = first; k < t.weight.size(); ++k) t.weight[k] /= sum;
    } else if (a.mode == Mode::kLinear) {
      x = std::clamp(x, 0.0, static_cast<double>(in - 1));
      const int64_t i0 = static_cast<int64_t>(std::floor(x));
      const int64_t i1 = std::min(i0 + 1, in - 1);
      const double f = x - static_cast<double>(i0);
      add(i0, 1 - f);
      if (f != 0) add(i1, f);
    } else {
      const int64_t i0 = static_cast<int64_t>(std::floor(x));
      const double f = x - static_cast<double>(i0);
      const size_t first = t.index.size();
      double sum = 0;
      for (int64_t k = -1; k <= 2; ++k) {
        const int64_t i = i0 + k;
        double w = CubicWeight(f - static_cast<double>(k), a.cubic_a);
        if (a.exclude_outside && (i < 0 || i >= in)) w = 0;
        if (w == 0) continue;
        add(std::clamp<int64_t>(i, 0, in - 1), w);
        sum += w;
      }
      if (a.exclude_outside && sum != 0)
        for (size_t k = first; k < t.weight.size(); ++k) t.weight[k] /= sum;
    }
    t.begin.push_back(static_cast<int64_t>(t.index.size()));
  }
  return t;
}

template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_integral_v<T>) {
    v = std::nearbyint(v);
    v = std::clamp(v, static_cast<double>(std::numeric_limits<T>::lowest()),
                   static_cast<double>(std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  } else {
    return static_cast<T>(static_cast<ComputeType<T>>(v));
  }
}

class ResizeKernel : public OpKernel {
 public:
  explicit ResizeKernel(const graph::Node& node) : node_(node), where_(node.Describe()) {
    auto attrs = ParseResizeAttrs(node);
    if (attrs.ok()) attrs_ = *std::move(attrs);
    else init_ = attrs.status();
  }
  absl::Status init_status() const { return init_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    // The same facts the shape function saw, now with every dim known.
    std::vector<InferContext::InputFacts> facts(ctx.num_inputs());
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      facts[i].present = true;
      facts[i].dtype = ctx.input_dtype(i);
      facts[i].shape = graph::Shape::FromDims(ctx.input_dims(i));
      facts[i].constant = ctx.input_constant(i);
    }
    InferContext ictx(node_, std::move(facts), 1);
    const Dims& in = ctx.input_dims(0);
    SEQRT_ASSIGN_OR_RETURN(ResizeParams p, GetParams(ictx, attrs_, static_cast<int>(in.size())));
    if (p.unknown) {
      return absl::UnimplementedError(absl::StrCat(
          where_, ": scales, sizes and roi must be known when the node is prepared"));
    }
    std::vector<int64_t> out;
    std::vector<double> scale;
    SEQRT_RETURN_IF_ERROR(OutputGeometry(node_, attrs_, p, in, &out, &scale));
    if (Dims(out.begin(), out.end()) != ctx.output_dims(0))
      return absl::InternalError(absl::StrCat(where_, ": output dims changed between inference and Prepare"));
    const int rank = static_cast<int>(in.size());
    taps_.clear();
    for (int i = 0; i < rank; ++i) {
      const double rs = p.roi ? (*p.roi)[i] : 0.0, re = p.roi ? (*p.roi)[rank + i] : 1.0;
      taps_.push_back(MakeTaps(attrs_, in[i], out[i], scale[i], rs, re));
    }
    prepared_in_ = in;
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    if (ctx.input_dims(0) != prepared_in_)
      return absl::InternalError(absl::StrCat(where_, ": run with other dims than prepared"));
    const Dims& in = ctx.input_dims(0);
    const Dims& out = ctx.output_dims(0);
    const int rank = static_cast<int>(in.size());
    const SmallInts in_strides = RowMajorStrides(in);
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, bool>) {
            return absl::UnimplementedError(absl::StrCat(where_, " does not support bool"));
          } else {
            const T* x = ctx.input<T>(0);
            T* y = ctx.output<T>(0);
            const int64_t total = NumElements(out);
            SmallInts coord(rank, 0), tap(rank, 0);
            for (int64_t e = 0; e < total; ++e) {
              bool outside = false;
              for (int d = 0; d < rank; ++d) outside = outside || taps_[d].outside[coord[d]];
              double acc = 0;
              if (outside) {
                acc = attrs_.extrapolation;
              } else {
                // Odometer over the tensor product of the axes' taps.
                for (int d = 0; d < rank; ++d) tap[d] = taps_[d].begin[coord[d]];
                while (true) {
                  double w = 1;
                  int64_t at = 0;
                  for (int d = 0; d < rank; ++d) {
                    w *= taps_[d].weight[tap[d]];
                    at += taps_[d].index[tap[d]] * in_strides[d];
                  }
                  acc += w * static_cast<double>(static_cast<ComputeType<T>>(x[at]));
                  int d = rank - 1;
                  for (; d >= 0; --d) {
                    if (++tap[d] < taps_[d].begin[coord[d] + 1]) break;
                    tap[d] = taps_[d].begin[coord[d]];
                  }
                  if (d < 0) break;
                }
              }
              y[e] = FromDouble<T>(acc);
              for (int d = rank - 1; d >= 0; --d) {
                if (++coord[d] < out[d]) break;
                coord[d] = 0;
              }
            }
            return absl::OkStatus();
          }
        },
        kNumericTypes, where_);
  }

 private:
  const graph::Node& node_;  // owned by the graph, which outlives the kernel
  std::string where_;
  ResizeAttrs attrs_;
  absl::Status init_;
  std::vector<AxisTaps> taps_;
  Dims prepared_in_;
};

}  // namespace

void RegisterResizeOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Resize";
  s.since_version = 10;
  s.min_inputs = 1;
  s.max_inputs = 4;
  s.infer = &InferResize;
  s.kernels = {&MakeKernel<ResizeKernel>};
  registry.Register(s);
  s.op_type = "Upsample";
  s.since_version = 7;
  s.until_version = 9;
  s.max_inputs = 2;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
