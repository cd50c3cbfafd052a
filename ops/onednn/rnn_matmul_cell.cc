// "matmul_cell": ONNX RNN / GRU / LSTM as
//   1. the input projection Gx = X·Wᵀ + b: at small batch one product over every time step
//      at once (our packed GEMM for constant weights, oneDNN's matmul otherwise); at large
//      batch one packed GEMM per step (see StepProjectionMinBatch),
//   2. per step one small packed GEMM for the recurrence (rnn_gemm.h): Gh[N, G·Hp] = h·Rᵀ,
//   3. the gate math per batch row in vectorised passes over gate blocks (rnn_gates.h).
// At batch 1 steps 2 and 3 run block by block over two steps at a time, so each read of a
// recurrent weight tile serves two steps (RunDirectionTwoSteps).
// With constant weights the small-batch projection runs chunk by chunk (kChunkSteps steps,
// just before those steps), so its scratch does not grow with the sequence length.
// Threads (the session's count): batch rows are independent through time, so a large batch
// is split into row ranges, one per thread, in one parallel region over the whole sequence;
// a bidirectional layer otherwise runs its two directions on two threads. Each worker has
// its own slice of the scratch (projection, products, packing), so workers share nothing
// but the state rows and Y rows each one alone writes. A one-directional layer at batch 1
// on the two-step path instead splits its unit blocks across the threads
// (RunDirectionUnitSplit): each worker owns a range of blocks, their weight panels, their
// projection columns and gate math, and the workers meet through per-worker progress
// counters (spin, then block) rather than an OpenMP barrier per step.
// Every internal buffer pads the hidden size to Hp (a multiple of 8) so the gate math never
// needs a scalar tail; padded weight rows/columns are zero, and padded state lanes are reset
// to zero after each step, so they never leak into real lanes.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"
#include "ops/onednn/rnn_gemm.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/onednn/rnn_gates.h"
#include "ops/recurrent_attrs.h"
#include "ops/recurrent_spec.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using rnn::RoundUp;

absl::Status Decline(std::string_view where, std::string_view why) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(where), ": matmul_cell declines: ", std::string(why)));
}

// Bump allocator over the planned scratch block; every region 64-byte aligned.
class ScratchLayout {
 public:
  int64_t Add(int64_t floats) {
    const int64_t at = bytes_;
    bytes_ += RoundUp(floats * 4, 64);
    return at;
  }
  int64_t bytes() const { return bytes_; }

 private:
  int64_t bytes_ = 0;
};

// Progress of one worker of the unit split: sweep positions completed so far, over all
// steps. One counter per cache line, so a worker's stores do not evict the line others spin on.
struct alignas(64) SplitProgress {
  std::atomic<int64_t> done{0};
};
// The unit split uses at most this many workers (the counters live on Compute's stack).
constexpr int kMaxSplitWorkers = 8;

// Waits until `c` reaches `target`. The awaited worker is normally at most one sweep
// position (microseconds) behind, so the wait spins first. When the machine is shared and the
// other worker has been descheduled it blocks (futex) instead: spinning would hold a core the
// other worker may need, and sched_yield was measured to be far worse (it hands the core to
// any runnable process, niced ones included, for a whole time slice).
void WaitFor(const std::atomic<int64_t>& c, int64_t target) {
  for (int spins = 0; spins < (1 << 12); ++spins) {
    if (c.load(std::memory_order_acquire) >= target) return;
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }
  for (int64_t v = c.load(std::memory_order_acquire); v < target; v = c.load(std::memory_order_acquire))
    c.wait(v, std::memory_order_acquire);
}

// Publishes `value` to the workers waiting in WaitFor (notify_all costs no system call when
// nobody is blocked).
void Publish(std::atomic<int64_t>& c, int64_t value) {
  c.store(value, std::memory_order_release);
  c.notify_all();
}

class MatmulCellKernel final : public OpKernel {
 public:
  explicit MatmulCellKernel(const graph::Node& node) : where_(node.Describe()) {
    init_status_ = ParseRecurrentAttrsInto(node, attrs_);
  }
  absl::Status init_status() const { return init_status_; }
  std::string_view name() const override { return "matmul_cell"; }

  absl::Status Prepare(PrepareContext& ctx) override;
  absl::Status Compute(ComputeContext& ctx) const override;

 private:
  // Per-direction weight pointers inside either owned storage or the scratch block.
  struct WeightPtrs {
    float* w_proj;  // [I, D·G·Hp] plain, only when the projection weights are not prepacked
    float* w_packed;  // constant weights: Wᵀ packed per direction (w_packed_floats_), else null
    float* bias;    // [D·G·Hp]
    float* r1;      // packed, per direction r1_floats_
    float* r2;      // GRU without linear_before_reset: the h gate, per direction r2_floats_
    float* rbh;     // GRU with linear_before_reset: Rbh, [D·Hp]
    float* peep;    // LSTM: [D·3·Hp] (i, o, f), zeros without P
  };
  void ConvertWeights(const float* w, const float* r, const float* b, const float* p,
                      const WeightPtrs& out) const;
  // Non-constant weights only: a oneDNN matmul over plain Wᵀ, converted every run.
  absl::Status BuildProjection();
  absl::Status RunProjection(ComputeContext& ctx, const float* x, const float* w_plain,
                             const float* bias, float* gx) const;
  // Rows [n0, n1) of direction d over all steps; `scratch` the whole block, `worker` the
  // slice of per-worker buffers to use.
  void RunDirection(int d, int64_t n0, int64_t n1, const float* x, const float* gx, const int32_t* lens,
                    const WeightPtrs& wp, char* scratch, int worker, float* y) const;
  void RunDirectionTwoSteps(int d, const float* x, const int32_t* lens, const WeightPtrs& wp, char* scratch,
                            int worker, float* y) const;
  // Unit block v of a two-step step is complete in `rec`: its gate math into h (h_prev's block
  // copied in first, as the row functions update h in place), then the block's
  // (h_prev, h) pairs, the packed A of the tiles shared with the next step.
  void FinishUnitBlock(int64_t v, const rnn::GateParams& gates, const float* xw, float* rec, const float* h_prev,
                       float* h, float* c, float* tmp, float* pairs) const;
  // The two-step path with its unit blocks split over `workers` concurrent workers (all of
  // them must run at once: they wait on each other through `progress`).
  void RunDirectionUnitSplit(int d, const float* x, const int32_t* lens, const WeightPtrs& wp, char* scratch,
                             int worker, int workers, SplitProgress* progress, float* y) const;
  // Constant weights, whole-sequence mode: Gx of steps [t_lo, t_hi) and rows [n0, n1) of
  // direction d into gxc, as [t - t_lo][n - n0][w_ld].
  void ProjectChunk(int d, const float* x, int64_t t_lo, int64_t t_hi, int64_t n0, int64_t n1,
                    const WeightPtrs& wp, float* gxc, float* xstage, float* a_pack) const;
  // The ONNX-order column (gate g, unit j at g·Hp + j) stored at packed column c of R, W and
  // the bias. The two-step path stores each unit block's gates together:
  // [block v][gate g][kUnitBlock units]; otherwise the order is ONNX's.
  int64_t OnnxColumn(int64_t c) const;
  int64_t PeepIndex(int64_t g, int64_t j) const;
  rnn::GateParams GatesOf(int d, const WeightPtrs& wp) const;

