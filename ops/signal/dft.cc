// DFT: the discrete Fourier transform of a real ([..., 1]) or complex ([..., 2]) signal along
// one axis, output complex [..., 2]. Opset 17 names the axis by attribute (default 1); opset
// 20 moves it to an optional third input (default -2, the last signal axis). dft_length
// zero-pads or truncates the signal; onesided keeps the bins 0..L/2 of a real signal's
// transform; inverse computes (1/L) sum X[k] exp(+2*pi*i*k*n/L).
//
// Refused with a clear error: onesided with a complex input (the spec rules it out) and
// onesided with inverse (the spec's meaning of that pair changed across revisions; no
// exporter emits it).
#include <algorithm>
#include <climits>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "ops/signal/fft.h"
#include "ops/signal/line_jobs.h"
#include "ops/signal/signal_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::signal {
namespace {

struct DftAttrs {
  bool inverse = false;
  bool onesided = false;
  bool axis_is_input = false;  // opset 20
  int64_t axis_attr = 1;       // opset 17
};

DftAttrs ParseDftAttrs(const graph::Node& node) {
  DftAttrs a;
  a.inverse = node.attrs.GetInt("inverse", 0) != 0;
  a.onesided = node.attrs.GetInt("onesided", 0) != 0;
  a.axis_is_input = node.opset >= 20;
  a.axis_attr = node.attrs.GetInt("axis", 1);
  return a;
}

absl::Status CheckCombination(const DftAttrs& a, const graph::Node& node) {
  if (a.onesided && a.inverse) {
    return absl::UnimplementedError(
        absl::StrCat(node.Describe(), ": onesided=1 together with inverse=1 is not supported"));
  }
  return absl::OkStatus();
}

// The signal axis in [0, rank-2]: negative values count from the back (-2 is the last
// signal axis, since the last axis holds the real/imaginary pair).
absl::StatusOr<int> SignalAxis(int64_t axis, int rank, const graph::Node& node) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank - 2) {
    return NodeError(node, absl::StrCat("axis ", axis, " is outside [", -rank, ", -2] and [0, ", rank - 2,
                                        "] for an input of rank ", rank));
  }
  return static_cast<int>(a);
}

absl::Status CheckLength(int64_t length, const graph::Node& node) {
  if (length < 1 || length > kMaxFftLength) {
    return NodeError(node, absl::StrCat("the transform length (dft_length, else the signal axis) must be in [1, ",
                                        kMaxFftLength, "], got ", length));
  }
  return absl::OkStatus();
}

