// HannWindow, HammingWindow, BlackmanWindow: generalized cosine windows of `size` points,
//   w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N),
// with N = size when periodic (the default: the first size points of a size+1 window) and
// N = size - 1 when symmetric. Hann is (1/2, 1/2, 0), Hamming (25/46, 21/46, 0) and Blackman
// (0.42, 0.5, 0.08), as the spec defines them. Computed in double, then stored as
// output_datatype (default float) the way Cast converts.
#include <cmath>
#include <numbers>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/signal/signal_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::signal {
namespace {

struct CosineTerms {
  double a0, a1, a2;
};

absl::Status InferWindow(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType out, OutputDataType(ctx.node()));
  const graph::Shape& s = ctx.input_shape(0);
  if (s.rank_known && s.rank() > 1) {
    return NodeError(ctx.node(), absl::StrCat("size must be a scalar, got shape ", s.ToString()));
  }
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> size, KnownScalarInt(ctx, 0, "size"));
  if (size.has_value() && *size < 0) return NodeError(ctx.node(), absl::StrCat("size must be >= 0, got ", *size));
  ctx.SetOutput(0, out, graph::Shape({size.has_value() ? graph::Dim(*size) : graph::Dim()}));
  return absl::OkStatus();
}

class WindowKernel final : public OpKernel {
 public:
  WindowKernel(const graph::Node& node, CosineTerms terms)
      : terms_(terms), periodic_(node.attrs.GetInt("periodic", 1) != 0), where_(node.Describe()) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t size = ctx.output_dims(0)[0];
    // A symmetric window of one point has no period (N = 0); like numpy and scipy, it is 1.
    const double period = static_cast<double>(periodic_ ? size : size - 1);
    return VisitAllowed<kNumericTypes>(
        ctx.output_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          T* out = ctx.output<T>(0);
          for (int64_t n = 0; n < size; ++n) {
            double w = 1.0;
            if (period > 0) {
              const double angle = 2.0 * std::numbers::pi * static_cast<double>(n) / period;
              w = terms_.a0 - terms_.a1 * std::cos(angle) + terms_.a2 * std::cos(2.0 * angle);
            }
            out[n] = StoreAs<T>(w);
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  CosineTerms terms_;
  bool periodic_;
  std::string where_;
};

template <int kWhich>
absl::StatusOr<std::unique_ptr<OpKernel>> MakeWindowKernel(const graph::Node& node) {
  constexpr CosineTerms kTerms[] = {{0.5, 0.5, 0.0}, {25.0 / 46.0, 21.0 / 46.0, 0.0}, {0.42, 0.5, 0.08}};
  return MakeKernel<WindowKernel>(node, kTerms[kWhich]);
}

}  // namespace

void RegisterWindowOps(OpRegistry& registry) {
  const std::pair<const char*, KernelFactory> ops[] = {{"HannWindow", &MakeWindowKernel<0>},
                                                       {"HammingWindow", &MakeWindowKernel<1>},
                                                       {"BlackmanWindow", &MakeWindowKernel<2>}};
  for (const auto& [name, factory] : ops) {
    OpSchema s;
    s.op_type = name;
    s.since_version = 17;
    s.min_inputs = 1;
    s.max_inputs = 1;
    s.infer = &InferWindow;
    s.kernels = {factory};
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops::signal