  std::string where_;
  absl::Status init_status_;
  RecurrentAttrs attrs_;

  // Shapes fixed by Prepare.
  int64_t T_ = 0, N_ = 0, I_ = 0, H_ = 0, Hp_ = 0, G_ = 0, D_ = 0;
  int64_t gx_cols_ = 0;                  // D·G·Hp
  int64_t r1_gates_ = 0, r1_panels_ = 0, r1_floats_ = 0;
  int64_t r2_panels_ = 0, r2_floats_ = 0;
  bool constant_weights_ = false;
  bool has_peepholes_ = false;
  // Batch 1: RunDirectionTwoSteps reads each recurrent weight tile once for two steps.
  bool two_steps_ = false;
  // Constant weights: the projection runs on our packed GEMM (W packed per direction, the
  // folded bias added by the GEMM), for all steps up front into Gx [D][T·N][w_panels·16], or
  // with step_projection_ per step into a small [N, w_panels·16] buffer. Otherwise a oneDNN
  // matmul projects all steps into Gx [T·N][D·G·Hp] with weights converted every run.
  bool step_projection_ = false;
  int64_t w_panels_ = 0, w_packed_floats_ = 0;
  int64_t chunk_steps_ = 0;  // steps per projection chunk (constant weights, whole-sequence mode)

  // How Compute spreads the work over threads (see the file comment).
  enum class Split { kNone, kRows, kDirections, kUnits };
  // The micro-kernels of the ISA the session chose (ops/simd/).
  const simd::KernelTable* kernels_ = nullptr;
  Split split_ = Split::kNone;
  int workers_ = 1;
  int64_t rows_per_worker_ = 0;  // the most rows one worker runs

  // Converted constant weights: they depend only on the node, its constant inputs and the
  // column order (two_steps_ or not), so they are built once per session and shared by every
  // plan (PrepareContext::SharedState).
  struct ConstantWeights {
    rnn::PackedFloats w_packed, packed_bias;
    std::vector<float> bias, rbh, peep;
    rnn::PackedFloats r1, r2;
  };
  absl::StatusOr<std::shared_ptr<const ConstantWeights>> BuildConstantWeights(PrepareContext& ctx) const;
  std::shared_ptr<const ConstantWeights> weights_;

  // Scratch offsets (bytes). Shared by all workers: off_gx_ (the oneDNN projection of every
  // step, non-constant weights only), the states, the second h buffer and converted weights.
  int64_t off_gx_ = 0, off_h_ = 0, off_c_ = 0;
  int64_t off_h2_ = 0;  // two_steps_: the second h buffer
  // Per worker, relative to off_worker_ + worker · worker_bytes_.
  int64_t off_worker_ = 0, worker_bytes_ = 0;
  int64_t off_gxw_ = 0;    // constant weights: a projection chunk, or one step's rows
  int64_t off_xstage_ = 0; // layout 0, a row range of a chunk: X rows gathered contiguous
  int64_t off_gh_ = 0, off_gh2_ = 0, off_rh_ = 0, off_tmp_ = 0;
  int64_t off_apack_ = 0;  // GemmPacked's packed-A scratch, shared by the worker's GEMM calls
  int64_t off_pairs_ = 0;  // two_steps_: (h_{s-1}[j], h_s[j]) pairs, packed A of shared tiles
  int64_t off_split_pairs_ = 0;  // Split::kUnits: the pairs, shared by all workers
  int64_t off_w_ = 0, off_bias_ = 0, off_r1_ = 0, off_r2_ = 0, off_rbh_ = 0, off_peep_ = 0;
  int64_t off_dnnl_ = 0;

  memory::desc src_md_, w_md_, bias_md_, dst_md_, scratchpad_md_;
  dnnl::matmul projection_;

};

// From this batch on the input projection runs per step (one packed GEMM of x_t) instead of
// over all steps at once: the whole-sequence Gx (T·N·D·G·H floats, 26 MB for LSTM(128)
// bidirectional at batch 64, T=100) no longer round-trips through DRAM and leaves the arena.
// Below it the single big matmul wins: a per-step GEMV would stream W every step.
// Measured on AVX2 Zen3, 1 thread (benchmarks/RESULTS.md). SEQRT_RNN_STEP_PROJECTION_MIN_BATCH
// overrides it, to re-measure elsewhere.
// Hidden units per block of the two-step path (RunDirectionTwoSteps): the recurrent weights
// are read as tiles of kUnitBlock rows (inputs h[u]) by kUnitBlock units' gate columns.
constexpr int64_t kUnitBlock = 32;

// Steps per projection chunk: enough rows (32 at batch 1) that the packed GEMM reuses each
// weight panel over many rows, few enough that the chunk (32·4·256 floats, 128 KB for
// LSTM(256) at batch 1) stays in L2 until its steps read it.
constexpr int64_t kChunkSteps = 32;

// Whether a layer eligible for the unit split (Split::kUnits) takes it, by the bytes of its
// packed recurrent weights. Measured at batch 1, T = 100, 2 threads on a 2-core AMD EPYC
// (Zen 4) VM (benchmarks/RESULTS.md, 2026-12-04): LSTM(256) (1 MiB) and GRU(256) (768 KiB)
// ran 1.7-1.8x faster in uncontended rounds; SimpleRNN(128) (64 KiB) gained 5-10%, too little
// for the hand-offs' exposure to a busy machine. LSTM(1024) (16 MiB) gained nothing while
// another job held a core, but on the idle machine it ran 21.1-22.1 ms -> 10.2-10.3 ms (each
// core streams half the weights, with twice the L3 bandwidth of one), so there is no upper
// bound: every layer from 512 KiB of weights splits.
// SEQRT_RNN_UNIT_SPLIT=1 / 0 forces it on / off for every eligible layer (tests, re-measuring);
// read at every Prepare so a test can set it for one case.
bool UnitSplitPays(int64_t r_bytes) {
  if (const char* e = std::getenv("SEQRT_RNN_UNIT_SPLIT")) return std::atoi(e) != 0;
  return r_bytes >= (int64_t{512} << 10);
}

int64_t StepProjectionMinBatch() {
  static const int64_t v = [] {
    const char* e = std::getenv("SEQRT_RNN_STEP_PROJECTION_MIN_BATCH");
    return e ? std::atoll(e) : int64_t{16};
  }();
  return v;
}

