// Softmax and LogSoftmax. Opset < 13 normalises the input flattened to 2-D at `axis`
// (default 1); opset 13+ normalises along `axis` only (default -1).
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/onednn/softmax_onednn.h"
#include "ops/reference/softmax.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

template <bool kLog>
absl::Status InferSoftmax(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  const DType dtype = ctx.input_dtype(0);
  SEQRT_RETURN_IF_ERROR(VisitDType(
      dtype, [](auto) { return absl::OkStatus(); }, kFloatTypes, where));
  const graph::Shape& in = ctx.input_shape(0);
  if (in.rank_known) {
    // Validate the axis against the rank; dims themselves do not matter here.
    const SoftmaxAttrs attrs = ParseSoftmaxAttrs(ctx.node(), kLog);
    SEQRT_RETURN_IF_ERROR(GetSoftmaxGeometry(attrs, Dims(in.rank(), 1), where).status());
  }
  ctx.SetOutput(0, dtype, in);
  return absl::OkStatus();
}

void RegisterOne(OpRegistry& registry, const char* op_type, InferFn infer,
                 std::vector<KernelFactory> kernels) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = infer;
  s.kernels = std::move(kernels);
  registry.Register(std::move(s));
}

}  // namespace

void RegisterSoftmaxOps(OpRegistry& registry) {
  RegisterOne(registry, "Softmax", &InferSoftmax<false>,
              {&MakeOnednnSoftmax, &MakeReferenceSoftmax});
  RegisterOne(registry, "LogSoftmax", &InferSoftmax<true>,
              {&MakeOnednnLogSoftmax, &MakeReferenceLogSoftmax});
}

}  // namespace seqrt::ops
