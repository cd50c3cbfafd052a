// "onednn_rnn": ONNX RNN / GRU / LSTM on oneDNN 2.6's forward_inference primitives
// (vanilla_rnn / lstm / gru / lbr_gru). One unidirectional primitive per direction: each
// reads and writes strided views of the ONNX tensors directly (X, initial states, Y, Y_h,
// Y_c), which covers layouts 0 and 1 and bidirectional Y [T,2,N,H] without any copy.
// Mapping facts (gate orders, bias folding) are in /work/shared/notes/onednn-rnn.md.
#include <algorithm>
#include <cstdlib>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/recurrent_attrs.h"
#include "ops/recurrent_spec.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using Kind = RecurrentActivation::Kind;


absl::Status Decline(std::string_view where, std::string_view why) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(where), ": onednn_rnn declines: ", std::string(why)));
}

// A strided f32 view; oneDNN's CPU RNN only needs the channel (last) dim contiguous.
memory::desc View(const memory::dims& dims, const memory::dims& strides) {
  return memory::desc(dims, memory::data_type::f32, strides);
}

// Where oneDNN's primitives beat the matmul cell: a measured fact per kind of CPU, keyed here
// by the ISA of the cell's own kernels (oneDNN always runs its best JIT code).
//  - AVX2 (Zen3, benchmarks/RESULTS.md): large batch with a large hidden size, where each step
//    is a big GEMM and oneDNN's sgemm blocks for the caches better than the cell's 6x16 tiles.
//    seqrt_bench_rnn, batch 64, H 1024: LSTM 1450 vs 1536 ms, GRU 993 vs 1232, RNN 354 vs 372;
//    big_lstm (LSTM 1024) batch 64 1206-1362 vs 1460-1683 ms, batch 32 a tie, batch 16 the
//    cell wins (432-530 vs 622-683); at H 256 the cell wins everywhere. The baseline (SSE2)
//    path is not measured against oneDNN and keeps this rule.
//  - AVX-512 (Zen 4, 2026-12-04, 1 thread, T = 100): the cell's 6x64 tiles win every bench
//    shape: big_lstm batch 64 828-853 vs 955-978 ms, batch 32 467-497 vs 530; bilstm_tagger,
//    kws_lstm, kws_gru at batch 32 and 64 within 0-10 %, the cell ahead on all but one tie.
//    So no shape prefers oneDNN there (it stays the fallback for what the cell declines).
// SEQRT_RNN_ONEDNN_MIN_BATCH / SEQRT_RNN_ONEDNN_MIN_HIDDEN set the thresholds for every ISA.
bool PreferredOverMatmulCell(int64_t batch, int64_t hidden, simd::Isa isa) {
  static const auto env = [](const char* name) -> int64_t {
    const char* e = std::getenv(name);
    return e ? std::atoll(e) : -1;
  };
  static const int64_t env_batch = env("SEQRT_RNN_ONEDNN_MIN_BATCH");
  static const int64_t env_hidden = env("SEQRT_RNN_ONEDNN_MIN_HIDDEN");
  if (env_batch >= 0 || env_hidden >= 0)
    return batch >= (env_batch >= 0 ? env_batch : 32) && hidden >= (env_hidden >= 0 ? env_hidden : 1024);
  if (isa == simd::Isa::kAvx512) return false;
  return batch >= 32 && hidden >= 1024;
}

class OnednnRnnKernel final : public OpKernel {
 public:
  // `large_shapes_only`: decline unless the shape is one where oneDNN measured faster than
  // the matmul cell (see PreferredOverMatmulCell).
  // `max_chunk_steps` > 0 caps the steps per primitive execution (tests use it to exercise
  // the chunked path on small shapes); 0 sizes chunks from kChunkScratchBudget.
  OnednnRnnKernel(const graph::Node& node, bool large_shapes_only, int64_t max_chunk_steps = 0)
      : where_(node.Describe()), large_shapes_only_(large_shapes_only), max_chunk_steps_(max_chunk_steps) {
    init_status_ = ParseRecurrentAttrsInto(node, attrs_);
  }
  absl::Status init_status() const { return init_status_; }
  std::string_view name() const override { return "onednn_rnn"; }

  absl::Status Prepare(PrepareContext& ctx) override;
  absl::Status Compute(ComputeContext& ctx) const override;

