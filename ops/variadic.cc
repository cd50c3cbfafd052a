// Variadic elementwise ops: Max, Min, Sum, Mean over 1..N inputs with numpy broadcasting.
// All four are commutative and associative, so the kernel folds the inputs into the output
// pairwise, starting with the input the output may share memory with (the runtime can let
// the output reuse one full-size input; that input must be consumed before anything is
// written). Two float32 inputs try the oneDNN binary kernel first.
#include <memory>
#include <string>
#include <vector>

#include "ops/elementwise_common.h"
#include "ops/onednn/binary_onednn.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

// NaN wins, as in numpy's maximum/minimum.
struct MaxFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  static constexpr bool kIsMean = false;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return a < b ? b : a;
  }
};

struct MinFn {
  static constexpr unsigned kAllowed = kNumericTypes;
  static constexpr bool kIsMean = false;
  template <typename C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return b < a ? b : a;
  }
};

struct SumFn {
  static constexpr unsigned kAllowed = kFloatTypes;
  static constexpr bool kIsMean = false;
  template <typename C>
  C operator()(C a, C b) const { return a + b; }
};

struct MeanFn : SumFn {
  static constexpr bool kIsMean = true;
};

template <typename Fn>
class VariadicKernel final : public OpKernel {
 public:
  explicit VariadicKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& out = ctx.output_dims(0);
    const int n = ctx.num_inputs();
    accumulate_plans_.clear();
    first_plans_.clear();
    for (int k = 0; k < n; ++k) {
      if (!ctx.has_input(k)) {
        return absl::InvalidArgumentError(absl::StrCat(where_, ": input ", k, " is missing"));
      }
      accumulate_plans_.push_back(MakeBroadcastPlan<2>({&out, &ctx.input_dims(k)}, out));
      const int partner = k == 0 ? 1 : 0;
      if (n > 1)
        first_plans_.push_back(
            MakeBroadcastPlan<2>({&ctx.input_dims(k), &ctx.input_dims(partner)}, out));
      else
        first_plans_.push_back(MakeBroadcastPlan<2>({&ctx.input_dims(k), &ctx.input_dims(k)}, out));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<Fn::kAllowed>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const int n = ctx.num_inputs();
          T* out = ctx.output<T>(0);
          const Fn fn;
          auto combine = [&fn](T a, T b) {
            return FromCompute<T>(fn(static_cast<C>(a), static_cast<C>(b)));
          };
          int first = 0;
          for (int k = 0; k < n; ++k)
            if (ctx.input(k) == out) first = k;
          if (n == 1) {
            BinaryBroadcast(first_plans_[0], ctx.input<T>(0), ctx.input<T>(0), out,
                            [](T a, T) { return a; });
            return absl::OkStatus();
          }
          const int partner = first == 0 ? 1 : 0;
          BinaryBroadcast(first_plans_[first], ctx.input<T>(first), ctx.input<T>(partner), out,
                          combine);
          for (int k = 0; k < n; ++k) {
            if (k == first || k == partner) continue;
            BinaryBroadcast(accumulate_plans_[k], out, ctx.input<T>(k), out, combine);
          }
          if constexpr (Fn::kIsMean) {
            const C count = static_cast<C>(n);
            const int64_t total = NumElements(ctx.output_dims(0));
            for (int64_t i = 0; i < total; ++i)
              out[i] = FromCompute<T>(static_cast<C>(out[i]) / count);
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  std::string where_;
  // accumulate_plans_[k]: out = f(out, input k); first_plans_[k]: out = f(input k, partner).
  std::vector<BroadcastPlan<2>> accumulate_plans_;
  std::vector<BroadcastPlan<2>> first_plans_;
};

template <unsigned kAllowed>
absl::Status InferVariadic(InferContext& ctx) {
  const int n = ctx.num_inputs();
  for (int k = 0; k < n; ++k) {
    if (!ctx.has_input(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat(ctx.node().Describe(), ": input ", k, " is empty; all inputs are required"));
    }
  }
  SEQRT_ASSIGN_OR_RETURN(DType dtype, CommonInputDType(ctx, 0, n));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kAllowed));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape shape, BroadcastInputShapes(ctx, 0, n));
  ctx.SetOutput(0, dtype, std::move(shape));
  return absl::OkStatus();
}

template <typename Fn>
void RegisterVariadic(OpRegistry& registry, const std::string& op_type) {
  OpSchema schema;
  schema.op_type = op_type;
  schema.since_version = 1;
  schema.min_inputs = 1;
  schema.infer = &InferVariadic<Fn::kAllowed>;
  schema.kernels = {&MakeOnednnBinaryKernel, &MakeKernel<VariadicKernel<Fn>>};
  schema.aliasing = Aliasing::kMayReuseInput;
  registry.Register(std::move(schema));
}

}  // namespace

void RegisterVariadicOps(OpRegistry& registry) {
  RegisterVariadic<MaxFn>(registry, "Max");
  RegisterVariadic<MinFn>(registry, "Min");
  RegisterVariadic<SumFn>(registry, "Sum");
  RegisterVariadic<MeanFn>(registry, "Mean");
}

}  // namespace seqrt::ops
