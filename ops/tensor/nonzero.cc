// NonZero: the coordinates of the non-zero elements, as an int64 [rank, count] tensor in
// row-major order (numpy.nonzero stacked). The count is known only from the data, so the
// kernel allocates its output. A scalar counts as a one-element vector, as ONNX Runtime does.
#include <string>
#include <vector>

#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/tensor/tensor_index_ops.h"
#include "ops/tensor_util.h"
#include "ops/tensors_as_values.h"

namespace seqrt::ops::tensor {
namespace {

absl::Status InferNonZero(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllTypes));
  const graph::Shape& x = ctx.input_shape(0);
  graph::Dim rank;
  if (x.rank_known) rank = graph::Dim(std::max(1, x.rank()));
  ctx.SetOutput(0, DType::kInt64, graph::Shape({rank, graph::Dim()}));
  return absl::OkStatus();
}

class NonZeroKernel final : public OpKernel {
 public:
  explicit NonZeroKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("NonZero runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    Dims dims = ctx.input_dims(0);
    if (dims.empty()) dims = {1};
    const int rank = static_cast<int>(dims.size());
    const int64_t n = NumElements(dims);
    std::vector<int64_t> hits;
    SEQRT_RETURN_IF_ERROR(VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          const T* x = ctx.input<T>(0);
          for (int64_t i = 0; i < n; ++i)
            if (static_cast<ComputeType<T>>(x[i]) != ComputeType<T>{}) hits.push_back(i);
          return absl::OkStatus();
        },
        kAllTypes, where_));
    const int64_t count = static_cast<int64_t>(hits.size());
    std::vector<Tensor> out;
    out.emplace_back(DType::kInt64, Dims{rank, count});
    int64_t* coords = out[0].data_as<int64_t>();
    const SmallInts strides = RowMajorStrides(dims);
    for (int64_t h = 0; h < count; ++h) {
      int64_t rest = hits[h];
      for (int d = 0; d < rank; ++d) {
        coords[d * count + h] = rest / strides[d];
        rest %= strides[d];
      }
    }
    return TensorsAsValues(std::move(out));
  }

 private:
  std::string where_;
};

}  // namespace

void RegisterNonZeroOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "NonZero";
  s.since_version = 9;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferNonZero;
  s.kernels = {&MakeKernel<NonZeroKernel>};
  s.allocates_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::tensor
