// oneDNN RNN training primitives behind OnednnRecurrent (see the header for the contract).
// Per (T, N) shape: forward_training + backward primitives with weights in the formats they
// choose, reorders from and to Keras' layout, the workspace, and diff buffers (a Plan).
#include "trainer/recurrent_layer_onednn.h"

#include <omp.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"
#include "ops/onednn/engine.h"

namespace seqrt::trainer {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using dnnl::prop_kind;

constexpr auto kF32 = memory::data_type::f32;
// Shapes seen by one layer: the training batch, the last partial batch, validation batches.
// Beyond this many, the least recently used plan (primitives + workspace) is dropped.
constexpr size_t kMaxPlans = 4;

int64_t GateCount(LayerKind kind) { return kind == LayerKind::kLSTM ? 4 : kind == LayerKind::kGRU ? 3 : 1; }

memory::desc Plain(const memory::dims& dims, Tag tag) { return memory::desc(dims, kF32, tag); }

// A memory object over a buffer we own (its handle is set before every use).
memory Wrap(const memory::desc& md) { return memory(md, ops::CpuEngine(), DNNL_MEMORY_NONE); }

void Add(const float* from, float* to, int64_t n) {
  for (int64_t i = 0; i < n; ++i) to[i] += from[i];
}

// Everything one (T, N) shape needs: primitives, the formats they chose, and the buffers in
// those formats. The backward half is built on the first Backward (validation batches never
// need it).
struct Plan {
  dnnl::primitive fwd, bwd;
  std::function<void(Plan&)> build_backward;
  std::string fwd_impl, bwd_impl;
  memory workspace;
  // Weights in the forward / backward primitive's formats, and a reorder from Keras' layout.
  memory w_layer_fwd, w_iter_fwd, w_layer_bwd, w_iter_bwd;
  dnnl::primitive to_layer_fwd, to_iter_fwd, to_layer_bwd, to_iter_bwd;  // empty: no reorder needed
  // Diff weights in the primitive's formats; from_* reorder them back to Keras' layout.
  memory dw_layer, dw_iter, dw_layer_plain, dw_iter_plain, dbias, dx_unused;
  // Explicit all-zero initial states (see BuildForward) and the diffs the primitive writes for
  // them, which nothing needs (initial states are not trained).
  memory zero_state, zero_cell, dstate_unused, dcell_unused;
  dnnl::primitive from_dw_layer, from_dw_iter;
  uint64_t last_use = 0;
};

}  // namespace

struct OnednnRecurrent::Impl {
  OnednnRnnConfig cfg;
  int64_t gates = 1, bias_gates = 1;
  dnnl::stream stream;  // created by the first Forward, where oneDNN's exceptions are caught
  std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Plan>> plans;
  uint64_t uses = 0;
  // The last Forward, which Backward differentiates.
  Plan* plan = nullptr;
  int64_t steps = 0, batch = 0;
  const float* x = nullptr;
  const float* h = nullptr;
  const float *kernel = nullptr, *recurrent = nullptr, *bias = nullptr;
  std::vector<float> lbr_bias;  // lbr_gru's 4-part bias folded from Keras' [2, 3H]
  std::string last_fwd_impl, last_bwd_impl;

  memory::desc WeightsLayerPlain() const { return Plain({1, 1, cfg.in_width, gates, cfg.units}, Tag::ldigo); }
  memory::desc WeightsIterPlain() const { return Plain({1, 1, cfg.units, gates, cfg.units}, Tag::ldigo); }
  memory::desc BiasDesc() const { return Plain({1, 1, bias_gates, cfg.units}, Tag::ldgo); }

  Plan& GetPlan(int64_t t, int64_t n);
  void BuildForward(Plan& p, int64_t t, int64_t n);
  void FinishForward(Plan& p, const dnnl::rnn_primitive_desc_base& pd, dnnl::primitive prim);
  void FinishBackward(Plan& p, const dnnl::rnn_primitive_desc_base& pd, dnnl::primitive prim);
  // Makes `dst` hold `plain_md` data in `md`'s format: the reorder, or none when they agree.
  static void Prepare(const memory::desc& md, const memory::desc& plain_md, memory& dst,
                      dnnl::primitive& reorder);
  // Brings Keras-layout weights at `src` into `dst` (reordering when the formats differ) and
  // returns the memory the primitive should read.
  memory Stage(const float* src, const memory::desc& plain_md, memory& dst, const dnnl::primitive& reorder);
  const float* FusedBias();
};

