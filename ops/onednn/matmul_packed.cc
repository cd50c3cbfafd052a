#include "ops/onednn/matmul_packed.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ops/onednn/engine.h"
#include "ops/onednn/rnn_gemm.h"
#include "ops/reference/matmul.h"

namespace seqrt::ops {
namespace {

constexpr std::string_view kName = "packed_matmul";

// Above this many multiply-adds a threaded oneDNN matmul beats one core of ours; so with
// several threads a product this large either splits its rows over all of them or declines.
constexpr int64_t kMaxSingleCoreWorkWhenThreaded = int64_t{1} << 20;

// Rows of A are independent, so several threads take a row range each (own packing and
// staging scratch). Below this many multiply-adds per thread (about 50 us on one core)
// waking another thread costs more than it saves.
constexpr int64_t kMinWorkPerThread = int64_t{1} << 19;

// Our GEMM computes whole 16-column panels. On a big product with few columns that waste
// loses to oneDNN: bilstm_tagger's per-step head [6400, 256] x [256, 20] (32 columns computed
// for 20) took 3.4 ms here against oneDNN's 2.9 ms; at batch 1 ([100, 256] x [256, 20]) ours
// took 28 us against 59. So products above this size decline when over 20 % is padding.
constexpr int64_t kMaxPaddedWork = int64_t{1} << 22;

// Rows per GEMM call when Y's rows are not whole panels and go through a staging buffer.
constexpr int64_t kStagedRows = 256;

class PackedMatMulKernel final : public OpKernel {
 public:
  PackedMatMulKernel(const graph::Node& node, bool gemm)
      : where_(node.Describe()), gemm_(gemm), attrs_(gemm ? ParseGemmAttrs(node) : GemmAttrs{}) {}

  std::string_view name() const override { return kName; }

  absl::Status Prepare(PrepareContext& ctx) override {
    kernels_ = &simd::KernelsFor(ctx.isa());
    const Tensor* b = ctx.input_constant(1);
    if (b == nullptr) return Decline(kName, where_, "weights are not constant");
    for (int i = 0; i < 3; ++i)
      if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline(kName, where_, "not float32");
    const Dims& a = ctx.input_dims(0);
    const Dims& bd = ctx.input_dims(1);
    if (bd.size() != 2 || a.empty()) return Decline(kName, where_, "weights are not 2-D");
    if (gemm_ && (attrs_.trans_a || attrs_.alpha != 1.f)) return Decline(kName, where_, "transA or alpha");
    k_ = gemm_ && attrs_.trans_b ? bd[1] : bd[0];
    n_ = gemm_ && attrs_.trans_b ? bd[0] : bd[1];
    m_ = 1;
    for (size_t i = 0; i + 1 < a.size(); ++i) m_ *= a[i];
    if (a.back() != k_) return Decline(kName, where_, "inner dimensions differ");
    if (m_ * n_ * k_ == 0) return Decline(kName, where_, "empty tensor");
    const int64_t threads = std::max(1, ctx.threads());
    workers_ = static_cast<int>(std::clamp<int64_t>(m_ * n_ * k_ / kMinWorkPerThread, 1, std::min(threads, m_)));
    if (workers_ < threads && m_ * n_ * k_ > kMaxSingleCoreWorkWhenThreaded)
      return Decline(kName, where_, "large product with several threads");

    panels_ = rnn::RoundUp(n_, rnn::kPanel) / rnn::kPanel;
    if (m_ * n_ * k_ > kMaxPaddedWork && panels_ * rnn::kPanel * 4 > n_ * 5)
      return Decline(kName, where_, "large product with mostly-empty column panels");
    const bool has_c = gemm_ && ctx.has_input(2) && attrs_.beta != 0.f;
    if (has_c) {
      const Tensor* c = ctx.input_constant(2);
      const Dims& cd = ctx.input_dims(2);
      const bool row_bias = (cd.size() == 1 && cd[0] == n_) || (cd.size() == 2 && cd[0] == 1 && cd[1] == n_);
      if (c == nullptr || !row_bias || attrs_.beta != 1.f) return Decline(kName, where_, "C is not a constant row bias");
    }
    // The packed weights and padded bias depend only on B and C: once per session.
    SEQRT_ASSIGN_OR_RETURN(weights_, ctx.SharedState<Weights>("", [&]() -> absl::StatusOr<std::shared_ptr<const Weights>> {
      auto w = std::make_shared<Weights>();
      if (has_c) {
        w->bias.assign(panels_ * rnn::kPanel, 0.f);
        std::copy_n(ctx.input_constant(2)->data_as<float>(), n_, w->bias.begin());
      }
      const float* bw = b->data_as<float>();
      const bool trans_b = gemm_ && attrs_.trans_b;
      w->packed.assign(rnn::PackedBFloats(k_, n_), 0.f);
      rnn::PackB(k_, n_, [&](int64_t k, int64_t n) { return trans_b ? bw[n * k_ + k] : bw[k * n_ + n]; },
                 w->packed.data());
      return std::shared_ptr<const Weights>(std::move(w));
    }));

    // Y is written in place when its rows are whole panels; otherwise through a staging block.
    direct_ = n_ % rnn::kPanel == 0;
    const int64_t worker_rows = (m_ + workers_ - 1) / workers_;
    const int64_t rows = direct_ ? worker_rows : std::min(worker_rows, kStagedRows);
    pack_floats_ = rnn::GemmPackScratchFloats(rows, k_);
    const int64_t stage_floats = direct_ ? 0 : rows * panels_ * rnn::kPanel;
    worker_floats_ = rnn::RoundUp(pack_floats_ + stage_floats, 16);  // each worker's slice on its own lines
    ctx.RequestScratch(static_cast<size_t>(workers_ * worker_floats_ * sizeof(float)));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const float* a = ctx.input<float>(0);
    float* y = ctx.output<float>(0);
    float* scratch = static_cast<float*>(ctx.scratch());
    if (workers_ == 1) {
      RunRows(0, m_, a, y, scratch);
      return absl::OkStatus();
    }
    // Each worker owns its scratch slice, so this is correct with however many threads run.
#pragma omp parallel for num_threads(workers_) schedule(static, 1)
    for (int w = 0; w < workers_; ++w)
      RunRows(m_ * w / workers_, m_ * (w + 1) / workers_, a, y, scratch + w * worker_floats_);
    return absl::OkStatus();
  }

