// MelWeightMatrix: [dft_length/2 + 1, num_mel_bins] triangular filters that map a onesided
// linear spectrum to mel bands, mel(f) = 2595 log10(1 + f / 700).
//
// The edges follow the spec's reference computation, quirks included, since ONNX models and
// their expected outputs rely on it: num_mel_bins + 2 edge points are spaced evenly in mel
// from lower_edge_hertz with step (mel(upper) - mel(lower)) / (num_mel_bins + 2), each mapped
// to DFT bin floor((dft_length + 1) * hz / sample_rate). Band i rises linearly from edge i
// to 1 at edge i+1 (a band whose rising edge is empty is 1 at its centre) and falls to 0 at
// edge i+2. Computed in double, stored as output_datatype (default float).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/signal/signal_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::signal {
namespace {

constexpr int kMelBins = 0, kDftLength = 1, kSampleRate = 2, kLowerHz = 3, kUpperHz = 4;

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

absl::Status InferMelWeightMatrix(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType out, OutputDataType(ctx.node()));
  for (int i : {kLowerHz, kUpperHz}) SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, i, kFloatTypes));
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> mel_bins, KnownScalarInt(ctx, kMelBins, "num_mel_bins"));
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> dft_length, KnownScalarInt(ctx, kDftLength, "dft_length"));
  SEQRT_RETURN_IF_ERROR(KnownScalarInt(ctx, kSampleRate, "sample_rate").status());
  if (mel_bins.has_value() && *mel_bins < 1) {
    return NodeError(ctx.node(), absl::StrCat("num_mel_bins must be positive, got ", *mel_bins));
  }
  if (dft_length.has_value() && *dft_length < 1) {
    return NodeError(ctx.node(), absl::StrCat("dft_length must be positive, got ", *dft_length));
  }
  ctx.SetOutput(0, out,
                graph::Shape({dft_length.has_value() ? graph::Dim(*dft_length / 2 + 1) : graph::Dim(),
                              mel_bins.has_value() ? graph::Dim(*mel_bins) : graph::Dim()}));
  return absl::OkStatus();
}

class MelWeightMatrixKernel final : public OpKernel {
 public:
  explicit MelWeightMatrixKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const int64_t bands = ctx.output_dims(0)[1];
    ctx.RequestScratch(static_cast<size_t>(bands + 2) * sizeof(int64_t));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const int64_t bins = ctx.output_dims(0)[0], bands = ctx.output_dims(0)[1];
    SEQRT_ASSIGN_OR_RETURN(const int64_t dft_length, ScalarIntAt(ctx, kDftLength, where_, "dft_length"));
    SEQRT_ASSIGN_OR_RETURN(const int64_t sample_rate, ScalarIntAt(ctx, kSampleRate, where_, "sample_rate"));
    SEQRT_ASSIGN_OR_RETURN(const double lower, ScalarFloatAt(ctx, kLowerHz, where_, "lower_edge_hertz"));
    SEQRT_ASSIGN_OR_RETURN(const double upper, ScalarFloatAt(ctx, kUpperHz, where_, "upper_edge_hertz"));
    if (sample_rate < 1) return NodeError(where_, absl::StrCat("sample_rate must be positive, got ", sample_rate));
    if (!(lower >= 0 && lower <= upper)) {
      return NodeError(where_, absl::StrCat("the edges must satisfy 0 <= lower_edge_hertz <= upper_edge_hertz, got ",
                                            lower, " and ", upper));
    }
    auto* edge = static_cast<int64_t*>(ctx.scratch());
    const double low_mel = HzToMel(lower);
    const double step = (HzToMel(upper) - low_mel) / static_cast<double>(bands + 2);
    for (int64_t i = 0; i < bands + 2; ++i) {
      const double hz = MelToHz(static_cast<double>(i) * step + low_mel);
      edge[i] = static_cast<int64_t>(std::floor(static_cast<double>(dft_length + 1) * hz /
                                                static_cast<double>(sample_rate)));
    }
    // Every bin a band touches must exist: edges past the last bin mean upper_edge_hertz lies
    // beyond what this DFT resolves.
    for (int64_t i = 0; i < bands; ++i) {
      const int64_t last = edge[i + 2] > edge[i + 1] ? edge[i + 2] - 1 : edge[i + 1];
      if (last >= bins) {
        return NodeError(where_, absl::StrCat("upper_edge_hertz ", upper, " maps to DFT bin ", last,
                                              ", past the last of the ", bins, " bins of a length-", dft_length,
                                              " DFT at sample_rate ", sample_rate));
      }
    }
    return VisitAllowed<kNumericTypes>(
        ctx.output_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          T* out = ctx.output<T>(0);
          for (int64_t j = 0; j < bins * bands; ++j) out[j] = StoreAs<T>(0.0);
          for (int64_t i = 0; i < bands; ++i) {
            const int64_t left = edge[i], centre = edge[i + 1], right = edge[i + 2];
            if (centre == left) {
              out[centre * bands + i] = StoreAs<T>(1.0);
            } else {
              for (int64_t j = left; j <= centre; ++j)
                out[j * bands + i] = StoreAs<T>(static_cast<double>(j - left) / static_cast<double>(centre - left));
            }
            for (int64_t j = centre; j < right; ++j)
              out[j * bands + i] = StoreAs<T>(static_cast<double>(right - j) / static_cast<double>(right - centre));
          }
          return absl::OkStatus();
        },
        where_);
  }

 private:
  std::string where_;
};

}  // namespace

void RegisterMelWeightMatrixOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "MelWeightMatrix";
  s.since_version = 17;
  s.min_inputs = 5;
  s.max_inputs = 5;
  s.infer = &InferMelWeightMatrix;
  s.kernels = {&MakeKernel<MelWeightMatrixKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::signal