 private:
  // Everything one direction's primitive needs at Compute.
  // One direction's weights reordered into the primitive's formats: they depend only on the
  // constant inputs and those formats, so every plan asking for the same formats shares them.
  struct Weights {
    memory weights_layer, weights_iter, weights_peephole, bias;
  };
  struct Direction {
    dnnl::primitive prim;
    memory weights_layer, weights_iter, weights_peephole, bias;  // handles into `weights`
    std::shared_ptr<const Weights> weights;
    memory::desc src_layer, src_iter, src_iter_c, dst_layer, dst_iter, dst_iter_c, scratchpad;
    int64_t x_off = 0, state_off = 0, y_off = 0;  // element offsets of this direction's views
  };
  absl::Status CheckExpressible(const PrepareContext& ctx) const;
  absl::Status BuildDirection(PrepareContext& ctx, int d);
  void BuildWeights(const PrepareContext& ctx, int d, const memory::desc& wl_md, const memory::desc& wi_md,
                    const memory::desc& bias_q, const memory::desc& peep_q, Weights& out) const;

  std::string where_;
  bool large_shapes_only_ = false;
  int64_t max_chunk_steps_ = 0;
  // oneDNN's inference scratchpad grows with T·N·G·H (it keeps every step's gates): over
  // ~64 MiB the sequence runs in chunks of chunk_ steps, the states handed from one chunk to
  // the next through scratch (big_lstm at batch 64: a 248 MB arena unchunked, 70 MB in chunks
  // of 25 steps, as fast; chunks of 10 steps (34 MB) lost most of oneDNN's lead).
  int64_t chunk_ = 0;
  bool chunked() const { return chunk_ < T_; }
  void CopyState(const float* src, float* dst, int64_t d, bool to_plain) const;
  absl::Status init_status_;
  RecurrentAttrs attrs_;
  int64_t T_ = 0, N_ = 0, I_ = 0, H_ = 0, D_ = 0;
  bool has_init_h_ = false, has_init_c_ = false, has_y_ = false, has_yh_ = false, has_yc_ = false;
  // oneDNN's LSTM takes its h and c states in pairs: when only one of a pair is present, the
  // other gets a stand-in in scratch (zeros on the source side, discarded on the output side).
  bool src_state_pair_ = false, dst_state_pair_ = false;
  std::vector<Direction> dirs_;
  size_t scratchpad_bytes_ = 0;  // the larger direction's; Y's stand-in follows it when Y is absent
};

absl::Status OnednnRnnKernel::CheckExpressible(const PrepareContext& ctx) const {
  for (int i : {kRecX, kRecW, kRecR, kRecB, kRecInitialH, kRecInitialC, kRecP})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline(where_, "not float32");
  if (attrs_.clip) return Decline(where_, "clip is not supported by oneDNN");
  if (attrs_.input_forget) return Decline(where_, "input_forget is not supported by oneDNN");
  for (int i : {kRecW, kRecR, kRecB, kRecP})
    if (ctx.has_input(i) && ctx.input_constant(i) == nullptr)
      return Decline(where_, "weights are not constant (they are converted once, at plan time)");
  for (int d = 0; d < attrs_.num_directions; ++d) {
    auto is = [&](int k, Kind kind) { return attrs_.activation(d, k).kind == kind; };
    switch (attrs_.cell) {
      case RecurrentCell::kLstm:
        if (!is(0, Kind::kSigmoid) || !is(1, Kind::kTanh) || !is(2, Kind::kTanh))
          return Decline(where_, "LSTM activations other than Sigmoid,Tanh,Tanh");
        break;
      case RecurrentCell::kGru:
        if (!is(0, Kind::kSigmoid) || !is(1, Kind::kTanh))
          return Decline(where_, "GRU activations other than Sigmoid,Tanh");
        break;
      case RecurrentCell::kRnn:
        if (!is(0, Kind::kTanh) && !is(0, Kind::kRelu) && !is(0, Kind::kLeakyRelu) && !is(0, Kind::kSigmoid))
          return Decline(where_, "RNN activation other than Tanh, Relu, LeakyRelu, Sigmoid");
        break;
    }
  }
  if (ctx.has_input(kRecSequenceLens)) {
    const Tensor* lens = ctx.input_constant(kRecSequenceLens);
    if (lens == nullptr) return Decline(where_, "sequence_lens is not a constant");
    if (lens->dtype() != DType::kInt32) return Decline(where_, "sequence_lens is not int32");
    for (int32_t v : lens->values<int32_t>())
      if (v != T_) return Decline(where_, "sequence_lens has rows shorter than the sequence");
  }
  return absl::OkStatus();
}