absl::Status MatmulCellKernel::Prepare(PrepareContext& ctx) {
  kernels_ = &simd::KernelsFor(ctx.isa());
  for (int i : {kRecX, kRecW, kRecR, kRecB, kRecInitialH, kRecInitialC, kRecP})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline(where_, "not float32");
  if (ctx.has_input(kRecSequenceLens) && ctx.input_dtype(kRecSequenceLens) != DType::kInt32)
    return Decline(where_, "sequence_lens is not int32");
  const Dims& x = ctx.input_dims(kRecX);
  const Dims& r = ctx.input_dims(kRecR);
  if (x.size() != 3 || r.size() != 3) return Decline(where_, "unexpected ranks");
  T_ = attrs_.layout == 0 ? x[0] : x[1];
  N_ = attrs_.layout == 0 ? x[1] : x[0];
  I_ = x[2];
  H_ = r[2];
  D_ = attrs_.num_directions;
  G_ = attrs_.gates();
  if (T_ * N_ * I_ * H_ == 0) return Decline(where_, "empty tensor");
  Hp_ = RoundUp(H_, 8);
  gx_cols_ = D_ * G_ * Hp_;
  const bool gru_split = attrs_.cell == RecurrentCell::kGru && !attrs_.linear_before_reset;
  r1_gates_ = gru_split ? 2 : G_;
  r1_panels_ = RoundUp(r1_gates_ * Hp_, rnn::kPanel) / rnn::kPanel;
  r1_floats_ = rnn::PackedBFloats(Hp_, r1_gates_ * Hp_);
  r2_panels_ = gru_split ? RoundUp(Hp_, rnn::kPanel) / rnn::kPanel : 0;
  r2_floats_ = gru_split ? rnn::PackedBFloats(Hp_, Hp_) : 0;

  constant_weights_ = ctx.input_constant(kRecW) && ctx.input_constant(kRecR) &&
                      (!ctx.has_input(kRecB) || ctx.input_constant(kRecB)) &&
                      (!ctx.has_input(kRecP) || ctx.input_constant(kRecP));

  has_peepholes_ = ctx.has_input(kRecP);
  step_projection_ = constant_weights_ && N_ >= StepProjectionMinBatch();
  w_panels_ = RoundUp(G_ * Hp_, rnn::kPanel) / rnn::kPanel;
  w_packed_floats_ = rnn::PackedBFloats(I_, G_ * Hp_);

  // The two-step path needs Hp a whole number of unit blocks (H itself then, as Hp = H) and
  // a cell whose whole recurrent product is h·Rᵀ (not GRU without linear_before_reset).
  two_steps_ = N_ == 1 && constant_weights_ && !step_projection_ && !gru_split &&
               H_ % kUnitBlock == 0 && H_ / kUnitBlock >= 2;

  // Threads: rows when every worker gets at least two; one direction per thread for a
  // bidirectional layer (no synchronisation at all); a one-directional two-step layer with
  // weights of the right size splits its unit blocks (see UnitSplitPays).
  const int threads = std::max(1, ctx.threads());
  split_ = Split::kNone;
  workers_ = 1;
  if (threads >= 2 && two_steps_ && D_ == 1 && UnitSplitPays(r1_floats_ * 4)) {
    split_ = Split::kUnits;
    workers_ = static_cast<int>(std::min<int64_t>({threads, kMaxSplitWorkers, H_ / kUnitBlock}));
  } else if (threads >= 2 && N_ >= 2 * threads) {
    split_ = Split::kRows;
    workers_ = threads;
  } else if (threads >= 2 && D_ == 2) {
    split_ = Split::kDirections;
    workers_ = 2;
  }
  rows_per_worker_ = split_ == Split::kRows ? (N_ + workers_ - 1) / workers_ : N_;
  const int64_t nw = rows_per_worker_;

  ScratchLayout s;
  const int64_t w_ld = w_panels_ * rnn::kPanel;
  chunk_steps_ = std::min(T_, kChunkSteps);
  off_gx_ = s.Add(constant_weights_ ? 0 : T_ * N_ * gx_cols_);
  off_h_ = s.Add(D_ * N_ * Hp_);
  off_c_ = s.Add(attrs_.cell == RecurrentCell::kLstm ? D_ * N_ * Hp_ : 0);
  off_h2_ = s.Add(two_steps_ ? D_ * Hp_ : 0);
  off_split_pairs_ = s.Add(split_ == Split::kUnits ? 2 * Hp_ : 0);
  {
    ScratchLayout w;
    const bool chunked = constant_weights_ && !step_projection_;
    off_gxw_ = w.Add(step_projection_ ? nw * w_ld : chunked ? chunk_steps_ * nw * w_ld : 0);
    off_xstage_ = w.Add(chunked && attrs_.layout == 0 && nw < N_ ? chunk_steps_ * nw * I_ : 0);
    off_gh_ = w.Add(nw * r1_panels_ * rnn::kPanel * (two_steps_ ? 2 : 1));
    off_gh2_ = w.Add(nw * r2_panels_ * rnn::kPanel);
    off_rh_ = w.Add(gru_split ? nw * Hp_ : 0);
    off_tmp_ = w.Add(Hp_);
    off_pairs_ = w.Add(two_steps_ ? 2 * Hp_ : 0);
    const int64_t proj_rows = step_projection_ ? nw : chunked ? chunk_steps_ * nw : 0;
    off_apack_ = w.Add(std::max({proj_rows > 0 ? rnn::GemmPackScratchFloats(proj_rows, I_) : int64_t{0},
                                 rnn::GemmPackScratchFloats(nw, Hp_)}));
    worker_bytes_ = w.bytes();
    off_worker_ = s.Add(workers_ * worker_bytes_ / 4);
  }
  const int64_t bias_floats = gx_cols_, rbh_floats = D_ * Hp_, peep_floats = D_ * 3 * Hp_;
  if (constant_weights_) {
    SEQRT_ASSIGN_OR_RETURN(weights_, ctx.SharedState<ConstantWeights>(
                                         two_steps_ ? "unit_block_columns" : "onnx_columns",
                                         [&] { return BuildConstantWeights(ctx); }));
    scratchpad_md_ = memory::desc();
  } else {
    weights_.reset();
    off_w_ = s.Add(I_ * gx_cols_);
    off_bias_ = s.Add(bias_floats);
    off_r1_ = s.Add(D_ * r1_floats_);
    off_r2_ = s.Add(D_ * r2_floats_);
    off_rbh_ = s.Add(rbh_floats);
    off_peep_ = s.Add(peep_floats);
    SEQRT_RETURN_IF_ERROR(BuildProjection());
  }
  off_dnnl_ = s.Add((static_cast<int64_t>(scratchpad_md_.get_size()) + 3) / 4);
  ctx.RequestScratch(static_cast<size_t>(s.bytes()));
  return absl::OkStatus();
}

