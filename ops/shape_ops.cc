// Shape and Size: outputs computed from input 0's dims alone (its data may be absent), so
// the runtime folds them as soon as a plan knows the dims. Registers the rest of the shape
// family too (see shape_ops.h).
#include "ops/shape_ops.h"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// Shape-15 slices the dims with start/end (negative counts from the back, clamped).
struct ShapeRange {
  int begin = 0;
  int end = 0;
};

// start/end as the node asks: (0, INT64_MAX) before opset 15 or when absent.
struct ShapeSlice {
  int64_t start = 0;
  int64_t end = INT64_MAX;
  explicit ShapeSlice(const graph::Node& node) {
    if (node.opset >= 15) {
      start = node.attrs.GetInt("start", 0);
      end = node.attrs.GetInt("end", INT64_MAX);
    }
  }
};

ShapeRange ResolveShapeRange(const ShapeSlice& slice, int rank) {
  const int64_t start = slice.start;
  const int64_t end = std::min<int64_t>(slice.end, rank);
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return static_cast<int>(std::clamp<int64_t>(v, 0, rank));
  };
  ShapeRange r{clamp(start), clamp(end)};
  if (r.end < r.begin) r.end = r.begin;
  return r;
}

absl::Status InferShape(InferContext& ctx) {
  const graph::Shape& in = ctx.input_shape(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, DType::kInt64, graph::Shape({graph::Dim()}));
    return absl::OkStatus();
  }
  const ShapeRange r = ResolveShapeRange(ShapeSlice(ctx.node()), in.rank());
  ctx.SetOutput(0, DType::kInt64, graph::Shape({graph::Dim(r.end - r.begin)}));
  return absl::OkStatus();
}

class ShapeKernel : public OpKernel {
 public:
  explicit ShapeKernel(const graph::Node& node) : slice_(node) {}
  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const ShapeRange r = ResolveShapeRange(slice_, static_cast<int>(dims.size()));
    int64_t* out = ctx.output<int64_t>(0);
    for (int i = r.begin; i < r.end; ++i) out[i - r.begin] = dims[i];
    return absl::OkStatus();
  }

 private:
  ShapeSlice slice_;
};

absl::Status InferSize(InferContext& ctx) {
  ctx.SetOutput(0, DType::kInt64, graph::Shape(std::vector<graph::Dim>{}));
  return absl::OkStatus();
}

class SizeKernel : public OpKernel {
 public:
  explicit SizeKernel(const graph::Node&) {}
  absl::Status Compute(ComputeContext& ctx) const override {
    *ctx.output<int64_t>(0) = NumElements(ctx.input_dims(0));
    return absl::OkStatus();
  }
};

}  // namespace

void RegisterShapeOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Shape",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 1,
                             .infer = InferShape,
                             .kernels = {MakeKernel<ShapeKernel>},
                             .reads_only_shapes = true});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Size",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 1,
                             .infer = InferSize,
                             .kernels = {MakeKernel<SizeKernel>},
                             .reads_only_shapes = true});
  RegisterShapeViewOps(registry);
  RegisterShapeGenerateOps(registry);
}

}  // namespace seqrt::ops