absl::Status OnednnRnnKernel::Prepare(PrepareContext& ctx) {
  const Dims& x = ctx.input_dims(kRecX);
  const Dims& r = ctx.input_dims(kRecR);
  if (x.size() != 3 || r.size() != 3) return Decline(where_, "unexpected ranks");
  T_ = attrs_.layout == 0 ? x[0] : x[1];
  N_ = attrs_.layout == 0 ? x[1] : x[0];
  I_ = x[2];
  H_ = r[2];
  D_ = attrs_.num_directions;
  if (T_ * N_ * I_ * H_ == 0) return Decline(where_, "empty tensor");
  if (large_shapes_only_ && !PreferredOverMatmulCell(N_, H_, ctx.isa()))
    return Decline(where_, "the matmul cell is faster at this batch and hidden size");
  SEQRT_RETURN_IF_ERROR(CheckExpressible(ctx));
  has_init_h_ = ctx.has_input(kRecInitialH);
  has_init_c_ = ctx.has_input(kRecInitialC) && attrs_.cell == RecurrentCell::kLstm;
  has_y_ = ctx.has_output(kRecY);
  has_yh_ = ctx.has_output(kRecYh);
  has_yc_ = ctx.has_output(kRecYc) && attrs_.cell == RecurrentCell::kLstm;
  const bool lstm = attrs_.cell == RecurrentCell::kLstm;
  src_state_pair_ = lstm && (has_init_h_ || has_init_c_);
  dst_state_pair_ = lstm && (has_yh_ || has_yc_);
  {
    constexpr int64_t kChunkScratchBudget = int64_t{64} << 20;
    const int64_t per_step = N_ * (attrs_.gates() + 2) * H_ * static_cast<int64_t>(sizeof(float));
    const int64_t target = max_chunk_steps_ > 0 ? max_chunk_steps_ : std::max<int64_t>(1, kChunkScratchBudget / per_step);
    // The largest divisor of T within the target keeps one primitive for every chunk; a T
    // whose divisors are all far below the target runs unchunked rather than in tiny chunks.
    chunk_ = T_;
    if (target < T_) {
      int64_t c = target;
      while (T_ % c != 0) --c;
      if (max_chunk_steps_ > 0 || 4 * c >= target) chunk_ = c;
    }
  }
  dirs_.assign(D_, Direction{});
  scratchpad_bytes_ = 0;
  try {
    for (int d = 0; d < D_; ++d) SEQRT_RETURN_IF_ERROR(BuildDirection(ctx, d));
  } catch (const dnnl::error& e) {
    absl::Status s = DnnlErrorToStatus(e, where_);
    if (absl::IsUnimplemented(s) || absl::IsInvalidArgument(s)) return Decline(where_, e.what());
    return s;
  }
  size_t bytes = (scratchpad_bytes_ + 63) / 64 * 64;
  if (!has_y_) bytes += static_cast<size_t>(chunk_ * N_ * H_) * sizeof(float);
  bytes += 2 * static_cast<size_t>(N_ * H_) * sizeof(float);  // the state stand-ins
  if (chunked()) bytes += 4 * static_cast<size_t>(N_ * H_) * sizeof(float);  // h, c twice
  ctx.RequestScratch(bytes);
  return absl::OkStatus();
}

