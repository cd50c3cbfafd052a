// BatchNormalization: Y = (X - mean) / sqrt(var + epsilon) * scale + B. In inference mode the
// statistics are the inputs, folded per channel into Y = X * a + b. Opset differences: before
// 9 a `spatial` = 0 attribute gives per-activation statistics (shape [C, D1, ...]); from 14 a
// `training_mode` attribute: then the statistics are the batch's (over N and the spatial
// dims, population variance) and the optional outputs running_mean / running_var blend the
// inputs with them by `momentum`; from 15 scale/B and mean/var may have their own float types.
// The opset < 14 training outputs (saved mean / variance) are not supported.
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

std::string DTypeStr(DType t) { return std::string(DTypeName(t)); }

bool IsSpatial(const graph::Node& node) {
  return node.opset >= 9 || node.attrs.GetInt("spatial", 1) != 0;
}

bool IsTraining(const graph::Node& node) {
  return node.opset >= 14 && node.attrs.GetInt("training_mode", 0) != 0;
}

absl::Status CheckInferenceOnly(const graph::Node& node, int num_outputs_present) {
  if (IsTraining(node)) return absl::OkStatus();
  if (num_outputs_present > 1) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": the running/saved statistics outputs are training outputs; only Y "
                         "(inference mode) is supported"));
  }
  return absl::OkStatus();
}

absl::Status InferBatchNorm(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const std::string where = node.Describe();
  int present = 0;
  for (int i = 0; i < ctx.num_outputs(); ++i) present += ctx.has_output(i) ? 1 : 0;
  SEQRT_RETURN_IF_ERROR(CheckInferenceOnly(node, present));
  const DType dtype = ctx.input_dtype(0);
  for (int i = 0; i < 5; ++i) {
    if (!IsFloatingPoint(ctx.input_dtype(i))) {
      return absl::UnimplementedError(absl::StrCat(where, " does not support dtype ",
                                                   DTypeStr(ctx.input_dtype(i)), " (input ", i,
                                                   ")"));
    }
  }
  const graph::Shape& x = ctx.input_shape(0);
  if (x.rank_known) {
    if (x.rank() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": X must be [N, C, ...], got ", x.ToString()));
    }
    // Parameters hold one value per channel (spatial) or per activation (spatial = 0).
    graph::Dim expected = x[1];
    if (!IsSpatial(node))
      for (int i = 2; i < x.rank(); ++i) expected = expected * x[i];
    static const char* kNames[] = {"X", "scale", "B", "mean", "var"};
    for (int i = 1; i < 5; ++i) {
      const graph::Shape& p = ctx.input_shape(i);
      if (!p.rank_known || !expected.known()) continue;
      std::optional<int64_t> n = p.NumElements();
      if (n && *n != expected.value()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", kNames[i], " has shape ",
                                                       p.ToString(), ", expected ",
                                                       expected.value(), " values for X ",
                                                       x.ToString()));
      }
    }
  }
  ctx.SetOutput(0, dtype, x);
  if (IsTraining(node)) {
    ctx.SetOutput(1, ctx.input_dtype(3), ctx.input_shape(3));
    ctx.SetOutput(2, ctx.input_dtype(4), ctx.input_shape(4));
  }
  return absl::OkStatus();
}

void StoreParam(DType dtype, void* p, int64_t i, double v) {
  switch (dtype) {
    case DType::kFloat: static_cast<float*>(p)[i] = static_cast<float>(v); break;
    case DType::kDouble: static_cast<double*>(p)[i] = v; break;
    case DType::kFloat16: static_cast<Float16*>(p)[i] = Float16(static_cast<float>(v)); break;
    case DType::kBFloat16: static_cast<BFloat16*>(p)[i] = BFloat16(static_cast<float>(v)); break;
    default: break;  // rejected by InferBatchNorm
  }
}

double ParamAt(DType dtype, const void* p, int64_t i) {
  switch (dtype) {
    case DType::kFloat: return static_cast<const float*>(p)[i];
    case DType::kDouble: return static_cast<const double*>(p)[i];
    case DType::kFloat16: return static_cast<const Float16*>(p)[i];
    case DType::kBFloat16: return static_cast<const BFloat16*>(p)[i];
    default: return 0;  // rejected by InferBatchNorm
  }
}

