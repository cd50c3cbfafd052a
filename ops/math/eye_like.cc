// EyeLike: a 2-D tensor shaped like the input with ones on diagonal k, zeros elsewhere; the
// dtype is attribute `dtype` or else the input's.
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::math {
namespace {

absl::StatusOr<DType> OutputDType(const graph::Node& node, DType input) {
  const int64_t code = node.attrs.GetInt("dtype", -1);
  if (code < 0) return input;
  const DType t = static_cast<DType>(code);
  if (!IsSupportedDType(t)) {
    return NodeError(node, absl::StrCat("dtype ", code, " is not supported"));
  }
  return t;
}

absl::Status InferEyeLike(InferContext& ctx) {
  const graph::Shape& x = ctx.input_shape(0);
  if (x.rank_known && x.rank() != 2) {
    return NodeError(ctx.node(), absl::StrCat("the input must be 2-D, got ", x.ToString()));
  }
  SEQRT_ASSIGN_OR_RETURN(DType out, OutputDType(ctx.node(), ctx.input_dtype(0)));
  if (out == DType::kUndefined) return NodeError(ctx.node(), "the output dtype is unknown");
  ctx.SetOutput(0, out, x);
  return absl::OkStatus();
}

class EyeLikeKernel final : public OpKernel {
 public:
  explicit EyeLikeKernel(const graph::Node& node) : k_(node.attrs.GetInt("k", 0)), where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& d = ctx.output_dims(0);
    const int64_t rows = d[0], cols = d[1];
    std::memset(ctx.output(0), 0, static_cast<size_t>(rows * cols) * DTypeSize(ctx.output_dtype(0)));
    return VisitAllowed<kAllTypes>(
        ctx.output_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          T* out = ctx.output<T>(0);
          for (int64_t i = 0; i < rows; ++i) {
            const int64_t j = i + k_;
            if (j >= 0 && j < cols) out[i * cols + j] = FromCompute<T>(ComputeType<T>(1));
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  int64_t k_;
  std::string where_;
};

}  // namespace

void RegisterEyeLikeOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "EyeLike";
  s.since_version = 9;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferEyeLike;
  s.kernels = {&MakeKernel<EyeLikeKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