absl::Status OnednnRnnKernel::BuildDirection(PrepareContext& ctx, int d) {
  const dnnl::engine& engine = CpuEngine();
  const int64_t T = T_, N = N_, I = I_, H = H_, D = D_, Tc = chunk_;
  const bool l0 = attrs_.layout == 0;
  Direction& dir = dirs_[d];

  // Views of the ONNX tensors. Layout 0: X [T,N,I], states [D,N,H], Y [T,D,N,H].
  // Layout 1: X [N,T,I], states [N,D,H], Y [N,T,D,H].
  // One chunk of Tc steps (all T unless chunked); strides always span the whole tensor.
  dir.src_layer = l0 ? View({Tc, N, I}, {N * I, I, 1}) : View({Tc, N, I}, {I, T * I, 1});
  const memory::desc state = l0 ? View({1, 1, N, H}, {D * N * H, N * H, H, 1})
                                : View({1, 1, N, H}, {D * N * H, H, D * H, 1});
  dir.state_off = l0 ? d * N * H : d * H;
  dir.dst_layer = !has_y_ ? View({Tc, N, H}, {N * H, H, 1})
                  : l0    ? View({Tc, N, H}, {D * N * H, H, 1})
                          : View({Tc, N, H}, {D * H, T * D * H, 1});
  dir.y_off = !has_y_ ? 0 : l0 ? d * N * H : d * H;
  const memory::desc stand_in = View({1, 1, N, H}, {N * H, N * H, H, 1});
  auto pick = [&](bool present, bool pair) { return present ? state : pair ? stand_in : memory::desc(); };
  dir.src_iter = pick(has_init_h_, src_state_pair_);
  dir.src_iter_c = pick(has_init_c_, src_state_pair_);
  dir.dst_iter = pick(has_yh_, dst_state_pair_);
  dir.dst_iter_c = pick(has_yc_, dst_state_pair_);
  if (chunked()) {
    // Chunks hand their states on through plain scratch buffers.
    const bool lstm_cell = attrs_.cell == RecurrentCell::kLstm;
    dir.src_iter = dir.dst_iter = stand_in;
    dir.src_iter_c = dir.dst_iter_c = lstm_cell ? stand_in : memory::desc();
  }

  const bool lstm = attrs_.cell == RecurrentCell::kLstm;
  const bool lbr = attrs_.cell == RecurrentCell::kGru && attrs_.linear_before_reset;
  const int G = attrs_.gates();
  const int bias_gates = lbr ? 4 : G;

  const memory::desc wl_any({1, 1, I, G, H}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc wi_any({1, 1, H, G, H}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc bias_md({1, 1, bias_gates, H}, memory::data_type::f32, memory::format_tag::ldgo);
  const memory::desc peep_md({1, 1, 3, H}, memory::data_type::f32, memory::format_tag::ldgo);
  const bool peephole = lstm && ctx.has_input(kRecP);
  const auto dir_kind = (d == 1 || attrs_.reverse) ? dnnl::rnn_direction::unidirectional_right2left
                                                  : dnnl::rnn_direction::unidirectional_left2right;
  const auto inference = dnnl::prop_kind::forward_inference;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);

  memory::desc wl_md, wi_md, bias_q, peep_q;
  switch (attrs_.cell) {
    case RecurrentCell::kLstm: {
      dnnl::lstm_forward::desc desc(inference, dir_kind, dir.src_layer, dir.src_iter, dir.src_iter_c,
                                    wl_any, wi_any, peephole ? peep_md : memory::desc(), bias_md,
                                    dir.dst_layer, dir.dst_iter, dir.dst_iter_c);
      dnnl::lstm_forward::primitive_desc pd(desc, attr, engine);
      wl_md = pd.weights_layer_desc();
      wi_md = pd.weights_iter_desc();
      bias_q = pd.bias_desc();
      if (peephole) peep_q = pd.weights_peephole_desc();
      dir.scratchpad = pd.scratchpad_desc();
      dir.prim = dnnl::lstm_forward(pd);
      break;
    }
    case RecurrentCell::kGru: {
      if (lbr) {
        dnnl::lbr_gru_forward::desc desc(inference, dir_kind, dir.src_layer, dir.src_iter, wl_any, wi_any,
                                         bias_md, dir.dst_layer, dir.dst_iter);
        dnnl::lbr_gru_forward::primitive_desc pd(desc, attr, engine);
        wl_md = pd.weights_layer_desc();
        wi_md = pd.weights_iter_desc();
        bias_q = pd.bias_desc();
        dir.scratchpad = pd.scratchpad_desc();
        dir.prim = dnnl::lbr_gru_forward(pd);
      } else {
        dnnl::gru_forward::desc desc(inference, dir_kind, dir.src_layer, dir.src_iter, wl_any, wi_any,
                                     bias_md, dir.dst_layer, dir.dst_iter);
        dnnl::gru_forward::primitive_desc pd(desc, attr, engine);
        wl_md = pd.weights_layer_desc();
        wi_md = pd.weights_iter_desc();
        bias_q = pd.bias_desc();
        dir.scratchpad = pd.scratchpad_desc();
        dir.prim = dnnl::gru_forward(pd);
      }
      break;
    }
    case RecurrentCell::kRnn: {
      const RecurrentActivation& act = attrs_.activation(d, 0);
      dnnl::algorithm alg = dnnl::algorithm::eltwise_tanh;
      float alpha = 0.f;
      if (act.kind == Kind::kRelu) alg = dnnl::algorithm::eltwise_relu;
      if (act.kind == Kind::kLeakyRelu) alg = dnnl::algorithm::eltwise_relu, alpha = act.alpha;
      if (act.kind == Kind::kSigmoid) alg = dnnl::algorithm::eltwise_logistic;
      dnnl::vanilla_rnn_forward::desc desc(inference, alg, dir_kind, dir.src_layer, dir.src_iter, wl_any,
                                           wi_any, bias_md, dir.dst_layer, dir.dst_iter,
                                           dnnl::rnn_flags::undef, alpha);
      dnnl::vanilla_rnn_forward::primitive_desc pd(desc, attr, engine);
      wl_md = pd.weights_layer_desc();
      wi_md = pd.weights_iter_desc();
      bias_q = pd.bias_desc();
      dir.scratchpad = pd.scratchpad_desc();
      dir.prim = dnnl::vanilla_rnn_forward(pd);
      break;
    }
  }
  scratchpad_bytes_ = std::max(scratchpad_bytes_, dir.scratchpad.get_size());

  // The reordered weights are keyed by direction and the formats the primitive asked for.
  std::string formats = absl::StrCat("direction ", d, ":");
  for (const memory::desc* md : {&wl_md, &wi_md, &bias_q, &peep_q})
    formats.append(reinterpret_cast<const char*>(&md->data), sizeof(md->data));
  SEQRT_ASSIGN_OR_RETURN(dir.weights, ctx.SharedState<Weights>(formats, [&]() -> absl::StatusOr<std::shared_ptr<const Weights>> {
    auto built = std::make_shared<Weights>();
    BuildWeights(ctx, d, wl_md, wi_md, bias_q, peep_q, *built);
    return std::shared_ptr<const Weights>(std::move(built));
  }));
  dir.weights_layer = dir.weights->weights_layer;
  dir.weights_iter = dir.weights->weights_iter;
  dir.weights_peephole = dir.weights->weights_peephole;
  dir.bias = dir.weights->bias;
  return absl::OkStatus();
}

void OnednnRnnKernel::BuildWeights(const PrepareContext& ctx, int d, const memory::desc& wl_md,
                                   const memory::desc& wi_md, const memory::desc& bias_q,
                                   const memory::desc& peep_q, Weights& out) const {
  const dnnl::engine& engine = CpuEngine();
  const int64_t I = I_, H = H_;
  const bool lstm = attrs_.cell == RecurrentCell::kLstm;
  const bool lbr = attrs_.cell == RecurrentCell::kGru && attrs_.linear_before_reset;
  const int G = attrs_.gates();
  const int bias_gates = lbr ? 4 : G;
  // dnnl gate g takes ONNX gate map[g]: LSTM dnnl i,f,c,o <- ONNX i,o,f,c.
  const std::array<int, 4> map = lstm ? std::array<int, 4>{0, 2, 3, 1} : std::array<int, 4>{0, 1, 2, 3};
  const memory::desc bias_md({1, 1, bias_gates, H}, memory::data_type::f32, memory::format_tag::ldgo);
  const memory::desc peep_md({1, 1, 3, H}, memory::data_type::f32, memory::format_tag::ldgo);
  const bool peephole = lstm && ctx.has_input(kRecP);
  // ONNX W[d] is [G·H, I]; plain ldigo wants (i, g, o) at (i·G + g)·H + o.
  const float* w = ctx.input_constant(kRecW)->data_as<float>() + d * G * H * I;
  const float* r = ctx.input_constant(kRecR)->data_as<float>() + d * G * H * H;
  std::vector<float> wl(I * G * H), wi(H * G * H), bias(bias_gates * H, 0.f), peep(3 * H, 0.f);
  for (int g = 0; g < G; ++g)
    for (int64_t o = 0; o < H; ++o) {
      const int64_t row = map[g] * H + o;
      for (int64_t i = 0; i < I; ++i) wl[(i * G + g) * H + o] = w[row * I + i];
      for (int64_t i = 0; i < H; ++i) wi[(i * G + g) * H + o] = r[row * H + i];
    }
  if (ctx.has_input(kRecB)) {
    const float* b = ctx.input_constant(kRecB)->data_as<float>() + d * 2 * G * H;
    for (int g = 0; g < G; ++g)
      for (int64_t o = 0; o < H; ++o) {
        const float wb = b[map[g] * H + o], rb = b[(G + map[g]) * H + o];
        if (lbr && g == 2) {
          bias[2 * H + o] = wb;  // linear_before_reset: Rbh stays inside r ⊙ (...)
          bias[3 * H + o] = rb;
        } else {
          bias[g * H + o] = wb + rb;
        }
      }
  }
  if (peephole) {
    // dnnl peephole i,f,o <- ONNX P i,o,f.
    const float* p = ctx.input_constant(kRecP)->data_as<float>() + d * 3 * H;
    const int pmap[3] = {0, 2, 1};
    for (int g = 0; g < 3; ++g)
      for (int64_t o = 0; o < H; ++o) peep[g * H + o] = p[pmap[g] * H + o];
  }

  dnnl::stream stream(engine);
  auto reorder_into = [&](std::vector<float>& plain, const memory::desc& plain_md, const memory::desc& want) {
    memory src(plain_md, engine, plain.data());
    memory dst(want, engine);
    dnnl::reorder(src, dst).execute(stream, src, dst);
    return dst;
  };
  out.weights_layer = reorder_into(wl, memory::desc({1, 1, I, G, H}, memory::data_type::f32,
                                                    memory::format_tag::ldigo), wl_md);
  out.weights_iter = reorder_into(wi, memory::desc({1, 1, H, G, H}, memory::data_type::f32,
                                                   memory::format_tag::ldigo), wi_md);
  out.bias = reorder_into(bias, bias_md, bias_q);
  if (peephole) out.weights_peephole = reorder_into(peep, peep_md, peep_q);
  stream.wait();
}

// Between an ONNX state tensor (layout 0 [D,N,H], layout 1 [N,D,H]) and a plain [N,H] buffer.
void OnednnRnnKernel::CopyState(const float* src, float* dst, int64_t d, bool to_plain) const {
  for (int64_t n = 0; n < N_; ++n) {
    const int64_t onnx = (attrs_.layout == 0 ? d * N_ + n : n * D_ + d) * H_;
    if (to_plain) std::copy_n(src + onnx, H_, dst + n * H_);
    else std::copy_n(src + n * H_, H_, dst + onnx);
  }
}

absl::Status OnednnRnnKernel::Compute(ComputeContext& ctx) const {
  try {
    const dnnl::engine& engine = CpuEngine();
    dnnl::stream stream(engine);
    char* scratch = static_cast<char*>(ctx.scratch());
    float* y_stand_in = reinterpret_cast<float*>(scratch + (scratchpad_bytes_ + 63) / 64 * 64);
    float* dst_state_stand_in = y_stand_in + (has_y_ ? 0 : chunk_ * N_ * H_);
    float* src_state_zeros = dst_state_stand_in + N_ * H_;
    if (src_state_pair_) std::fill(src_state_zeros, src_state_zeros + N_ * H_, 0.f);
    auto mem = [&](const memory::desc& md, const void* base, int64_t off) {
      return memory(md, engine, const_cast<float*>(static_cast<const float*>(base)) + off);
    };
    if (chunked()) {
      // h and c of the chunk's source and destination, swapped after every chunk.
      float* cur_h = src_state_zeros + N_ * H_;
      float* cur_c = cur_h + N_ * H_;
      float* nxt_h = cur_c + N_ * H_;
      float* nxt_c = nxt_h + N_ * H_;
      const bool l0 = attrs_.layout == 0;
      const int64_t chunks = T_ / chunk_;
      for (int64_t d = 0; d < D_; ++d) {
        const Direction& dir = dirs_[d];
        const bool reverse = d == 1 || attrs_.reverse;
        if (has_init_h_) CopyState(ctx.input<float>(kRecInitialH), cur_h, d, true);
        else std::fill(cur_h, cur_h + N_ * H_, 0.f);
        if (has_init_c_) CopyState(ctx.input<float>(kRecInitialC), cur_c, d, true);
        else std::fill(cur_c, cur_c + N_ * H_, 0.f);
        for (int64_t k = 0; k < chunks; ++k) {
          const int64_t t0 = (reverse ? chunks - 1 - k : k) * chunk_;
          std::unordered_map<int, memory> args = {
              {DNNL_ARG_SRC_LAYER, mem(dir.src_layer, ctx.input(kRecX), l0 ? t0 * N_ * I_ : t0 * I_)},
              {DNNL_ARG_WEIGHTS_LAYER, dir.weights_layer},
              {DNNL_ARG_WEIGHTS_ITER, dir.weights_iter},
              {DNNL_ARG_BIAS, dir.bias},
              {DNNL_ARG_DST_LAYER, has_y_ ? mem(dir.dst_layer, ctx.output(kRecY), dir.y_off + (l0 ? t0 * D_ * N_ * H_ : t0 * D_ * H_))
                                          : mem(dir.dst_layer, y_stand_in, 0)},
              {DNNL_ARG_SRC_ITER, mem(dir.src_iter, cur_h, 0)},
              {DNNL_ARG_DST_ITER, mem(dir.dst_iter, nxt_h, 0)},
              {DNNL_ARG_SCRATCHPAD, memory(dir.scratchpad, engine, scratch)}};
          if (attrs_.cell == RecurrentCell::kLstm) {
            args.emplace(DNNL_ARG_SRC_ITER_C, mem(dir.src_iter_c, cur_c, 0));
            args.emplace(DNNL_ARG_DST_ITER_C, mem(dir.dst_iter_c, nxt_c, 0));
          }
          if (dir.weights_peephole) args.emplace(DNNL_ARG_WEIGHTS_PEEPHOLE, dir.weights_peephole);
          dir.prim.execute(stream, args);
          stream.wait();
          std::swap(cur_h, nxt_h);
          std::swap(cur_c, nxt_c);
        }
        if (has_yh_) CopyState(cur_h, ctx.output<float>(kRecYh), d, false);
        if (has_yc_) CopyState(cur_c, ctx.output<float>(kRecYc), d, false);
      }
      return absl::OkStatus();
    }
    for (const Direction& dir : dirs_) {
      std::unordered_map<int, memory> args = {
          {DNNL_ARG_SRC_LAYER, mem(dir.src_layer, ctx.input(kRecX), 0)},
          {DNNL_ARG_WEIGHTS_LAYER, dir.weights_layer},
          {DNNL_ARG_WEIGHTS_ITER, dir.weights_iter},
          {DNNL_ARG_BIAS, dir.bias},
          {DNNL_ARG_DST_LAYER, has_y_ ? mem(dir.dst_layer, ctx.output(kRecY), dir.y_off)
                                      : mem(dir.dst_layer, y_stand_in, 0)},
          {DNNL_ARG_SCRATCHPAD, memory(dir.scratchpad, engine, scratch)}};
      auto state = [&](bool present, bool pair, int arg, const memory::desc& md, const void* tensor,
                       float* stand_in) {
        if (present) args.emplace(arg, mem(md, tensor, dir.state_off));
        else if (pair) args.emplace(arg, mem(md, stand_in, 0));
      };
      state(has_init_h_, src_state_pair_, DNNL_ARG_SRC_ITER, dir.src_iter,
            has_init_h_ ? ctx.input(kRecInitialH) : nullptr, src_state_zeros);
      state(has_init_c_, src_state_pair_, DNNL_ARG_SRC_ITER_C, dir.src_iter_c,
            has_init_c_ ? ctx.input(kRecInitialC) : nullptr, src_state_zeros);
      state(has_yh_, dst_state_pair_, DNNL_ARG_DST_ITER, dir.dst_iter, has_yh_ ? ctx.output(kRecYh) : nullptr,
            dst_state_stand_in);
      state(has_yc_, dst_state_pair_, DNNL_ARG_DST_ITER_C, dir.dst_iter_c, has_yc_ ? ctx.output(kRecYc) : nullptr,
            dst_state_stand_in);
      if (dir.weights_peephole) args.emplace(DNNL_ARG_WEIGHTS_PEEPHOLE, dir.weights_peephole);
      dir.prim.execute(stream, args);
    }
    stream.wait();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, where_);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernel(const graph::Node& node) {
  return MakeKernel<OnednnRnnKernel>(node, /*large_shapes_only=*/false);
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernelInChunks(const graph::Node& node,
                                                                     int64_t max_chunk_steps) {
  return MakeKernel<OnednnRnnKernel>(node, /*large_shapes_only=*/false, max_chunk_steps);
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnRnnKernelForLargeShapes(const graph::Node& node) {
  return MakeKernel<OnednnRnnKernel>(node, /*large_shapes_only=*/true);
}

}  // namespace seqrt::ops