// The constant weights in the kernel's internal forms (column order per two_steps_).
absl::StatusOr<std::shared_ptr<const MatmulCellKernel::ConstantWeights>> MatmulCellKernel::BuildConstantWeights(
    PrepareContext& ctx) const {
  auto cw = std::make_shared<ConstantWeights>();
  const int64_t bias_floats = gx_cols_, rbh_floats = D_ * Hp_, peep_floats = D_ * 3 * Hp_;
  cw->bias.assign(bias_floats, 0.f);
  cw->r1.assign(D_ * r1_floats_, 0.f);
  cw->r2.assign(D_ * r2_floats_, 0.f);
  cw->rbh.assign(rbh_floats, 0.f);
  cw->peep.assign(peep_floats, 0.f);
  std::vector<float> w_plain(I_ * gx_cols_, 0.f);
  const WeightPtrs out{w_plain.data(), nullptr, cw->bias.data(), cw->r1.data(),
                       cw->r2.data(), cw->rbh.data(), cw->peep.data()};
  auto data = [&](int i) { return ctx.has_input(i) ? ctx.input_constant(i)->data_as<float>() : nullptr; };
  ConvertWeights(data(kRecW), data(kRecR), data(kRecB), data(kRecP), out);
  // Per direction: Wᵀ packed for our GEMM, and the folded bias padded to whole panels.
  // Measured on AVX2 Zen3 (benchmarks/RESULTS.md): at batch 1, T=100, I=256, 4H=1024 this
  // projection runs ~2.5x faster than oneDNN 2.6's matmul on prepacked weights.
  const int64_t cols = G_ * Hp_, padded = w_panels_ * rnn::kPanel;
  cw->w_packed.assign(D_ * w_packed_floats_, 0.f);
  cw->packed_bias.assign(D_ * padded, 0.f);
  for (int64_t d = 0; d < D_; ++d) {
    const float* wd = w_plain.data() + d * cols;
    rnn::PackB(I_, cols, [&](int64_t k, int64_t c) { return wd[k * gx_cols_ + OnnxColumn(c)]; },
               cw->w_packed.data() + d * w_packed_floats_);
    for (int64_t c = 0; c < cols; ++c) cw->packed_bias[d * padded + c] = cw->bias[d * cols + OnnxColumn(c)];
  }
  return std::shared_ptr<const ConstantWeights>(std::move(cw));
}

// ONNX W [D, G·H, I], R [D, G·H, H], B [D, 2·G·H], P [D, 3H] into the padded internal forms.
// Gates keep ONNX order (LSTM i,o,f,c; GRU z,r,h). Both biases fold into the projection,
// except GRU linear_before_reset's Rbh which must be scaled by r: it stays separate.
void MatmulCellKernel::ConvertWeights(const float* w, const float* r, const float* b, const float* p,
                                      const WeightPtrs& out) const {
  const int64_t G = G_, H = H_, Hp = Hp_, I = I_;
  const bool lbr = attrs_.cell == RecurrentCell::kGru && attrs_.linear_before_reset;
  std::fill(out.bias, out.bias + gx_cols_, 0.f);
  std::fill(out.rbh, out.rbh + D_ * Hp, 0.f);
  std::fill(out.peep, out.peep + D_ * 3 * Hp, 0.f);
  if (out.w_proj) std::fill(out.w_proj, out.w_proj + I * gx_cols_, 0.f);
  for (int64_t d = 0; d < D_; ++d) {
    for (int64_t g = 0; g < G; ++g) {
      for (int64_t j = 0; j < H; ++j) {
        const int64_t col = (d * G + g) * Hp + j;
        const int64_t row = (d * G + g) * H + j;  // row of W/R, entry of Wb
        if (out.w_proj)
          for (int64_t i = 0; i < I; ++i) out.w_proj[i * gx_cols_ + col] = w[row * I + i];
        if (b) {
          const float wb = b[d * 2 * G * H + g * H + j];
          const float rb = b[d * 2 * G * H + (G + g) * H + j];
          if (lbr && g == 2) {
            out.bias[col] = wb;
            out.rbh[d * Hp + j] = rb;
          } else {
            out.bias[col] = wb + rb;
          }
        }
      }
    }
    const float* rd = r + d * G * H * H;
    auto r_at = [&](int64_t gate0) {
      return [=, this](int64_t k, int64_t c) -> float {
        const int64_t onnx = OnnxColumn(c);
        const int64_t g = gate0 + onnx / Hp, j = onnx % Hp;
        return (k < H && j < H) ? rd[(g * H + j) * H + k] : 0.f;
      };
    };
    rnn::PackB(Hp, r1_gates_ * Hp, r_at(0), out.r1 + d * r1_floats_);
    if (r2_floats_ > 0) rnn::PackB(Hp, Hp, r_at(2), out.r2 + d * r2_floats_);
    if (p)
      for (int64_t g = 0; g < 3; ++g)
        for (int64_t j = 0; j < H; ++j) out.peep[d * 3 * Hp + PeepIndex(g, j)] = p[(d * 3 + g) * H + j];
  }
}

absl::Status MatmulCellKernel::BuildProjection() {
  try {
    const dnnl::engine& engine = CpuEngine();
    const int64_t rows = T_ * N_;
    src_md_ = memory::desc({rows, I_}, memory::data_type::f32, memory::format_tag::ab);
    const memory::desc w_plain_md({I_, gx_cols_}, memory::data_type::f32, memory::format_tag::ab);
    bias_md_ = memory::desc({1, gx_cols_}, memory::data_type::f32, memory::format_tag::ab);
    dst_md_ = memory::desc({rows, gx_cols_}, memory::data_type::f32, memory::format_tag::ab);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md_, w_plain_md, bias_md_, dst_md_), attr, engine);
    w_md_ = pd.weights_desc();
    scratchpad_md_ = pd.scratchpad_desc();
    projection_ = dnnl::matmul(pd);
  } catch (const dnnl::error& e) {
    absl::Status s = DnnlErrorToStatus(e, where_);
    if (absl::IsUnimplemented(s)) return Decline(where_, e.what());
    return s;
  }
  return absl::OkStatus();
}

absl::Status MatmulCellKernel::RunProjection(ComputeContext& ctx, const float* x, const float* w_plain,
                                             const float* bias, float* gx) const {
  try {
    const dnnl::engine& engine = CpuEngine();
    dnnl::stream stream(engine);
    memory src(src_md_, engine, const_cast<float*>(x));
    memory w(w_md_, engine, const_cast<float*>(w_plain));
    memory b(bias_md_, engine, const_cast<float*>(bias));
    memory dst(dst_md_, engine, gx);
    memory pad(scratchpad_md_, engine, static_cast<char*>(ctx.scratch()) + off_dnnl_);
    projection_.execute(stream, {{DNNL_ARG_SRC, src},
                                 {DNNL_ARG_WEIGHTS, w},
                                 {DNNL_ARG_BIAS, b},
                                 {DNNL_ARG_DST, dst},
                                 {DNNL_ARG_SCRATCHPAD, pad}});
    stream.wait();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, where_);
  }
  return absl::OkStatus();
}

int64_t MatmulCellKernel::OnnxColumn(int64_t c) const {
  if (!two_steps_) return c;
  const int64_t per_block = G_ * kUnitBlock;
  const int64_t v = c / per_block, g = c % per_block / kUnitBlock;
  return g * Hp_ + v * kUnitBlock + c % kUnitBlock;
}

int64_t MatmulCellKernel::PeepIndex(int64_t g, int64_t j) const {
  if (!two_steps_) return g * Hp_ + j;
  return j / kUnitBlock * 3 * kUnitBlock + g * kUnitBlock + j % kUnitBlock;
}

rnn::GateParams MatmulCellKernel::GatesOf(int d, const WeightPtrs& wp) const {
  const int per_dir = attrs_.activations_per_direction();
  rnn::GateParams gates;
  gates.f = &attrs_.activation(d, 0);
  gates.g = &attrs_.activation(d, std::min(1, per_dir - 1));
  gates.hact = &attrs_.activation(d, per_dir - 1);
  gates.has_clip = attrs_.clip.has_value();
  gates.clip = attrs_.clip.value_or(0.f);
  gates.kernels = kernels_;
  gates.input_forget = attrs_.input_forget;
  gates.peep = has_peepholes_ ? wp.peep + d * 3 * Hp_ : nullptr;
  gates.rbh = wp.rbh + d * Hp_;
  return gates;
}