void OnednnRecurrent::Impl::Prepare(const memory::desc& md, const memory::desc& plain_md, memory& dst,
                                    dnnl::primitive& reorder) {
  if (md == plain_md) return;
  dst = memory(md, ops::CpuEngine());
  reorder = dnnl::reorder(dnnl::reorder::primitive_desc(ops::CpuEngine(), plain_md, ops::CpuEngine(), md));
}

memory OnednnRecurrent::Impl::Stage(const float* src, const memory::desc& plain_md, memory& dst,
                                    const dnnl::primitive& reorder) {
  memory user = Wrap(plain_md);
  user.set_data_handle(const_cast<float*>(src));
  if (!reorder) return user;
  reorder.execute(stream, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, dst}});
  return dst;
}

const float* OnednnRecurrent::Impl::FusedBias() {
  if (!(cfg.kind == LayerKind::kGRU && cfg.reset_after)) return bias;
  // Keras keeps an input bias and a recurrent bias [2, 3H]; lbr_gru wants z and r summed, and
  // the candidate's two parts apart (the recurrent one sits inside r ⊙ (...)).
  const int64_t h = cfg.units;
  lbr_bias.resize(4 * h);
  for (int64_t j = 0; j < 2 * h; ++j) lbr_bias[j] = bias[j] + bias[3 * h + j];
  for (int64_t j = 0; j < h; ++j)
    lbr_bias[2 * h + j] = bias[2 * h + j], lbr_bias[3 * h + j] = bias[5 * h + j];
  return lbr_bias.data();
}

void OnednnRecurrent::Impl::FinishForward(Plan& p, const dnnl::rnn_primitive_desc_base& pd,
                                          dnnl::primitive prim) {
  p.fwd = std::move(prim);
  p.fwd_impl = pd.impl_info_str();
  p.workspace = memory(pd.workspace_desc(), ops::CpuEngine());
  Prepare(pd.weights_layer_desc(), WeightsLayerPlain(), p.w_layer_fwd, p.to_layer_fwd);
  Prepare(pd.weights_iter_desc(), WeightsIterPlain(), p.w_iter_fwd, p.to_iter_fwd);
}

void OnednnRecurrent::Impl::FinishBackward(Plan& p, const dnnl::rnn_primitive_desc_base& pd,
                                           dnnl::primitive prim) {
  p.bwd = std::move(prim);
  p.bwd_impl = pd.impl_info_str();
  Prepare(pd.weights_layer_desc(), WeightsLayerPlain(), p.w_layer_bwd, p.to_layer_bwd);
  Prepare(pd.weights_iter_desc(), WeightsIterPlain(), p.w_iter_bwd, p.to_iter_bwd);
  p.dw_layer = memory(pd.diff_weights_layer_desc(), ops::CpuEngine());
  p.dw_iter = memory(pd.diff_weights_iter_desc(), ops::CpuEngine());
  p.dbias = memory(BiasDesc(), ops::CpuEngine());
  p.dstate_unused = memory(pd.diff_src_iter_desc(), ops::CpuEngine());
  if (p.zero_cell) p.dcell_unused = memory(pd.diff_src_iter_c_desc(), ops::CpuEngine());
  auto back = [](const memory& from, const memory::desc& plain_md, memory& plain, dnnl::primitive& reorder) {
    if (from.get_desc() == plain_md) return;
    plain = memory(plain_md, ops::CpuEngine());
    reorder = dnnl::reorder(from, plain);
  };
  back(p.dw_layer, WeightsLayerPlain(), p.dw_layer_plain, p.from_dw_layer);
  back(p.dw_iter, WeightsIterPlain(), p.dw_iter_plain, p.from_dw_iter);
}

