// DepthToSpace and SpaceToDepth: move blocksize x blocksize pixel blocks between the channel
// axis and the spatial axes of an NCHW tensor. DepthToSpace reads channels depth-column-row
// (DCR, default) or column-row-depth (CRD, opset 11+); SpaceToDepth is DCR's inverse. Any
// dtype: elements move by size.
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::tensor {
namespace {

bool IsDepthToSpace(const graph::Node& node) { return node.op_type == "DepthToSpace"; }

absl::Status InferDepthSpace(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(MovableElementSize(node, ctx.input_dtype(0)).status());
  const int64_t b = node.attrs.GetInt("blocksize", 0);
  if (b < 1) return NodeError(node, absl::StrCat("blocksize must be >= 1, got ", b));
  const std::string mode = node.attrs.GetString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") {
    return NodeError(node, absl::StrCat("mode must be DCR or CRD, got '", mode, "'"));
  }
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, ctx.input_dtype(0), x);
    return absl::OkStatus();
  }
  if (x.rank() != 4) return NodeError(node, absl::StrCat("input must be 4-D NCHW, got ", x.ToString()));
  graph::Shape out = x;
  auto known = [](const graph::Dim& d) { return d.known(); };
  if (IsDepthToSpace(node)) {
    if (known(x[1])) {
      if (x[1].value() % (b * b) != 0) {
        return NodeError(node, absl::StrCat("channels ", x[1].value(), " are not a multiple of blocksize² ", b * b));
      }
      out[1] = graph::Dim(x[1].value() / (b * b));
    }
    out[2] = x[2] * graph::Dim(b);
    out[3] = x[3] * graph::Dim(b);
  } else {
    for (int d = 2; d < 4; ++d) {
      if (known(x[d])) {
        if (x[d].value() % b != 0) {
          return NodeError(node, absl::StrCat("spatial dim ", d, " (", x[d].value(),
                                              ") is not a multiple of blocksize ", b));
        }
        out[d] = graph::Dim(x[d].value() / b);
      } else {
        out[d] = graph::Dim();
      }
    }
    out[1] = x[1] * graph::Dim(b * b);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

class DepthSpaceKernel final : public OpKernel {
 public:
  explicit DepthSpaceKernel(const graph::Node& node)
      : to_space_(IsDepthToSpace(node)),
        crd_(node.attrs.GetString("mode", "DCR") == "CRD"),
        b_(node.attrs.GetInt("blocksize", 1)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    // Both directions walk the space-side (big H, W) tensor and pair each pixel with its
    // depth-side element: space[n][c][h*b+i][w*b+j] <-> depth[n][ch][h][w], where
    // ch = (i*b + j)*C + c for DCR and c*b*b + i*b + j for CRD.
    const Dims& space = to_space_ ? ctx.output_dims(0) : ctx.input_dims(0);
    const Dims& depth = to_space_ ? ctx.input_dims(0) : ctx.output_dims(0);
    const int64_t n = space[0], c = space[1], hs = space[2], ws = space[3];
    const int64_t cd = depth[1], hd = depth[2], wd = depth[3];
    const int64_t b = b_;
    VisitElementSize(DTypeSize(ctx.input_dtype(0)), [&](auto tag) {
      using E = decltype(tag);
      const E* in = ctx.input<E>(0);
      E* out = ctx.output<E>(0);
      for (int64_t ni = 0; ni < n; ++ni)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t y = 0; y < hs; ++y)
            for (int64_t x = 0; x < ws; ++x) {
              const int64_t i = y % b, j = x % b, h = y / b, w = x / b;
              const int64_t ch = crd_ ? ci * b * b + i * b + j : (i * b + j) * c + ci;
              const int64_t s = ((ni * c + ci) * hs + y) * ws + x;
              const int64_t d = ((ni * cd + ch) * hd + h) * wd + w;
              if (to_space_) out[s] = in[d];
              else out[d] = in[s];
            }
    });
    return absl::OkStatus();
  }

 private:
  bool to_space_;
  bool crd_;
  int64_t b_;
};

}  // namespace

void RegisterDepthSpaceOps(OpRegistry& registry) {
  for (const char* op : {"DepthToSpace", "SpaceToDepth"}) {
    OpSchema s;
    s.op_type = op;
    s.min_inputs = 1;
    s.max_inputs = 1;
    s.infer = &InferDepthSpace;
    s.kernels = {&MakeKernel<DepthSpaceKernel>};
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops::tensor
