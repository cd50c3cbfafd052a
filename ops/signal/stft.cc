// STFT: the short-time Fourier transform of signal [batch, length, 1 or 2]: frames of
// frame_length samples every frame_step samples (only whole frames), each multiplied by the
// window when one is given, transformed, and stored as [batch, frames, bins, 2] with
// bins = frame_length/2 + 1 when onesided (the default) and frame_length otherwise.
// frame_length comes from the window's length or the frame_length input; with both they must
// agree.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ops/signal/fft.h"
#include "ops/signal/line_jobs.h"
#include "ops/signal/signal_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::signal {
namespace {

constexpr int kSignal = 0, kStep = 1, kWindow = 2, kFrameLength = 3;

struct StftGeometry {
  int64_t frame_length = 0;
  int64_t frame_step = 0;
  int64_t frames = 0;
  int64_t bins = 0;
};

// Checks known facts; any of the inputs may be unknown (nullopt) at load time.
absl::StatusOr<std::optional<StftGeometry>> ResolveGeometry(const graph::Node& node, bool onesided,
                                                            graph::Dim signal_length,
                                                            std::optional<int64_t> step,
                                                            std::optional<int64_t> window_length,
                                                            std::optional<int64_t> frame_length,
                                                            bool has_window, bool has_frame_length) {
  if (!has_window && !has_frame_length) {
    return NodeError(node, "needs a window or a frame_length to know the frame size");
  }
  if (step.has_value() && *step < 1) return NodeError(node, absl::StrCat("frame_step must be positive, got ", *step));
  for (const auto& [what, value] : {std::pair{"frame_length", frame_length}, std::pair{"the window's length", window_length}}) {
    if (value.has_value() && (*value < 1 || *value > kMaxFftLength)) {
      return NodeError(node, absl::StrCat(what, " must be in [1, ", kMaxFftLength, "], got ", *value));
    }
  }
  if (window_length.has_value() && frame_length.has_value() && *window_length != *frame_length) {
    return NodeError(node, absl::StrCat("frame_length ", *frame_length, " differs from the window's length ",
                                        *window_length));
  }
  const std::optional<int64_t> length = has_window ? window_length : frame_length;
  if (!length.has_value() || !step.has_value() || !signal_length.known()) return std::optional<StftGeometry>();
  if (signal_length.value() < *length) {
    return NodeError(node, absl::StrCat("the signal (", signal_length.value(), " samples) is shorter than one frame (",
                                        *length, ")"));
  }
  StftGeometry g;
  g.frame_length = *length;
  g.frame_step = *step;
  g.frames = (signal_length.value() - *length) / *step + 1;
  g.bins = onesided ? *length / 2 + 1 : *length;
  return std::optional<StftGeometry>(g);
}

bool Onesided(const graph::Node& node) { return node.attrs.GetInt("onesided", 1) != 0; }

absl::Status InferStft(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, kSignal, kFloatTypes));
  const graph::Shape& signal = ctx.input_shape(kSignal);
  if (signal.rank_known && signal.rank() != 3) {
    return NodeError(node, absl::StrCat("the signal must be [batch, length, 1 or 2], got ", signal.ToString()));
  }
  if (signal.rank_known && signal[2].known()) {
    const int64_t c = signal[2].value();
    if (c != 1 && c != 2) return NodeError(node, absl::StrCat("the signal's last axis must be 1 or 2, got ", c));
    if (c == 2 && Onesided(node)) return NodeError(node, "a complex signal needs onesided=0");
  }
  std::optional<int64_t> window_length;
  if (ctx.has_input(kWindow)) {
    const graph::Shape& w = ctx.input_shape(kWindow);
    if (w.rank_known && w.rank() != 1) {
      return NodeError(node, absl::StrCat("the window must be 1-D, got ", w.ToString()));
    }
    const DType wt = ctx.input_dtype(kWindow);
    if (wt != DType::kUndefined && ctx.input_dtype(kSignal) != DType::kUndefined && wt != ctx.input_dtype(kSignal)) {
      return NodeError(node, absl::StrCat("the window is ", std::string(DTypeName(wt)), " but the signal is ",
                                          std::string(DTypeName(ctx.input_dtype(kSignal)))));
    }
    if (w.rank_known && w[0].known()) window_length = w[0].value();
  }
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> step, KnownScalarInt(ctx, kStep, "frame_step"));
  SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> frame_length, KnownScalarInt(ctx, kFrameLength, "frame_length"));
  SEQRT_ASSIGN_OR_RETURN(
      std::optional<StftGeometry> g,
      ResolveGeometry(node, Onesided(node), signal.rank_known ? signal[1] : graph::Dim(), step, window_length,
                      frame_length, ctx.has_input(kWindow), ctx.has_input(kFrameLength)));
  // A frame_length given but not known yet leaves the output open even when the window fixes
  // the geometry: the kernel checks that both agree, so it must run once the value is known.
  if (ctx.has_input(kFrameLength) && !frame_length.has_value()) g.reset();
  graph::Shape out({signal.rank_known ? signal[0] : graph::Dim(), graph::Dim(), graph::Dim(), graph::Dim(2)});
  if (g.has_value()) {
    out.dims[1] = graph::Dim(g->frames);
    out.dims[2] = graph::Dim(g->bins);
  }
  ctx.SetOutput(0, ctx.input_dtype(kSignal), out);
  return absl::OkStatus();
}