void OnednnRecurrent::Impl::BuildForward(Plan& p, int64_t t, int64_t n) {
  const dnnl::engine& eng = ops::CpuEngine();
  const int64_t i_w = cfg.in_width, h = cfg.units;
  // Data in the trainer's time-major layout; weights in whatever the primitive prefers.
  const memory::desc src = Plain({t, n, i_w}, Tag::tnc), dst = Plain({t, n, h}, Tag::tnc), none;
  const memory::desc wl = Plain({1, 1, i_w, gates, h}, Tag::any), wi = Plain({1, 1, h, gates, h}, Tag::any);
  const memory::desc b = BiasDesc();
  const auto dir = cfg.reverse ? dnnl::rnn_direction::unidirectional_right2left
                               : dnnl::rnn_direction::unidirectional_left2right;
  const auto fwd = prop_kind::forward_training, bwd = prop_kind::backward;
  // Initial states are zeros, as in Keras, but passed explicitly: with src_iter absent,
  // oneDNN 2.6.3's left-to-right vanilla_rnn and lstm backward computes diff_weights_iter from
  // the wrong states (sum of h_t·da_t instead of h_(t-1)·da_t; right-to-left and GRU are right).
  // Final states are read from dst_layer, so dst_iter and its diff are absent.
  const memory::desc si = Plain({1, 1, n, h}, Tag::ldnc), sc = cfg.kind == LayerKind::kLSTM ? si : none;
  p.zero_state = memory(si, eng);
  std::memset(p.zero_state.get_data_handle(), 0, si.get_size());
  if (cfg.kind == LayerKind::kLSTM) {
    p.zero_cell = memory(sc, eng);
    std::memset(p.zero_cell.get_data_handle(), 0, sc.get_size());
  }
  switch (cfg.kind) {
    case LayerKind::kSimpleRNN: {
      const auto act =
          cfg.activation == Activation::kRelu ? dnnl::algorithm::eltwise_relu : dnnl::algorithm::eltwise_tanh;
      dnnl::vanilla_rnn_forward::primitive_desc pd({fwd, act, dir, src, si, wl, wi, b, dst, none}, eng);
      FinishForward(p, pd, dnnl::vanilla_rnn_forward(pd));
      p.build_backward = [=, this](Plan& q) {
        dnnl::vanilla_rnn_backward::primitive_desc bpd(
            {bwd, act, dir, src, si, wl, wi, b, dst, none, src, si, wl, wi, b, dst, none}, eng, pd);
        FinishBackward(q, bpd, dnnl::vanilla_rnn_backward(bpd));
      };
      break;
    }
    case LayerKind::kLSTM: {
      dnnl::lstm_forward::primitive_desc pd({fwd, dir, src, si, sc, wl, wi, b, dst, none, none}, eng);
      FinishForward(p, pd, dnnl::lstm_forward(pd));
      p.build_backward = [=, this](Plan& q) {
        dnnl::lstm_backward::primitive_desc bpd(
            {bwd, dir, src, si, sc, wl, wi, b, dst, none, none, src, si, sc, wl, wi, b, dst, none, none}, eng,
            pd);
        FinishBackward(q, bpd, dnnl::lstm_backward(bpd));
      };
      break;
    }
    case LayerKind::kGRU: {
      if (cfg.reset_after) {
        dnnl::lbr_gru_forward::primitive_desc pd({fwd, dir, src, si, wl, wi, b, dst, none}, eng);
        FinishForward(p, pd, dnnl::lbr_gru_forward(pd));
        p.build_backward = [=, this](Plan& q) {
          dnnl::lbr_gru_backward::primitive_desc bpd(
              {bwd, dir, src, si, wl, wi, b, dst, none, src, si, wl, wi, b, dst, none}, eng, pd);
          FinishBackward(q, bpd, dnnl::lbr_gru_backward(bpd));
        };
      } else {
        dnnl::gru_forward::primitive_desc pd({fwd, dir, src, si, wl, wi, b, dst, none}, eng);
        FinishForward(p, pd, dnnl::gru_forward(pd));
        p.build_backward = [=, this](Plan& q) {
          dnnl::gru_backward::primitive_desc bpd(
              {bwd, dir, src, si, wl, wi, b, dst, none, src, si, wl, wi, b, dst, none}, eng, pd);
          FinishBackward(q, bpd, dnnl::gru_backward(bpd));
        };
      }
      break;
    }
    case LayerKind::kDense:
      throw dnnl::error(dnnl_invalid_arguments, "a dense layer has no RNN primitive");
  }
}

