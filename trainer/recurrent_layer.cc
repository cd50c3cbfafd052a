#include "trainer/recurrent_layer.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>

#include "trainer/activations.h"
#include "trainer/gemm.h"

namespace seqrt::trainer {
namespace {

template <typename S>
std::vector<S> Cast(const std::vector<double>& v) {
  return std::vector<S>(v.begin(), v.end());
}

int64_t GateCount(LayerKind kind) {
  switch (kind) {
    case LayerKind::kLSTM:
      return 4;
    case LayerKind::kGRU:
      return 3;
    default:
      return 1;
  }
}

}  // namespace

// Measured with seqrt_bench_trainer on this project's machine (Zen3, 2 cores, AVX2 only, where
// oneDNN 2.6 trains RNNs with its "ref" implementation: jit GEMMs plus cell code that it, unlike
// our reference, spreads over the threads), epochs of T = 50, 32 features, best of 4-7 rounds,
// oneDNN/reference throughput:
//   1 thread:  LSTM(128) 0.99, GRU(128) 0.98, GRU v1(128) 0.91, SimpleRNN(128) 0.73,
//              BiLSTM(64) 0.79; LSTM/GRU(256) 1.04/1.11 — ties or losses.
//   2 threads, batch 32: LSTM(128) 1.20, GRU(128) 1.11, GRU v1(128) 1.09, BiLSTM(128) 1.19,
//              BiGRU(128) 1.31, LSTM/GRU(256) 1.27/1.20; but units 64: LSTM 0.94, GRU 0.98,
//              GRU v1 0.83; SimpleRNN(128/256) 0.81/0.98; batch 8: LSTM 0.99, GRU 0.85;
//              batch 64/128: LSTM 1.09/1.12, GRU 1.15.
// So oneDNN where it won clearly: gated cells, >= 2 threads, >= 128 units, batch >= 32.
bool AutoPrefersOnednn(const LayerSpec& spec, int64_t batch, int threads) {
  return spec.kind != LayerKind::kSimpleRNN && threads >= 2 && spec.units >= 128 && batch >= 32;
}

template <typename S>
RecurrentLayer<S>::RecurrentLayer(const LayerSpec& spec, int64_t in_width, bool reverse, Rng& rng)
    : spec_(spec), in_width_(in_width), units_(spec.units), gates_(GateCount(spec.kind)), reverse_(reverse) {
  const int64_t h = units_, gh = gates_ * units_;
  kernel_ = {"kernel", {in_width, gh}, Cast<S>(GlorotUniform(in_width, gh, rng)), {}};
  recurrent_ = {"recurrent_kernel", {h, gh}, Cast<S>(Orthogonal(h, gh, rng)), {}};
  const bool two_biases = IsGruV3();
  bias_ = {"bias", two_biases ? Dims{2, gh} : Dims{gh}, std::vector<S>(two_biases ? 2 * gh : gh, S(0)), {}};
  if (spec.kind == LayerKind::kLSTM) std::fill(bias_.value.begin() + h, bias_.value.begin() + 2 * h, S(1));
  for (Param<S>* p : params()) p->grad.assign(p->value.size(), S(0));
}

template <typename S>
bool RecurrentLayer<S>::UseOnednn() const {
  if (!std::is_same_v<S, float> || onednn_failed_) return false;
  switch (backend_) {
    case TrainBackend::kOnednn:
      return true;
    case TrainBackend::kReference:
      return false;
    case TrainBackend::kAuto:
      break;
  }
  return AutoPrefersOnednn(spec_, batch_, OnednnThreads());
}

template <typename S>
void RecurrentLayer<S>::Forward(const Seq<S>& x, Seq<S>& y) {
  x_ = &x;
  steps_ = x.steps, batch_ = x.batch;
  used_onednn_ = UseOnednn() && ForwardOnednn();
  if (!used_onednn_) ForwardReference();
  // Both paths leave every step's output in h_ [T,N,H], natural time order.
  const int64_t h = units_;
  if (spec_.return_sequences) {
    y.Resize(steps_, batch_, h);
    std::copy(h_.begin(), h_.end(), y.v.begin());
  } else {
    y.Resize(1, batch_, h);
    const int64_t t_last = TimeAt(steps_ - 1, steps_);
    std::copy_n(h_.begin() + t_last * batch_ * h, batch_ * h, y.v.begin());
  }
}

template <typename S>
bool RecurrentLayer<S>::ForwardOnednn() {
  if constexpr (std::is_same_v<S, float>) {
    if (!onednn_)
      onednn_ = std::make_unique<OnednnRecurrent>(
          OnednnRnnConfig{spec_.kind, spec_.activation, spec_.reset_after, reverse_, in_width_, units_});
    h_.resize(steps_ * batch_ * units_);
    const absl::Status s = onednn_->Forward(x_->v.data(), steps_, batch_, kernel_.value.data(),
                                            recurrent_.value.data(), bias_.value.data(), h_.data());
    if (s.ok()) return true;
    FallBackToReference(s);
  }
  return false;
}

template <typename S>
bool RecurrentLayer<S>::BackwardOnednn(const Seq<S>& dy, Seq<S>* dx) {
  if constexpr (std::is_same_v<S, float>) {
    const int64_t t_n = steps_ * batch_, h = units_;
    const float* dh = dy.v.data();
    if (!spec_.return_sequences) {
      // Only the last processed step is an output; every other step's dL/dh comes through time.
      dh_all_.assign(t_n * h, 0.0f);
      std::copy_n(dy.step(0), batch_ * h, dh_all_.begin() + TimeAt(steps_ - 1, steps_) * batch_ * h);
      dh = dh_all_.data();
    }
    if (dx) dx->Resize(steps_, batch_, in_width_);
    const absl::Status s = onednn_->Backward(dh, kernel_.grad.data(), recurrent_.grad.data(),
                                             bias_.grad.data(), dx ? dx->v.data() : nullptr);
    if (s.ok()) return true;
    FallBackToReference(s);
  }
  return false;
}

template <typename S>
void RecurrentLayer<S>::FallBackToReference(const absl::Status& why) {
  // Training goes on, on the reference path, which computes the same function.
  std::fprintf(stderr, "seqrt trainer: %s; this layer uses the reference BPTT from now on\n",
               std::string(why.message()).c_str());
  onednn_failed_ = true;
}

template <typename S>
std::string RecurrentLayer<S>::onednn_impl() const {
  if (!onednn_) return "";
  return std::string(onednn_->forward_impl()) + " / " + onednn_->backward_impl();
}

template <typename S>
void RecurrentLayer<S>::ForwardReference() {
  const Seq<S>& x = *x_;
  const int64_t t_n = steps_ * batch_, h = units_, gh = gates_ * units_;
  xw_.resize(t_n * gh);
  for (int64_t r = 0; r < t_n; ++r) std::copy_n(bias_.value.begin(), gh, xw_.begin() + r * gh);
  Gemm<S>(false, false, t_n, gh, in_width_, S(1), x.v.data(), in_width_, kernel_.value.data(), gh, S(1),
          xw_.data(), gh);
  hprev_.assign(t_n * h, S(0));
  h_.assign(t_n * h, S(0));
  act_.assign(t_n * gh, S(0));
  rec_.assign(batch_ * gh, S(0));
  if (spec_.kind == LayerKind::kLSTM)
    cprev_.assign(t_n * h, S(0)), c_.assign(t_n * h, S(0)), tc_.assign(t_n * h, S(0));
  if (IsGruV3()) hzh_.assign(t_n * h, S(0));
  if (IsGruV1()) rh_.assign(t_n * h, S(0));

  for (int64_t s = 0; s < steps_; ++s) {
    const int64_t t = TimeAt(s, steps_);
    if (s > 0) {
      const int64_t tp = TimeAt(s - 1, steps_);
      std::copy_n(h_.begin() + tp * batch_ * h, batch_ * h, hprev_.begin() + t * batch_ * h);
      if (spec_.kind == LayerKind::kLSTM)
        std::copy_n(c_.begin() + tp * batch_ * h, batch_ * h, cprev_.begin() + t * batch_ * h);
    }
    StepForward(t, hprev_.data() + t * batch_ * h,
                spec_.kind == LayerKind::kLSTM ? cprev_.data() + t * batch_ * h : nullptr, batch_);
  }
}

template <typename S>
void RecurrentLayer<S>::StepForward(int64_t t, const S* h_prev, const S* c_prev, int64_t n) {
  const int64_t h = units_, gh = gates_ * units_;
  const S* xw = xw_.data() + t * n * gh;
  S* act = act_.data() + t * n * gh;
  S* hout = h_.data() + t * n * h;
  S* rec = rec_.data();
  const S* r_w = recurrent_.value.data();
  switch (spec_.kind) {
    case LayerKind::kSimpleRNN: {
      Gemm<S>(false, false, n, h, h, S(1), h_prev, h, r_w, h, S(0), rec, h);
      for (int64_t i = 0; i < n * h; ++i) rec[i] += xw[i];
      if (spec_.activation == Activation::kRelu) {
        for (int64_t i = 0; i < n * h; ++i) act[i] = rec[i] > S(0) ? rec[i] : S(0);
      } else {
        TanhArray(rec, act, n * h);
      }
      std::copy_n(act, n * h, hout);
      break;
    }
    case LayerKind::kLSTM: {
      Gemm<S>(false, false, n, gh, h, S(1), h_prev, h, r_w, gh, S(0), rec, gh);
      for (int64_t i = 0; i < n * gh; ++i) rec[i] += xw[i];
      S* c = c_.data() + t * n * h;
      S* tc = tc_.data() + t * n * h;
      for (int64_t b = 0; b < n; ++b) {
        const S* a = rec + b * gh;
        S* g = act + b * gh;
        SigmoidArray(a, g, 2 * h);              // i, f
        TanhArray(a + 2 * h, g + 2 * h, h);     // c~
        SigmoidArray(a + 3 * h, g + 3 * h, h);  // o
        for (int64_t j = 0; j < h; ++j) c[b * h + j] = g[h + j] * c_prev[b * h + j] + g[j] * g[2 * h + j];
      }
      TanhArray(c, tc, n * h);
      for (int64_t b = 0; b < n; ++b)
        for (int64_t j = 0; j < h; ++j) hout[b * h + j] = act[b * gh + 3 * h + j] * tc[b * h + j];
      break;
    }
    case LayerKind::kGRU: {
      if (spec_.reset_after) {
        const S* b_rec = bias_.value.data() + gh;
        for (int64_t b = 0; b < n; ++b) std::copy_n(b_rec, gh, rec + b * gh);
        Gemm<S>(false, false, n, gh, h, S(1), h_prev, h, r_w, gh, S(1), rec, gh);
        S* hzh = hzh_.data() + t * n * h;
        for (int64_t b = 0; b < n; ++b) {
          const S* a_x = xw + b * gh;
          S* a_h = rec + b * gh;
          S* g = act + b * gh;
          std::copy_n(a_h + 2 * h, h, hzh + b * h);
          for (int64_t j = 0; j < 2 * h; ++j) a_h[j] += a_x[j];
          SigmoidArray(a_h, g, 2 * h);  // z, r
          for (int64_t j = 0; j < h; ++j) a_h[2 * h + j] = a_x[2 * h + j] + g[h + j] * hzh[b * h + j];
          TanhArray(a_h + 2 * h, g + 2 * h, h);
          for (int64_t j = 0; j < h; ++j)
            hout[b * h + j] = g[j] * h_prev[b * h + j] + (S(1) - g[j]) * g[2 * h + j];
        }
      } else {
        // z and r see h_prev; the candidate sees r ⊙ h_prev through its own recurrent block.
        Gemm<S>(false, false, n, 2 * h, h, S(1), h_prev, h, r_w, gh, S(0), rec, gh);
        S* rh = rh_.data() + t * n * h;
        for (int64_t b = 0; b < n; ++b) {
          for (int64_t j = 0; j < 2 * h; ++j) rec[b * gh + j] += xw[b * gh + j];
          SigmoidArray(rec + b * gh, act + b * gh, 2 * h);  // z, r
          for (int64_t j = 0; j < h; ++j) rh[b * h + j] = act[b * gh + h + j] * h_prev[b * h + j];
        }
        Gemm<S>(false, false, n, h, h, S(1), rh, h, r_w + 2 * h, gh, S(0), rec + 2 * h, gh);
        for (int64_t b = 0; b < n; ++b) {
          for (int64_t j = 0; j < h; ++j) rec[b * gh + 2 * h + j] += xw[b * gh + 2 * h + j];
          TanhArray(rec + b * gh + 2 * h, act + b * gh + 2 * h, h);
          for (int64_t j = 0; j < h; ++j) {
            const S z = act[b * gh + j];
            hout[b * h + j] = z * h_prev[b * h + j] + (S(1) - z) * act[b * gh + 2 * h + j];
          }
        }
      }
      break;
    }
    case LayerKind::kDense:
      break;
  }
}

template <typename S>
void RecurrentLayer<S>::Backward(const Seq<S>& dy, Seq<S>* dx) {
  if (used_onednn_) {
    if (BackwardOnednn(dy, dx)) return;
    ForwardReference();  // rebuild what the reference backward needs, from the same x
  }
  BackwardReference(dy, dx);
}

template <typename S>
void RecurrentLayer<S>::BackwardReference(const Seq<S>& dy, Seq<S>* dx) {
  const int64_t n = batch_, h = units_, gh = gates_ * units_, t_n = steps_ * batch_;
  dain_.assign(t_n * gh, S(0));
  darec_.assign(IsGruV3() ? t_n * gh : 0, S(0));
  std::vector<S> dh(n * h), dh_carry(n * h, S(0)), dc_carry(n * h, S(0)), dh_next(n * h),
      dc_next(n * h, S(0));
  for (int64_t s = steps_ - 1; s >= 0; --s) {
    const int64_t t = TimeAt(s, steps_);
    const S* dy_t = spec_.return_sequences ? dy.step(t) : (s == steps_ - 1 ? dy.step(0) : nullptr);
    for (int64_t i = 0; i < n * h; ++i) dh[i] = dh_carry[i] + (dy_t ? dy_t[i] : S(0));
    StepBackward(t, dh.data(), dc_carry.data(), dh_next.data(), dc_next.data(), n);
    dh_carry.swap(dh_next);
    dc_carry.swap(dc_next);
  }
  const S* x = x_->v.data();
  Gemm<S>(true, false, in_width_, gh, t_n, S(1), x, in_width_, dain_.data(), gh, S(1), kernel_.grad.data(),
          gh);
  for (int64_t r = 0; r < t_n; ++r)
    for (int64_t j = 0; j < gh; ++j) bias_.grad[j] += dain_[r * gh + j];
  if (IsGruV3()) {
    for (int64_t r = 0; r < t_n; ++r)
      for (int64_t j = 0; j < gh; ++j) bias_.grad[gh + j] += darec_[r * gh + j];
    Gemm<S>(true, false, h, gh, t_n, S(1), hprev_.data(), h, darec_.data(), gh, S(1), recurrent_.grad.data(),
            gh);
  } else if (IsGruV1()) {
    Gemm<S>(true, false, h, 2 * h, t_n, S(1), hprev_.data(), h, dain_.data(), gh, S(1),
            recurrent_.grad.data(), gh);
    Gemm<S>(true, false, h, h, t_n, S(1), rh_.data(), h, dain_.data() + 2 * h, gh, S(1),
            recurrent_.grad.data() + 2 * h, gh);
  } else {
    Gemm<S>(true, false, h, gh, t_n, S(1), hprev_.data(), h, dain_.data(), gh, S(1), recurrent_.grad.data(),
            gh);
  }
  if (dx) {
    dx->Resize(steps_, batch_, in_width_);
    Gemm<S>(false, true, t_n, in_width_, gh, S(1), dain_.data(), gh, kernel_.value.data(), gh, S(0),
            dx->v.data(), in_width_);
  }
}

template <typename S>
void RecurrentLayer<S>::StepBackward(int64_t t, const S* dh, const S* dc_in, S* dh_prev, S* dc_prev,
                                     int64_t n) {
  const int64_t h = units_, gh = gates_ * units_;
  const S* act = act_.data() + t * n * gh;
  const S* hp = hprev_.data() + t * n * h;
  S* da = dain_.data() + t * n * gh;
  const S* r_w = recurrent_.value.data();
  switch (spec_.kind) {
    case LayerKind::kSimpleRNN: {
      const bool relu = spec_.activation == Activation::kRelu;
      for (int64_t i = 0; i < n * h; ++i)
        da[i] = relu ? (act[i] > S(0) ? dh[i] : S(0)) : dh[i] * (S(1) - act[i] * act[i]);
      Gemm<S>(false, true, n, h, h, S(1), da, h, r_w, h, S(0), dh_prev, h);
      break;
    }
    case LayerKind::kLSTM: {
      const S* cp = cprev_.data() + t * n * h;
      const S* tcs = tc_.data() + t * n * h;
      for (int64_t b = 0; b < n; ++b) {
        const S* g = act + b * gh;
        S* d = da + b * gh;
        for (int64_t j = 0; j < h; ++j) {
          const int64_t k = b * h + j;
          const S i_g = g[j], f_g = g[h + j], c_g = g[2 * h + j], o_g = g[3 * h + j];
          const S tc = tcs[k];
          const S dc = dc_in[k] + dh[k] * o_g * (S(1) - tc * tc);
          d[j] = dc * c_g * i_g * (S(1) - i_g);
          d[h + j] = dc * cp[k] * f_g * (S(1) - f_g);
          d[2 * h + j] = dc * i_g * (S(1) - c_g * c_g);
          d[3 * h + j] = dh[k] * tc * o_g * (S(1) - o_g);
          dc_prev[k] = dc * f_g;
        }
      }
      Gemm<S>(false, true, n, h, gh, S(1), da, gh, r_w, gh, S(0), dh_prev, h);
      break;
    }
    case LayerKind::kGRU: {
      if (spec_.reset_after) {
        const S* hzh = hzh_.data() + t * n * h;
        S* dr = darec_.data() + t * n * gh;
        for (int64_t b = 0; b < n; ++b)
          for (int64_t j = 0; j < h; ++j) {
            const int64_t k = b * h + j;
            const S z = act[b * gh + j], r = act[b * gh + h + j], hh = act[b * gh + 2 * h + j];
            const S dah = dh[k] * (S(1) - z) * (S(1) - hh * hh);
            const S daz = dh[k] * (hp[k] - hh) * z * (S(1) - z);
            const S dar = dah * hzh[k] * r * (S(1) - r);
            da[b * gh + j] = dr[b * gh + j] = daz;
            da[b * gh + h + j] = dr[b * gh + h + j] = dar;
            da[b * gh + 2 * h + j] = dah;
            dr[b * gh + 2 * h + j] = dah * r;
            dh_prev[k] = dh[k] * z;
          }
        Gemm<S>(false, true, n, h, gh, S(1), dr, gh, r_w, gh, S(1), dh_prev, h);
      } else {
        std::vector<S>& drh = rec_;  // scratch [N,H] (rec_ holds N*GH >= N*H)
        for (int64_t b = 0; b < n; ++b)
          for (int64_t j = 0; j < h; ++j) {
            const int64_t k = b * h + j;
            const S z = act[b * gh + j], hh = act[b * gh + 2 * h + j];
            da[b * gh + 2 * h + j] = dh[k] * (S(1) - z) * (S(1) - hh * hh);
            da[b * gh + j] = dh[k] * (hp[k] - hh) * z * (S(1) - z);
          }
        Gemm<S>(false, true, n, h, h, S(1), da + 2 * h, gh, r_w + 2 * h, gh, S(0), drh.data(), h);
        for (int64_t b = 0; b < n; ++b)
          for (int64_t j = 0; j < h; ++j) {
            const int64_t k = b * h + j;
            const S z = act[b * gh + j], r = act[b * gh + h + j];
            da[b * gh + h + j] = drh[k] * hp[k] * r * (S(1) - r);
            dh_prev[k] = dh[k] * z + drh[k] * r;
          }
        Gemm<S>(false, true, n, h, 2 * h, S(1), da, gh, r_w, gh, S(1), dh_prev, h);
      }
      break;
    }
    case LayerKind::kDense:
      break;
  }
}

template <typename S>
BidirectionalLayer<S>::BidirectionalLayer(const LayerSpec& spec, int64_t in_width, Rng& rng)
    : spec_(spec), fw_(spec, in_width, false, rng), bw_(spec, in_width, true, rng) {}

template <typename S>
std::vector<Param<S>*> BidirectionalLayer<S>::params() {
  std::vector<Param<S>*> p = fw_.params();
  for (Param<S>* q : bw_.params()) p.push_back(q);
  return p;
}

template <typename S>
void BidirectionalLayer<S>::Forward(const Seq<S>& x, Seq<S>& y) {
  fw_.Forward(x, yf_);
  bw_.Forward(x, yb_);
  const int64_t h = spec_.units, rows = yf_.steps * yf_.batch;
  y.Resize(yf_.steps, yf_.batch, 2 * h);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(yf_.v.begin() + r * h, h, y.v.begin() + r * 2 * h);
    std::copy_n(yb_.v.begin() + r * h, h, y.v.begin() + r * 2 * h + h);
  }
}

template <typename S>
void BidirectionalLayer<S>::Backward(const Seq<S>& dy, Seq<S>* dx) {
  const int64_t h = spec_.units, rows = dy.steps * dy.batch;
  dyf_.Resize(dy.steps, dy.batch, h);
  dyb_.Resize(dy.steps, dy.batch, h);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(dy.v.begin() + r * 2 * h, h, dyf_.v.begin() + r * h);
    std::copy_n(dy.v.begin() + r * 2 * h + h, h, dyb_.v.begin() + r * h);
  }
  fw_.Backward(dyf_, dx);
  bw_.Backward(dyb_, dx ? &dxb_ : nullptr);
  if (dx)
    for (size_t i = 0; i < dx->v.size(); ++i) dx->v[i] += dxb_.v[i];
}

template class RecurrentLayer<float>;
template class RecurrentLayer<double>;
template class BidirectionalLayer<float>;
template class BidirectionalLayer<double>;

}  // namespace seqrt::trainer