class StftKernel final : public OpKernel {
 public:
  explicit StftKernel(const graph::Node& node) : onesided_(Onesided(node)), where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const graph::Node& node = ctx.node();
    SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> step, PreparedScalarInt(ctx, kStep, "frame_step"));
    SEQRT_ASSIGN_OR_RETURN(std::optional<int64_t> frame_length,
                           PreparedScalarInt(ctx, kFrameLength, "frame_length"));
    std::optional<int64_t> window_length;
    if (ctx.has_input(kWindow)) window_length = ctx.input_dims(kWindow).at(0);
    SEQRT_ASSIGN_OR_RETURN(std::optional<StftGeometry> g,
                           ResolveGeometry(node, onesided_, graph::Dim(ctx.input_dims(kSignal)[1]), step,
                                           window_length, frame_length, ctx.has_input(kWindow),
                                           ctx.has_input(kFrameLength)));
    if (!g.has_value()) return absl::InternalError(absl::StrCat(where_, ": the frame geometry is unknown"));
    const int64_t channels = ctx.input_dims(kSignal)[2];
    if (channels != 1 && channels != 2) {
      return NodeError(node, absl::StrCat("the signal's last axis must be 1 or 2, got ", channels));
    }
    if (channels == 2 && onesided_) return NodeError(node, "a complex signal needs onesided=0");
    geometry_ = *g;
    plan_ = FftPlan(geometry_.frame_length);
    // One slot (the frame and the plan's work space) per thread.
    threads_ = TransformThreads(ctx.threads(), ctx.input_dims(kSignal)[0] * geometry_.frames, geometry_.frame_length);
    slot_ = geometry_.frame_length + plan_.WorkElements();
    ctx.RequestScratch(static_cast<size_t>(slot_ * threads_) * sizeof(Complex));
    return absl::OkStatus();
  }

  // The only kernel of the op, but not a naive one: plans show which FFT it is.
  std::string_view name() const override { return plan_.Algorithm(); }

  absl::Status Compute(ComputeContext& ctx) const override {
    const StftGeometry& g = geometry_;
    const Dims& in = ctx.input_dims(kSignal);
    const int64_t batch = in[0], length = in[1], channels = in[2];
    auto* scratch = static_cast<Complex*>(ctx.scratch());
    return VisitAllowed<kFloatTypes>(
        ctx.input_dtype(kSignal),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          auto value = [](T v) { return static_cast<double>(static_cast<ComputeType<T>>(v)); };
          const T* x = ctx.input<T>(kSignal);
          const T* window = ctx.has_input(kWindow) ? ctx.input<T>(kWindow) : nullptr;
          T* y = ctx.output<T>(0);
          // Frame l is (batch b, frame f) = (l / frames, l % frames).
          auto frame_start = [&](int64_t l) { return x + ((l / g.frames) * length + (l % g.frames) * g.frame_step) * channels; };
          auto store = [&](T* q, Complex v) {
            q[0] = StoreAs<T>(v.real());
            q[1] = StoreAs<T>(v.imag());
          };
          const int64_t count = batch * g.frames;
          // Real frames go two per transform (SplitRealPair): job j is frames 2j and 2j+1 (the
          // last alone when their count is odd); a complex frame is a job of its own.
          const bool real = channels == 1;
          const int64_t jobs = real ? (count + 1) / 2 : count;
          ForEachJob(jobs, threads_, [&](int64_t j, int thread) {
            Complex* frame = scratch + thread * slot_;
            Complex* work = frame + g.frame_length;
            const int64_t l = real ? 2 * j : j;
            const bool pair = real && l + 1 < count;
            const T* p = frame_start(l);
            const T* p2 = pair ? frame_start(l + 1) : nullptr;
            for (int64_t k = 0; k < g.frame_length; ++k) {
              const double w = window ? value(window[k]) : 1.0;
              const double re = value(p[k * channels]) * w;
              const double im = pair ? value(p2[k]) * w : channels == 2 ? value(p[k * channels + 1]) * w : 0.0;
              frame[k] = Complex(re, im);
            }
            plan_.Transform(frame, /*inverse=*/false, work);
            T* q = y + l * g.bins * 2;
            if (!pair) {
              for (int64_t k = 0; k < g.bins; ++k) store(q + 2 * k, frame[k]);
              return;
            }
            T* q2 = q + g.bins * 2;
            for (int64_t k = 0; k < g.bins; ++k) {
              Complex va, vb;
              SplitRealPair(frame, g.frame_length, k, &va, &vb);
              store(q + 2 * k, va);
              store(q2 + 2 * k, vb);
            }
          });
          return absl::OkStatus();
        },
        where_);
  }

 private:
  bool onesided_;
  std::string where_;
  StftGeometry geometry_;
  FftPlan plan_;
  int threads_ = 1;
  int64_t slot_ = 0;  // scratch Complex values per thread
};

}  // namespace

void RegisterStftOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "STFT";
  s.since_version = 17;
  s.min_inputs = 2;
  s.max_inputs = 4;
  s.infer = &InferStft;
  s.kernels = {&MakeKernel<StftKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::signal