Plan& OnednnRecurrent::Impl::GetPlan(int64_t t, int64_t n) {
  auto it = plans.find({t, n});
  if (it == plans.end()) {
    if (plans.size() >= kMaxPlans) {
      auto oldest = plans.begin();
      for (auto j = plans.begin(); j != plans.end(); ++j)
        if (j->second->last_use < oldest->second->last_use) oldest = j;
      if (oldest->second.get() == plan) plan = nullptr;
      plans.erase(oldest);
    }
    auto fresh = std::make_unique<Plan>();
    BuildForward(*fresh, t, n);  // throws before insertion on failure
    it = plans.emplace(std::make_pair(t, n), std::move(fresh)).first;
  }
  it->second->last_use = ++uses;
  return *it->second;
}

int OnednnThreads() { return omp_get_max_threads(); }

OnednnRecurrent::OnednnRecurrent(const OnednnRnnConfig& config) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = config;
  impl_->gates = GateCount(config.kind);
  impl_->bias_gates = config.kind == LayerKind::kGRU && config.reset_after ? 4 : impl_->gates;
}

OnednnRecurrent::~OnednnRecurrent() = default;

const char* OnednnRecurrent::forward_impl() const { return impl_->last_fwd_impl.c_str(); }
const char* OnednnRecurrent::backward_impl() const { return impl_->last_bwd_impl.c_str(); }

absl::Status OnednnRecurrent::Forward(const float* x, int64_t steps, int64_t batch, const float* kernel,
                                      const float* recurrent, const float* bias, float* h) {
  Impl& m = *impl_;
  m.plan = nullptr;
  try {
    if (!m.stream) m.stream = dnnl::stream(ops::CpuEngine());
    Plan& p = m.GetPlan(steps, batch);
    m.kernel = kernel, m.recurrent = recurrent, m.bias = bias;
    memory wl = m.Stage(kernel, m.WeightsLayerPlain(), p.w_layer_fwd, p.to_layer_fwd);
    memory wi = m.Stage(recurrent, m.WeightsIterPlain(), p.w_iter_fwd, p.to_iter_fwd);
    memory b = Wrap(m.BiasDesc()), src = Wrap(Plain({steps, batch, m.cfg.in_width}, Tag::tnc)),
           dst = Wrap(Plain({steps, batch, m.cfg.units}, Tag::tnc));
    b.set_data_handle(const_cast<float*>(m.FusedBias()));
    src.set_data_handle(const_cast<float*>(x));
    dst.set_data_handle(h);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC_LAYER, src},
                                         {DNNL_ARG_SRC_ITER, p.zero_state},
                                         {DNNL_ARG_WEIGHTS_LAYER, wl},
                                         {DNNL_ARG_WEIGHTS_ITER, wi},
                                         {DNNL_ARG_BIAS, b},
                                         {DNNL_ARG_DST_LAYER, dst},
                                         {DNNL_ARG_WORKSPACE, p.workspace}};
    if (p.zero_cell) args[DNNL_ARG_SRC_ITER_C] = p.zero_cell;
    p.fwd.execute(m.stream, args);
    m.stream.wait();
    m.plan = &p, m.steps = steps, m.batch = batch, m.x = x, m.h = h;
    m.last_fwd_impl = p.fwd_impl;
  } catch (const dnnl::error& e) {
    return ops::DnnlErrorToStatus(e, "trainer: oneDNN RNN forward_training");
  }
  return absl::OkStatus();
}