class BatchNormKernel : public OpKernel {
 public:
  explicit BatchNormKernel(const graph::Node& node)
      : where_(node.Describe()),
        epsilon_(node.attrs.GetFloat("epsilon", 1e-5f)),
        spatial_(IsSpatial(node)),
        training_(IsTraining(node)),
        momentum_(node.attrs.GetFloat("momentum", 0.9f)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& dims = ctx.input_dims(0);
    const int64_t n = dims[0];
    int64_t channels = dims[1], inner = 1;
    for (size_t i = 2; i < dims.size(); ++i) inner *= dims[i];
    if (!spatial_) {
      channels *= inner;
      inner = 1;
    }
    if (training_) return ComputeTraining(ctx, n, channels, inner);
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          for (int64_t b = 0; b < n; ++b) {
            for (int64_t c = 0; c < channels; ++c) {
              const double var = ParamAt(ctx.input_dtype(4), ctx.input(4), c);
              const double a = ParamAt(ctx.input_dtype(1), ctx.input(1), c) /
                               std::sqrt(var + static_cast<double>(epsilon_));
              const double shift = ParamAt(ctx.input_dtype(2), ctx.input(2), c) -
                                   ParamAt(ctx.input_dtype(3), ctx.input(3), c) * a;
              const C ca = static_cast<C>(a), cb = static_cast<C>(shift);
              const int64_t base = (b * channels + c) * inner;
              for (int64_t i = 0; i < inner; ++i)
                y[base + i] = static_cast<T>(static_cast<C>(x[base + i]) * ca + cb);
            }
          }
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

 private:
  // Batch statistics per channel; Y from them, running statistics blended by momentum.
  absl::Status ComputeTraining(ComputeContext& ctx, int64_t n, int64_t channels, int64_t inner) const {
    return VisitDType(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          using C = ComputeType<T>;
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          const double count = static_cast<double>(n * inner);
          for (int64_t c = 0; c < channels; ++c) {
            double sum = 0, sq = 0;
            for (int64_t b = 0; b < n; ++b) {
              const T* xc = x + (b * channels + c) * inner;
              for (int64_t i = 0; i < inner; ++i) sum += static_cast<double>(static_cast<C>(xc[i]));
            }
            const double mean = count > 0 ? sum / count : 0.0;
            for (int64_t b = 0; b < n; ++b) {
              const T* xc = x + (b * channels + c) * inner;
              for (int64_t i = 0; i < inner; ++i) {
                const double d = static_cast<double>(static_cast<C>(xc[i])) - mean;
                sq += d * d;
              }
            }
            const double var = count > 0 ? sq / count : 0.0;
            const double a = ParamAt(ctx.input_dtype(1), ctx.input(1), c) /
                             std::sqrt(var + static_cast<double>(epsilon_));
            const double shift = ParamAt(ctx.input_dtype(2), ctx.input(2), c) - mean * a;
            for (int64_t b = 0; b < n; ++b) {
              const int64_t base = (b * channels + c) * inner;
              for (int64_t i = 0; i < inner; ++i)
                y[base + i] = static_cast<T>(static_cast<C>(static_cast<double>(static_cast<C>(x[base + i])) * a + shift));
            }
            const double m = momentum_;
            if (ctx.has_output(1))
              StoreParam(ctx.output_dtype(1), ctx.output(1), c,
                         ParamAt(ctx.input_dtype(3), ctx.input(3), c) * m + mean * (1 - m));
            if (ctx.has_output(2))
              StoreParam(ctx.output_dtype(2), ctx.output(2), c,
                         ParamAt(ctx.input_dtype(4), ctx.input(4), c) * m + var * (1 - m));
          }
          return absl::OkStatus();
        },
        kFloatTypes, where_);
  }

  std::string where_;
  float epsilon_;
  bool spatial_;
  bool training_;
  double momentum_;
};

}  // namespace

void RegisterNormalizationOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "BatchNormalization";
  s.min_inputs = 5;
  s.max_inputs = 5;
  s.infer = &InferBatchNorm;
  s.kernels = {&MakeKernel<BatchNormKernel>};
  s.drop_unused_outputs = true;
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