void MatmulCellKernel::ProjectChunk(int d, const float* x, int64_t t_lo, int64_t t_hi, int64_t n0, int64_t n1,
                                    const WeightPtrs& wp, float* gxc, float* xstage, float* a_pack) const {
  const int64_t T = T_, N = N_, I = I_, nr = n1 - n0, steps = t_hi - t_lo;
  const int64_t w_ld = w_panels_ * rnn::kPanel;
  rnn::GemmOptions opt;
  opt.kernels = kernels_;
  opt.bias = weights_->packed_bias.data() + d * w_ld;
  const float* w = wp.w_packed + d * w_packed_floats_;
  if (attrs_.layout == 0) {
    // X [T, N, I]: the chunk's rows (t, n) are contiguous when the range is the whole batch.
    const float* a = x + t_lo * N * I;
    if (nr < N) {
      for (int64_t t = 0; t < steps; ++t)
        std::memcpy(xstage + t * nr * I, a + (t * N + n0) * I, nr * I * sizeof(float));
      a = xstage;
    }
    rnn::GemmPacked(steps * nr, I, w_panels_, a, I, w, gxc, w_ld, a_pack, opt);
  } else {
    // X [N, T, I]: each row's steps are contiguous; Gx rows interleave the batch rows.
    for (int64_t n = n0; n < n1; ++n)
      rnn::GemmPacked(steps, I, w_panels_, x + (n * T + t_lo) * I, I, w, gxc + (n - n0) * w_ld, nr * w_ld,
                      a_pack, opt);
  }
}

// Rows [n0, n1) of one direction over all steps. `x` is the X input (projected per step or
// per chunk with constant weights), `gx` the whole-sequence oneDNN projection otherwise. `y`
// is the Y output (may be null); the h/c state rows hold the initial state on entry and the
// final state on exit.
void MatmulCellKernel::RunDirection(int d, int64_t n0, int64_t n1, const float* x, const float* gx,
                                    const int32_t* lens, const WeightPtrs& wp, char* scratch, int worker,
                                    float* y) const {
  const int64_t T = T_, N = N_, H = H_, Hp = Hp_, G = G_, D = D_, I = I_, nr = n1 - n0;
  char* mine = scratch + off_worker_ + worker * worker_bytes_;
  auto buffer = [&](int64_t off) { return reinterpret_cast<float*>(mine + off); };
  float* gxw = buffer(off_gxw_);  // step projection [nr, w_ld]; chunk [steps][nr][w_ld]
  float* xstage = buffer(off_xstage_);
  float* gh = buffer(off_gh_);
  float* gh2 = buffer(off_gh2_);
  float* rh = buffer(off_rh_);
  float* tmp = buffer(off_tmp_);
  float* a_pack = buffer(off_apack_);
  float* hs = reinterpret_cast<float*>(scratch + off_h_) + (d * N + n0) * Hp;
  float* cs = reinterpret_cast<float*>(scratch + off_c_) + (d * N + n0) * Hp;
  const int64_t ldgh = r1_panels_ * rnn::kPanel, ldgh2 = r2_panels_ * rnn::kPanel;
  const int64_t w_ld = w_panels_ * rnn::kPanel;
  const float* r1 = wp.r1 + d * r1_floats_;
  const float* r2 = wp.r2 + d * r2_floats_;
  const bool reverse = d == 1 || attrs_.reverse;
  const bool layout0 = attrs_.layout == 0;
  const rnn::GateParams gates = GatesOf(d, wp);
  const bool gru_split = attrs_.cell == RecurrentCell::kGru && !attrs_.linear_before_reset;

  const bool chunked = constant_weights_ && !step_projection_;
  int64_t chunk_lo = 0;  // first step of the projected chunk
  for (int64_t step = 0; step < T; ++step) {
    const int64_t t = reverse ? T - 1 - step : step;
    // Alternate the weight walk so each step starts where the last one ended (still in L2).
    rnn::GemmOptions zigzag;
    zigzag.kernels = kernels_;
    zigzag.reverse_blocks = (step & 1) != 0;
    // The projection row of batch row n (local index n - n0) at step t.
    const float* xw_base;
    int64_t xw_stride;
    if (step_projection_) {
      rnn::GemmOptions opt = zigzag;
      opt.bias = weights_->packed_bias.data() + d * w_ld;
      // Row n0 of X at step t: layout 0 [T, N, I], layout 1 [N, T, I].
      const float* xt = x + (layout0 ? (t * N + n0) * I : (n0 * T + t) * I);
      rnn::GemmPacked(nr, I, w_panels_, xt, layout0 ? I : T * I, wp.w_packed + d * w_packed_floats_, gxw, w_ld,
                      a_pack, opt);
      xw_base = gxw;
      xw_stride = w_ld;
    } else if (chunked) {
      if (step % chunk_steps_ == 0) {
        const int64_t last = std::min(T, step + chunk_steps_);  // steps [step, last) in run order
        chunk_lo = reverse ? T - last : step;
        ProjectChunk(d, x, chunk_lo, chunk_lo + (last - step), n0, n1, wp, gxw, xstage, a_pack);
      }
      xw_base = gxw + (t - chunk_lo) * nr * w_ld;
      xw_stride = w_ld;
    } else {
      xw_base = gx + (layout0 ? t * N + n0 : n0 * T + t) * gx_cols_ + d * G * Hp;
      xw_stride = (layout0 ? 1 : T) * gx_cols_;
    }
    rnn::GemmPacked(nr, Hp, r1_panels_, hs, Hp, r1, gh, ldgh, a_pack, zigzag);
    if (gru_split) {
      // z and r first; (r ⊙ h) then feeds the h gate's recurrent product.
      for (int64_t n = 0; n < nr; ++n)
        rnn::GruZrRow(gates, xw_base + n * xw_stride, gh + n * ldgh, hs + n * Hp, rh + n * Hp, Hp);
      rnn::GemmOptions plain;
      plain.kernels = kernels_;
      rnn::GemmPacked(nr, Hp, r2_panels_, rh, Hp, r2, gh2, ldgh2, a_pack, plain);
    }
    for (int64_t n = 0; n < nr; ++n) {
      const int64_t row = n0 + n;
      const bool valid = lens == nullptr || t < lens[row];
      float* yrow = y ? y + (layout0 ? (t * D + d) * N + row : (row * T + t) * D + d) * H : nullptr;
      if (!valid) {
        if (yrow) std::memset(yrow, 0, H * sizeof(float));
        continue;
      }
      const float* xw = xw_base + n * xw_stride;
      float* rec = gh + n * ldgh;
      float* h = hs + n * Hp;
      switch (attrs_.cell) {
        case RecurrentCell::kRnn:
          rnn::RnnRow(gates, xw, rec, h, Hp);
          break;
        case RecurrentCell::kGru:
          if (gru_split) {
            rnn::GruHRow(gates, xw, rec, gh2 + n * ldgh2, h, Hp);
          } else {
            rnn::GruLbrRow(gates, xw, rec, h, Hp);
          }
          break;
        case RecurrentCell::kLstm: {
          float* c = cs + n * Hp;
          rnn::LstmRow(gates, xw, rec, h, c, tmp, Hp);
          if (Hp != H) std::fill(c + H, c + Hp, 0.f);
          break;
        }
      }
      if (Hp != H) std::fill(h + H, h + Hp, 0.f);
      if (yrow) std::memcpy(yrow, h, H * sizeof(float));
    }
  }
}