absl::Status InferDft(InferContext& ctx) {
  const DftAttrs a = ParseDftAttrs(ctx.node());
  SEQRT_RETURN_IF_ERROR(CheckCombination(a, ctx.node()));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kFloatTypes));
  const graph::Shape& in = ctx.input_shape(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, ctx.input_dtype(0), graph::Shape());
    return absl::OkStatus();
  }
  const int rank = in.rank();
  if (rank < 2) {
    return NodeError(ctx.node(), absl::StrCat("the input must have rank >= 2 ([..., signal, 1 or 2]), got ",
                                              in.ToString()));
  }
  const graph::Dim last = in[rank - 1];
  if (last.known() && last.value() != 1 && last.value() != 2) {
    return NodeError(ctx.node(), absl::StrCat("the last axis must be 1 (real) or 2 (complex), got ",
                                              last.value()));
  }
  if (a.onesided && last.known() && last.value() == 2) {
    return NodeError(ctx.node(), "onesided=1 needs a real input (last axis 1), got a complex one");
  }
  std::optional<int64_t> axis = a.axis_attr;
  if (a.axis_is_input) {
    axis = -2;
    if (ctx.has_input(2)) {
      SEQRT_ASSIGN_OR_RETURN(axis, KnownScalarInt(ctx, 2, "axis"));
    }
  }
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> length, KnownScalarInt(ctx, 1, "dft_length"));
  graph::Shape out = in;
  out.dims[rank - 1] = graph::Dim(2);
  if (!axis.has_value() || (ctx.has_input(1) && !length.has_value())) {
    // Which axis changes, or to what, is known only at run time.
    for (int d = 0; d < rank - 1; ++d) out.dims[d] = graph::Dim();
  } else {
    SEQRT_ASSIGN_OR_RETURN(const int ax, SignalAxis(*axis, rank, ctx.node()));
    const graph::Dim n = length.has_value() ? graph::Dim(*length) : in[ax];
    if (n.known()) SEQRT_RETURN_IF_ERROR(CheckLength(n.value(), ctx.node()));
    out.dims[ax] = !a.onesided ? n : n.known() ? graph::Dim(n.value() / 2 + 1) : graph::Dim();
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

class DftKernel final : public OpKernel {
 public:
  explicit DftKernel(const graph::Node& node)
      : attrs_(ParseDftAttrs(node)), where_(node.Describe()), status_(CheckCombination(attrs_, node)) {}
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& in = ctx.input_dims(0);
    const int rank = static_cast<int>(in.size());
    int64_t axis = attrs_.axis_attr;
    if (attrs_.axis_is_input) {
      SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> given, PreparedScalarInt(ctx, 2, "axis"));
      axis = given.value_or(-2);
    }
    SEQRT_ASSIGN_OR_RETURN(axis_, SignalAxis(axis, rank, ctx.node()));
    if (in[rank - 1] != 1 && in[rank - 1] != 2) {
      return NodeError(ctx.node(), absl::StrCat("the last axis must be 1 (real) or 2 (complex), got ", in[rank - 1]));
    }
    if (attrs_.onesided && in[rank - 1] == 2) {
      return NodeError(ctx.node(), "onesided=1 needs a real input (last axis 1), got a complex one");
    }
    SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> length, PreparedScalarInt(ctx, 1, "dft_length"));
    length_ = length.value_or(in[axis_]);
    SEQRT_RETURN_IF_ERROR(CheckLength(length_, ctx.node()));
    plan_ = FftPlan(length_);
    // One slot (the line and the plan's work space) per thread.
    const int64_t lines = DimProduct(in, 0, axis_) * DimProduct(in, axis_ + 1, rank - 1);
    threads_ = TransformThreads(ctx.threads(), lines, length_);
    slot_ = length_ + plan_.WorkElements();
    ctx.RequestScratch(static_cast<size_t>(slot_ * threads_) * sizeof(Complex));
    return absl::OkStatus();
  }

  // The only kernel of the op, but not a naive one: plans show which FFT it is.
  std::string_view name() const override { return plan_.Algorithm(); }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const int rank = static_cast<int>(in.size());
    const int64_t outer = DimProduct(in, 0, axis_), inner = DimProduct(in, axis_ + 1, rank - 1);
    const int64_t n_in = in[axis_], channels = in[rank - 1];
    const int64_t n_out = ctx.output_dims(0)[axis_];
    const int64_t used = std::min(n_in, length_);
    auto* scratch = static_cast<Complex*>(ctx.scratch());
    const double scale = attrs_.inverse ? 1.0 / static_cast<double>(length_) : 1.0;
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          const T* x = ctx.input<T>(0);
          T* y = ctx.output<T>(0);
          auto value = [](T v) { return static_cast<double>(static_cast<ComputeType<T>>(v)); };
          // Line l is (o, i): its first input and output elements and their strides along the axis.
          const int64_t in_stride = inner * channels, out_stride = inner * 2;
          auto in_line = [&](int64_t l) { return x + ((l / inner) * n_in * inner + l % inner) * channels; };
          auto out_line = [&](int64_t l) { return y + ((l / inner) * n_out * inner + l % inner) * 2; };
          auto store = [&](T* q, Complex v) {
            q[0] = StoreAs<T>(v.real() * scale);
            q[1] = StoreAs<T>(v.imag() * scale);
          };
          const int64_t lines = outer * inner;
          // Real lines go two per transform (SplitRealPair): job j is lines 2j and 2j+1 (the
          // last alone when their count is odd); a complex line is a job of its own.
          const bool real = channels == 1;
          const int64_t jobs = real ? (lines + 1) / 2 : lines;
          ForEachJob(jobs, threads_, [&](int64_t j, int thread) {
            Complex* line = scratch + thread * slot_;
            Complex* work = line + length_;
            const int64_t l = real ? 2 * j : j;
            const bool pair = real && l + 1 < lines;
            const T* a = in_line(l);
            const T* b = pair ? in_line(l + 1) : nullptr;
            for (int64_t k = 0; k < used; ++k) {
              const double re = value(a[k * in_stride]);
              const double im = pair ? value(b[k * in_stride]) : channels == 2 ? value(a[k * in_stride + 1]) : 0.0;
              line[k] = Complex(re, im);
            }
            for (int64_t k = used; k < length_; ++k) line[k] = Complex(0, 0);
            plan_.Transform(line, attrs_.inverse, work);
            T* ya = out_line(l);
            if (!pair) {
              for (int64_t k = 0; k < n_out; ++k) store(ya + k * out_stride, line[k]);
              return;
            }
            T* yb = out_line(l + 1);
            for (int64_t k = 0; k < n_out; ++k) {
              Complex va, vb;
              SplitRealPair(line, length_, k, &va, &vb);
              store(ya + k * out_stride, va);
              store(yb + k * out_stride, vb);
            }
          });
          return absl::OkStatus();
        },
        where_);
  }

 private:
  DftAttrs attrs_;
  std::string where_;
  absl::Status status_;
  int axis_ = 1;
  int64_t length_ = 0;
  FftPlan plan_;
  int threads_ = 1;
  int64_t slot_ = 0;  // scratch Complex values per thread
};

}  // namespace

void RegisterDftOp(OpRegistry& registry) {
  for (const auto& [since, until, max_inputs] : {std::tuple{17, 19, 2}, std::tuple{20, INT_MAX, 3}}) {
    OpSchema s;
    s.op_type = "DFT";
    s.since_version = since;
    s.until_version = until;
    s.min_inputs = 1;
    s.max_inputs = max_inputs;
    s.infer = &InferDft;
    s.kernels = {&MakeKernel<DftKernel>};
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops::signal
