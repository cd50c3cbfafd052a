// NonMaxSuppression: per batch and class, greedily keeps the highest-scoring boxes whose IoU
// with every box kept before is at most iou_threshold, dropping scores not above
// score_threshold, at most max_output_boxes_per_class each. Output: int64 [selected, 3] of
// (batch, class, box). Boxes are corners [y1, x1, y2, x2] in either order (center_point_box=0)
// or [x_center, y_center, width, height] (1). The count is known only from the data, so the
// kernel allocates its output.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/tensor_util.h"
#include "ops/vision/vision_ops.h"
#include "ops/tensors_as_values.h"

namespace seqrt::ops::vision {
namespace {

absl::Status InferNonMaxSuppression(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const int64_t center = node.attrs.GetInt("center_point_box", 0);
  if (center != 0 && center != 1) return NodeError(node, absl::StrCat("center_point_box must be 0 or 1, got ", center));
  for (int i : {0, 1}) {
    if (ctx.input_dtype(i) != DType::kFloat) {
      return absl::UnimplementedError(absl::StrCat(node.Describe(), ": input ", i, " must be float, got ",
                                                   std::string(DTypeName(ctx.input_dtype(i)))));
    }
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != DType::kInt64) {
    return NodeError(node, "max_output_boxes_per_class must be int64");
  }
  for (int i : {3, 4}) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return NodeError(node, "thresholds must be float");
  }
  const graph::Shape& boxes = ctx.input_shape(0);
  const graph::Shape& scores = ctx.input_shape(1);
  if (boxes.rank_known && (boxes.rank() != 3 || (boxes[2].known() && boxes[2].value() != 4))) {
    return NodeError(node, absl::StrCat("boxes must be [batches, boxes, 4], got ", boxes.ToString()));
  }
  if (scores.rank_known && scores.rank() != 3) {
    return NodeError(node, absl::StrCat("scores must be [batches, classes, boxes], got ", scores.ToString()));
  }
  ctx.SetOutput(0, DType::kInt64, graph::Shape({graph::Dim(), graph::Dim(3)}));
  return absl::OkStatus();
}

struct Box {
  float y1, x1, y2, x2;  // y1 <= y2, x1 <= x2
  float area() const { return (y2 - y1) * (x2 - x1); }
};

Box ReadBox(const float* b, bool center) {
  if (center) {
    const float xc = b[0], yc = b[1], w = b[2], h = b[3];
    return {yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2};
  }
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

float IoU(const Box& a, const Box& b) {
  const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (ih <= 0 || iw <= 0) return 0.f;
  const float inter = ih * iw;
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

class NonMaxSuppressionKernel final : public OpKernel {
 public:
  explicit NonMaxSuppressionKernel(const graph::Node& node)
      : where_(node.Describe()), center_(node.attrs.GetInt("center_point_box", 0) == 1) {}

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("NonMaxSuppression runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const Dims& bd = ctx.input_dims(0);
    const Dims& sd = ctx.input_dims(1);
    if (bd.size() != 3 || bd[2] != 4 || sd.size() != 3 || sd[0] != bd[0] || sd[2] != bd[1]) {
      return NodeError(where_, absl::StrCat("boxes ", graph::Shape::FromDims(bd).ToString(), " and scores ",
                                            graph::Shape::FromDims(sd).ToString(),
                                            " must be [batches, boxes, 4] and [batches, classes, boxes]"));
    }
    auto scalar = [&](int i, auto fallback) {
      using T = decltype(fallback);
      if (!ctx.has_input(i) || NumElements(ctx.input_dims(i)) == 0) return fallback;
      return ctx.input<T>(i)[0];
    };
    const int64_t max_per_class = scalar(2, int64_t{0});
    const float iou_threshold = scalar(3, 0.f);
    const bool has_score_threshold = ctx.has_input(4) && NumElements(ctx.input_dims(4)) > 0;
    const float score_threshold = scalar(4, 0.f);
    const int64_t batches = bd[0], n = bd[1], classes = sd[1];
    const float* boxes = ctx.input<float>(0);
    const float* scores = ctx.input<float>(1);
    std::vector<int64_t> selected;  // (batch, class, box) triples
    std::vector<int64_t> order;
    std::vector<Box> kept;
    for (int64_t b = 0; b < batches && max_per_class > 0; ++b) {
      for (int64_t c = 0; c < classes; ++c) {
        const float* s = scores + (b * classes + c) * n;
        order.clear();
        for (int64_t i = 0; i < n; ++i)
          if (!has_score_threshold || s[i] > score_threshold) order.push_back(i);
        // Highest score first; equal scores keep box order.
        std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return s[x] > s[y]; });
        kept.clear();
        for (int64_t i : order) {
          if (static_cast<int64_t>(kept.size()) >= max_per_class) break;
          const Box box = ReadBox(boxes + (b * n + i) * 4, center_);
          bool suppressed = false;
          for (const Box& k : kept)
            if (IoU(box, k) > iou_threshold) {
              suppressed = true;
              break;
            }
          if (suppressed) continue;
          kept.push_back(box);
          selected.insert(selected.end(), {b, c, i});
        }
      }
    }
    std::vector<Tensor> out;
    out.emplace_back(DType::kInt64, Dims{static_cast<int64_t>(selected.size() / 3), 3});
    std::copy(selected.begin(), selected.end(), out[0].data_as<int64_t>());
    return TensorsAsValues(std::move(out));
  }

 private:
  std::string where_;
  bool center_;
};

}  // namespace

void RegisterNonMaxSuppressionOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "NonMaxSuppression";
  s.since_version = 10;
  s.min_inputs = 2;
  s.max_inputs = 5;
  s.infer = &InferNonMaxSuppression;
  s.kernels = {&MakeKernel<NonMaxSuppressionKernel>};
  s.allocates_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::vision