// Batch 1, where one step is a matrix-vector product bound by how fast the recurrent weights
// stream into L1. Split h into B blocks of kUnitBlock units and R into B x B tiles (u, v):
// rows of input block u, the gate columns of unit block v. Step s finalises unit blocks one
// by one (forward order on even steps, backward on odd ones); once h_s[u] is final, every
// tile (u, v) read later in the same sweep serves step s (with h_{s-1}[u]) and step s + 1
// (with h_s[u]) in one two-row product. The next sweep runs the other way round and needs
// only the tiles the previous one could not share plus the diagonal: B(B+1)/2 tile reads per
// step instead of B². Only the order of the additions changes.
void MatmulCellKernel::FinishUnitBlock(int64_t v, const rnn::GateParams& gates, const float* xw, float* rec,
                                       const float* h_prev, float* h, float* c, float* tmp, float* pairs) const {
  const int64_t ub = kUnitBlock, j0 = v * ub, c0 = v * G_ * ub;
  std::copy_n(h_prev + j0, ub, h + j0);
  rnn::GateParams block_gates = gates;
  if (gates.peep) block_gates.peep = gates.peep + v * 3 * ub;
  block_gates.rbh = gates.rbh + j0;
  switch (attrs_.cell) {
    case RecurrentCell::kRnn:
      rnn::RnnRow(block_gates, xw + c0, rec + c0, h + j0, ub);
      break;
    case RecurrentCell::kGru:
      rnn::GruLbrRow(block_gates, xw + c0, rec + c0, h + j0, ub, ub);
      break;
    case RecurrentCell::kLstm:
      rnn::LstmRow(block_gates, xw + c0, rec + c0, h + j0, c + j0, tmp, ub, ub);
      break;
  }
  for (int64_t j = j0; j < j0 + ub; ++j) {
    pairs[2 * j] = h_prev[j];
    pairs[2 * j + 1] = h[j];
  }
}

void MatmulCellKernel::RunDirectionTwoSteps(int d, const float* x, const int32_t* lens, const WeightPtrs& wp,
                                            char* scratch, int worker, float* y) const {
  const int64_t T = T_, H = H_, Hp = Hp_, G = G_, D = D_, ub = kUnitBlock;
  const int64_t blocks = Hp / ub, kp = rnn::PaddedK(Hp), per_block = G * ub;
  // N = 1: a short row is a shorter sequence (reverse: starting from its last valid step).
  const int64_t steps = lens ? lens[0] : T;
  char* mine = scratch + off_worker_ + worker * worker_bytes_;
  auto buffer = [&](int64_t off) { return reinterpret_cast<float*>(mine + off); };
  auto shared_buffer = [&](int64_t off) { return reinterpret_cast<float*>(scratch + off); };
  const int64_t ldgh = r1_panels_ * rnn::kPanel, w_ld = w_panels_ * rnn::kPanel;
  float* acc_buf[2] = {buffer(off_gh_), buffer(off_gh_) + ldgh};
  float* h_buf[2] = {shared_buffer(off_h_) + d * Hp, shared_buffer(off_h2_) + d * Hp};
  float* cs = shared_buffer(off_c_) + d * Hp;
  float* tmp = buffer(off_tmp_);
  float* gxc = buffer(off_gxw_);
  float* a_pack = buffer(off_apack_);
  const float* r1 = wp.r1 + d * r1_floats_;
  const bool reverse = d == 1 || attrs_.reverse;
  const rnn::GateParams gates = GatesOf(d, wp);
  // h_s lives in h_buf[(s + 1) & 1], so h_{-1}, the initial state, is the usual state buffer.
  auto h_of = [&](int64_t s) { return h_buf[(s + 1) & 1]; };
  auto acc_of = [&](int64_t s) { return acc_buf[s & 1]; };

  // acc_of(s)[block v's columns] += h_{s-1}[blocks u0..u1) · R(u0..u1, v): rows u0·ub.. of
  // block v's panels, one stream per panel. With `both` the same read also adds
  // h_s[blocks u0..u1) · R(u0..u1, v) into acc_of(s + 1).
  rnn::GemmOptions options;
  options.kernels = kernels_;
  options.accumulate = true;
  options.b_panel_stride = kp * rnn::kPanel;
  float* pairs = buffer(off_pairs_);
  rnn::GemmOptions shared = options;
  shared.a_packed = true;
  auto tiles = [&](int64_t s, int64_t u0, int64_t u1, int64_t v, bool both) {
    if (u0 >= u1) return;
    float* c0 = acc_of(s) + v * per_block;
    const float* b = r1 + (v * per_block / rnn::kPanel) * kp * rnn::kPanel + u0 * ub * rnn::kPanel;
    if (both) {
      rnn::GemmPacked(2, (u1 - u0) * ub, per_block / rnn::kPanel, pairs + 2 * u0 * ub, 0, b, c0,
                      acc_of(s + 1) + v * per_block - c0, a_pack, shared);
    } else {
      rnn::GemmPacked(1, (u1 - u0) * ub, per_block / rnn::kPanel, h_of(s - 1) + u0 * ub, 0, b, c0, 0, a_pack,
                      options);
    }
  };

  std::fill(acc_of(0), acc_of(0) + ldgh, 0.f);
  int64_t chunk_lo = 0;
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const bool forward_sweep = (s & 1) == 0, has_next = s + 1 < steps;
    if (has_next) std::fill(acc_of(s + 1), acc_of(s + 1) + ldgh, 0.f);
    if (s % chunk_steps_ == 0) {
      const int64_t last = std::min(steps, s + chunk_steps_);
      chunk_lo = reverse ? steps - last : s;
      ProjectChunk(d, x, chunk_lo, chunk_lo + (last - s), 0, 1, wp, gxc, nullptr, a_pack);
    }
    const float* xw = gxc + (t - chunk_lo) * w_ld;
    float* h = h_of(s);
    float* rec = acc_of(s);
    for (int64_t i = 0; i < blocks; ++i) {
      const int64_t v = forward_sweep ? i : blocks - 1 - i;
      // Input blocks already final in this sweep (before v in its order) are shared with
      // step s + 1; the diagonal is not; those after v were shared by the previous sweep
      // (except on the first step).
      const int64_t lo = forward_sweep ? 0 : v + 1, hi = forward_sweep ? v : blocks;  // shared now
      tiles(s, lo, hi, v, has_next);
      tiles(s, v, v + 1, v, false);
      if (s == 0) tiles(s, v + 1, blocks, v, false);  // the first sweep is forward
      // Unit block v of step s is complete.
      FinishUnitBlock(v, gates, xw, rec, h_of(s - 1), h, cs, tmp, pairs);
    }
    if (y) std::memcpy(y + (t * D + d) * H, h, H * sizeof(float));  // N = 1: both layouts agree
  }
  if (y)  // rows past a short sequence
    for (int64_t t = steps; t < T; ++t) std::memset(y + (t * D + d) * H, 0, H * sizeof(float));
  // The caller reads the final state from the usual buffer.
  if (steps > 0 && h_of(steps - 1) != h_buf[0]) std::copy_n(h_of(steps - 1), Hp, h_buf[0]);
}