absl::Status OnednnRecurrent::Backward(const float* dh, float* kernel_grad, float* recurrent_grad,
                                       float* bias_grad, float* dx) {
  Impl& m = *impl_;
  if (m.plan == nullptr)
    return absl::FailedPreconditionError("trainer: oneDNN RNN backward without a forward");
  Plan& p = *m.plan;
  const int64_t i_w = m.cfg.in_width, h = m.cfg.units, gh = m.gates * h;
  try {
    if (!p.bwd) p.build_backward(p);
    // The backward primitive wants its own weight format (ldgoi-like): reorder the same weights.
    memory wl = m.Stage(m.kernel, m.WeightsLayerPlain(), p.w_layer_bwd, p.to_layer_bwd);
    memory wi = m.Stage(m.recurrent, m.WeightsIterPlain(), p.w_iter_bwd, p.to_iter_bwd);
    memory b = Wrap(m.BiasDesc()), src = Wrap(Plain({m.steps, m.batch, i_w}, Tag::tnc)),
           dst = Wrap(Plain({m.steps, m.batch, h}, Tag::tnc)),
           ddst = Wrap(Plain({m.steps, m.batch, h}, Tag::tnc));
    b.set_data_handle(const_cast<float*>(m.FusedBias()));
    src.set_data_handle(const_cast<float*>(m.x));
    dst.set_data_handle(const_cast<float*>(m.h));
    ddst.set_data_handle(const_cast<float*>(dh));
    memory dsrc;
    if (dx != nullptr) {
      dsrc = Wrap(Plain({m.steps, m.batch, i_w}, Tag::tnc));
      dsrc.set_data_handle(dx);
    } else {
      // The primitive always produces diff_src_layer; the first layer just has no use for it.
      if (!p.dx_unused) p.dx_unused = memory(Plain({m.steps, m.batch, i_w}, Tag::tnc), ops::CpuEngine());
      dsrc = p.dx_unused;
    }
    // oneDNN ADDS into diff weights and diff bias: start them from zero.
    for (memory* d : {&p.dw_layer, &p.dw_iter, &p.dbias})
      std::memset(d->get_data_handle(), 0, d->get_desc().get_size());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC_LAYER, src},
                                         {DNNL_ARG_SRC_ITER, p.zero_state},
                                         {DNNL_ARG_WEIGHTS_LAYER, wl},
                                         {DNNL_ARG_WEIGHTS_ITER, wi},
                                         {DNNL_ARG_BIAS, b},
                                         {DNNL_ARG_DST_LAYER, dst},
                                         {DNNL_ARG_DIFF_DST_LAYER, ddst},
                                         {DNNL_ARG_WORKSPACE, p.workspace},
                                         {DNNL_ARG_DIFF_SRC_LAYER, dsrc},
                                         {DNNL_ARG_DIFF_SRC_ITER, p.dstate_unused},
                                         {DNNL_ARG_DIFF_WEIGHTS_LAYER, p.dw_layer},
                                         {DNNL_ARG_DIFF_WEIGHTS_ITER, p.dw_iter},
                                         {DNNL_ARG_DIFF_BIAS, p.dbias}};
    if (p.zero_cell) {
      args[DNNL_ARG_SRC_ITER_C] = p.zero_cell;
      args[DNNL_ARG_DIFF_SRC_ITER_C] = p.dcell_unused;
    }
    p.bwd.execute(m.stream, args);
    if (p.from_dw_layer)
      p.from_dw_layer.execute(m.stream, {{DNNL_ARG_FROM, p.dw_layer}, {DNNL_ARG_TO, p.dw_layer_plain}});
    if (p.from_dw_iter)
      p.from_dw_iter.execute(m.stream, {{DNNL_ARG_FROM, p.dw_iter}, {DNNL_ARG_TO, p.dw_iter_plain}});
    m.stream.wait();
    m.last_bwd_impl = p.bwd_impl;
    const memory& dwl = p.from_dw_layer ? p.dw_layer_plain : p.dw_layer;
    const memory& dwi = p.from_dw_iter ? p.dw_iter_plain : p.dw_iter;
    Add(static_cast<const float*>(dwl.get_data_handle()), kernel_grad, i_w * gh);
    Add(static_cast<const float*>(dwi.get_data_handle()), recurrent_grad, h * gh);
    const float* db = static_cast<const float*>(p.dbias.get_data_handle());
    if (m.cfg.kind == LayerKind::kGRU && m.cfg.reset_after) {
      // One fused gradient per summed bias goes to both Keras halves; the candidate's two
      // parts (gates 2 and 3 of lbr_gru) go to the input and the recurrent half.
      Add(db, bias_grad, 3 * h);
      Add(db, bias_grad + gh, 2 * h);
      Add(db + 3 * h, bias_grad + gh + 2 * h, h);
    } else {
      Add(db, bias_grad, gh);
    }
  } catch (const dnnl::error& e) {
    return ops::DnnlErrorToStatus(e, "trainer: oneDNN RNN backward");
  }
  return absl::OkStatus();
}

}  // namespace seqrt::trainer