 private:
  // Rows [r_begin, r_end) of Y with one worker's scratch.
  void RunRows(int64_t r_begin, int64_t r_end, const float* a, float* y, float* a_pack) const {
    rnn::GemmOptions options;
    options.kernels = kernels_;
    const rnn::PackedFloats& packed = weights_->packed;
    options.bias = weights_->bias.empty() ? nullptr : weights_->bias.data();
    if (direct_) {
      rnn::GemmPacked(r_end - r_begin, k_, panels_, a + r_begin * k_, k_, packed.data(), y + r_begin * n_, n_,
                      a_pack, options);
      return;
    }
    float* stage = a_pack + pack_floats_;
    const int64_t ld = panels_ * rnn::kPanel;
    for (int64_t r0 = r_begin; r0 < r_end; r0 += kStagedRows) {
      const int64_t rows = std::min(kStagedRows, r_end - r0);
      rnn::GemmPacked(rows, k_, panels_, a + r0 * k_, k_, packed.data(), stage, ld, a_pack, options);
      for (int64_t r = 0; r < rows; ++r) std::memcpy(y + (r0 + r) * n_, stage + r * ld, n_ * sizeof(float));
    }
  }

  std::string where_;
  bool gemm_;
  GemmAttrs attrs_;
  int64_t m_ = 0, n_ = 0, k_ = 0, panels_ = 0, pack_floats_ = 0, worker_floats_ = 0;
  int workers_ = 1;
  const simd::KernelTable* kernels_ = nullptr;  // the session's ISA (ops/simd/)
  bool direct_ = false;
  struct Weights {
    rnn::PackedFloats packed;
    std::vector<float> bias;  // padded to whole panels; empty without C
  };
  std::shared_ptr<const Weights> weights_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakePackedMatMul(const graph::Node& node) {
  return MakeKernel<PackedMatMulKernel>(node, false);
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakePackedGemm(const graph::Node& node) {
  return MakeKernel<PackedMatMulKernel>(node, true);
}

}  // namespace seqrt::ops