// RunDirectionTwoSteps with the unit blocks split over `workers` workers running at once:
// worker w owns a contiguous range of blocks (their columns of R's and W's packed panels,
// their projection columns, gate math, c and Y units). Every worker sweeps its own blocks
// through P = ceil(blocks / workers) positions, forward on even steps and backward on odd
// ones, so at step s each block u has a position p_s(u) and p_{s+1}(u) = P - 1 - p_s(u).
// For the block v at position q, tile (u, v) is
//   - read for steps s and s + 1 together when p_s(u) < q (h_s[u] is final by then, also in
//     another worker, which has passed position q - 1: it is one counter wait away),
//   - read for step s alone when p_s(u) == q (v itself, and the other workers' blocks at q),
//   - already done in step s - 1 when p_s(u) > q (there p_{s-1}(u) < p_{s-1}(v)), except on
//     the first step, which reads it for step 0 alone.
// So about half the tiles are read per step, as on one thread, and each worker reads only
// its own blocks' columns. A worker publishes sP + q + 1 after finishing position q of step
// s and, before the gate math of position q, waits until every other worker has published
// sP + q: that orders every write of h and of the shared pairs after the last read of the
// values they replace (a value written at position q of step s + 1 replaces one last read at
// a position below P - 1 - q of step s, or in step s - 1). With one worker this is exactly
// RunDirectionTwoSteps.
void MatmulCellKernel::RunDirectionUnitSplit(int d, const float* x, const int32_t* lens, const WeightPtrs& wp,
                                             char* scratch, int worker, int workers, SplitProgress* progress,
                                             float* y) const {
  const int64_t T = T_, H = H_, Hp = Hp_, D = D_, I = I_, ub = kUnitBlock;
  const int64_t blocks = Hp / ub, kp = rnn::PaddedK(Hp), per_block = G_ * ub;
  const int64_t steps = lens ? lens[0] : T;  // N = 1: a short row is a shorter sequence
  const int64_t P = (blocks + workers - 1) / workers;
  auto first_block = [&](int w) { return blocks * w / workers; };
  const int64_t b0 = first_block(worker), nb = first_block(worker + 1) - b0;
  char* mine = scratch + off_worker_ + worker * worker_bytes_;
  auto buffer = [&](int64_t off) { return reinterpret_cast<float*>(mine + off); };
  auto shared_buffer = [&](int64_t off) { return reinterpret_cast<float*>(scratch + off); };
  const int64_t ldgh = r1_panels_ * rnn::kPanel, w_ld = w_panels_ * rnn::kPanel;
  float* acc_buf[2] = {buffer(off_gh_), buffer(off_gh_) + ldgh};
  float* h_buf[2] = {shared_buffer(off_h_) + d * Hp, shared_buffer(off_h2_) + d * Hp};
  float* cs = shared_buffer(off_c_) + d * Hp;
  float* pairs = shared_buffer(off_split_pairs_);
  float* tmp = buffer(off_tmp_);
  float* gxc = buffer(off_gxw_);
  float* a_pack = buffer(off_apack_);
  const float* r1 = wp.r1 + d * r1_floats_;
  const bool reverse = d == 1 || attrs_.reverse;
  const rnn::GateParams gates = GatesOf(d, wp);
  auto h_of = [&](int64_t s) { return h_buf[(s + 1) & 1]; };
  auto acc_of = [&](int64_t s) { return acc_buf[s & 1]; };
  // This worker's columns (whole panels: per_block is a multiple of kPanel).
  const int64_t col0 = b0 * per_block, cols = nb * per_block;

  rnn::GemmOptions options;
  options.kernels = kernels_;
  options.accumulate = true;
  options.b_panel_stride = kp * rnn::kPanel;
  rnn::GemmOptions shared = options;
  shared.a_packed = true;
  // As in RunDirectionTwoSteps: input blocks [u0, u1) into block v's columns.
  auto tiles = [&](int64_t s, int64_t u0, int64_t u1, int64_t v, bool both) {
    if (u0 >= u1) return;
    float* c0 = acc_of(s) + v * per_block;
    const float* b = r1 + (v * per_block / rnn::kPanel) * kp * rnn::kPanel + u0 * ub * rnn::kPanel;
    if (both) {
      rnn::GemmPacked(2, (u1 - u0) * ub, per_block / rnn::kPanel, pairs + 2 * u0 * ub, 0, b, c0,
                      acc_of(s + 1) + v * per_block - c0, a_pack, shared);
    } else {
      rnn::GemmPacked(1, (u1 - u0) * ub, per_block / rnn::kPanel, h_of(s - 1) + u0 * ub, 0, b, c0, 0, a_pack,
                      options);
    }
  };
  // Worker w's blocks at step s split by position against q: [e0, e1) before q, `tie` at q
  // (or -1), the rest after q (which are [f, e0) and [e1 or tie + 1, f + n) in block order).
  struct Ranges {
    int64_t f, n, e0, e1, tie;
  };
  auto ranges = [&](int w, int64_t s, int64_t q) {
    Ranges r;
    r.f = first_block(w);
    r.n = first_block(w + 1) - r.f;
    const int64_t l = (s & 1) == 0 ? q : P - 1 - q;  // local index at position q
    r.tie = l < r.n ? r.f + l : -1;
    if ((s & 1) == 0) {
      r.e0 = r.f;
      r.e1 = r.f + std::min(q, r.n);
    } else {
      r.e0 = r.f + std::min(r.n, P - q);
      r.e1 = r.f + r.n;
    }
    return r;
  };
  // Tile reads of step s for block v against worker w's blocks.
  auto tiles_of = [&](int w, int64_t s, int64_t q, int64_t v, bool has_next) {
    const Ranges r = ranges(w, s, q);
    tiles(s, r.e0, r.e1, v, has_next);
    if (r.tie >= 0) tiles(s, r.tie, r.tie + 1, v, false);
    if (s == 0) {  // the first sweep is forward: later blocks follow the tie / the earlier ones
      const int64_t later0 = r.tie >= 0 ? r.tie + 1 : r.e1;
      tiles(s, later0, r.f + r.n, v, false);
    }
  };

  std::fill(acc_of(0) + col0, acc_of(0) + col0 + cols, 0.f);
  int64_t chunk_lo = 0;
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const bool has_next = s + 1 < steps;
    if (has_next) std::fill(acc_of(s + 1) + col0, acc_of(s + 1) + col0 + cols, 0.f);
    if (s % chunk_steps_ == 0) {
      // This worker's projection columns of the chunk's steps (N = 1: X's rows are the steps
      // in both layouts), so the projection is split over the workers too.
      const int64_t last = std::min(steps, s + chunk_steps_);
      chunk_lo = reverse ? steps - last : s;
      rnn::GemmOptions opt;
      opt.kernels = kernels_;
      opt.bias = weights_->packed_bias.data() + d * w_ld + col0;
      rnn::GemmPacked(last - s, I, cols / rnn::kPanel, x + chunk_lo * I, I,
                      wp.w_packed + d * w_packed_floats_ + (col0 / rnn::kPanel) * rnn::PaddedK(I) * rnn::kPanel,
                      gxc + col0, w_ld, a_pack, opt);
    }
    const float* xw = gxc + (t - chunk_lo) * w_ld;
    float* h = h_of(s);
    float* rec = acc_of(s);
    for (int64_t q = 0; q < P; ++q) {
      const int64_t l = (s & 1) == 0 ? q : P - 1 - q;
      if (l < nb) {
        const int64_t v = b0 + l;
        tiles_of(worker, s, q, v, has_next);  // own blocks: final already, no wait
        for (int w = 0; w < workers; ++w) {
          if (w == worker) continue;
          WaitFor(progress[w].done, s * P + q);
          tiles_of(w, s, q, v, has_next);
        }
        FinishUnitBlock(v, gates, xw, rec, h_of(s - 1), h, cs, tmp, pairs);
        const int64_t j0 = v * ub;
        if (y) std::memcpy(y + (t * D + d) * H + j0, h + j0, ub * sizeof(float));  // N = 1, Hp = H
      }
      Publish(progress[worker].done, s * P + q + 1);
    }
  }
  const int64_t j0 = b0 * ub, units = nb * ub;
  if (y)  // rows past a short sequence
    for (int64_t t = steps; t < T; ++t) std::memset(y + (t * D + d) * H + j0, 0, units * sizeof(float));
  // The caller reads the final state from the usual buffer, which may still hold h_{steps-2}
  // that other workers read in the last step: copy once they are all done.
  if (steps > 0 && h_of(steps - 1) != h_buf[0]) {
    for (int w = 0; w < workers; ++w)
      if (w != worker) WaitFor(progress[w].done, steps * P);
    std::copy_n(h_of(steps - 1) + j0, units, h_buf[0] + j0);
  }
}

absl::Status MatmulCellKernel::Compute(ComputeContext& ctx) const {
  char* scratch = static_cast<char*>(ctx.scratch());
  WeightPtrs wp;
  if (constant_weights_) {
    const ConstantWeights& cw = *weights_;
    wp = {nullptr, const_cast<float*>(cw.w_packed.data()), const_cast<float*>(cw.bias.data()),
          const_cast<float*>(cw.r1.data()), const_cast<float*>(cw.r2.data()),
          const_cast<float*>(cw.rbh.data()), const_cast<float*>(cw.peep.data())};
  } else {
    auto at = [&](int64_t off) { return reinterpret_cast<float*>(scratch + off); };
    wp = {at(off_w_), nullptr, at(off_bias_), at(off_r1_), at(off_r2_), at(off_rbh_), at(off_peep_)};
    ConvertWeights(ctx.input<float>(kRecW), ctx.input<float>(kRecR),
                   ctx.has_input(kRecB) ? ctx.input<float>(kRecB) : nullptr,
                   ctx.has_input(kRecP) ? ctx.input<float>(kRecP) : nullptr, wp);
  }

  const int32_t* lens = ctx.has_input(kRecSequenceLens) ? ctx.input<int32_t>(kRecSequenceLens) : nullptr;
  if (lens) {
    bool all_full = true;
    for (int64_t n = 0; n < N_; ++n) {
      if (lens[n] < 0 || lens[n] > T_)
        return absl::InvalidArgumentError(absl::StrCat(where_, ": sequence_lens[", n, "] is ", lens[n],
                                                       ", expected a value in [0, ", T_, "]"));
      all_full = all_full && lens[n] == T_;
    }
    if (all_full) lens = nullptr;
  }

  float* gx = reinterpret_cast<float*>(scratch + off_gx_);
  if (!constant_weights_) {
    // Every step at once; X's rows are (t, n) for layout 0 and (n, t) for layout 1, the same
    // row order RunDirection reads Gx in.
    SEQRT_RETURN_IF_ERROR(RunProjection(ctx, ctx.input<float>(kRecX), wp.w_proj, wp.bias, gx));
  }

  // Initial states into the padded state buffers. ONNX layout 0: [D, N, H]; layout 1: [N, D, H].
  float* hs = reinterpret_cast<float*>(scratch + off_h_);
  float* cs = reinterpret_cast<float*>(scratch + off_c_);
  const bool lstm = attrs_.cell == RecurrentCell::kLstm;
  auto state_offset = [&](int64_t d, int64_t n) {
    return (attrs_.layout == 0 ? d * N_ + n : n * D_ + d) * H_;
  };
  auto load_state = [&](float* dst, int slot) {
    std::fill(dst, dst + D_ * N_ * Hp_, 0.f);
    if (!ctx.has_input(slot)) return;
    const float* src = ctx.input<float>(slot);
    for (int64_t d = 0; d < D_; ++d)
      for (int64_t n = 0; n < N_; ++n)
        std::memcpy(dst + (d * N_ + n) * Hp_, src + state_offset(d, n), H_ * sizeof(float));
  };
  load_state(hs, kRecInitialH);
  if (lstm) load_state(cs, kRecInitialC);

  float* y = ctx.has_output(kRecY) ? ctx.output<float>(kRecY) : nullptr;
  const float* x = ctx.input<float>(kRecX);
  auto run = [&](int d, int64_t n0, int64_t n1, int worker) {
    if (two_steps_) {
      RunDirectionTwoSteps(d, x, lens, wp, scratch, worker, y);
    } else {
      RunDirection(d, n0, n1, x, gx, lens, wp, scratch, worker, y);
    }
  };
  // Worker w's share: a row range over every direction, or direction w. Each worker owns its
  // scratch slice, so the loop is correct however many threads OpenMP actually provides.
  auto work = [&](int w) {
    if (split_ == Split::kDirections) {
      run(w, 0, N_, w);
      return;
    }
    const int64_t n0 = N_ * w / workers_, n1 = N_ * (w + 1) / workers_;
    for (int d = 0; d < D_; ++d) run(d, n0, n1, w);
  };
  if (split_ == Split::kUnits) {
    // One parallel region for the whole sequence; the workers pace each other. The split
    // adapts to the team OpenMP actually provides (every member must run concurrently).
    SplitProgress progress[kMaxSplitWorkers];
#pragma omp parallel num_threads(workers_)
    RunDirectionUnitSplit(0, x, lens, wp, scratch, omp_get_thread_num(), omp_get_num_threads(), progress, y);
  } else if (workers_ == 1) {
    work(0);
  } else {
#pragma omp parallel for num_threads(workers_) schedule(static, 1)
    for (int w = 0; w < workers_; ++w) work(w);
  }

  auto store_state = [&](const float* src, int slot) {
    if (!ctx.has_output(slot)) return;
    float* dst = ctx.output<float>(slot);
    for (int64_t d = 0; d < D_; ++d)
      for (int64_t n = 0; n < N_; ++n)
        std::memcpy(dst + state_offset(d, n), src + (d * N_ + n) * Hp_, H_ * sizeof(float));
  };
  store_state(hs, kRecYh);
  if (lstm) store_state(cs, kRecYc);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeMatmulCellRnnKernel(const graph::Node& node) {
  return MakeKernel<MatmulCellKernel>(node);
}

}  // namespace seqrt::ops
