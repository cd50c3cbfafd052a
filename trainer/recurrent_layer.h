// One direction of SimpleRNN / LSTM / GRU (Keras equations), and the Bidirectional wrapper.
//
// Forward precomputes x·kernel for all steps in one GEMM, then walks the steps with one
// [N,H]x[H,G*H] GEMM each; BPTT walks back the same way and finishes with whole-sequence GEMMs
// for the kernel, recurrent-kernel and input gradients.
//
// In float, a layer can instead run on oneDNN's RNN primitives (recurrent_layer_onednn.h);
// which one runs is the layer's TrainBackend (kAuto: the path measured faster for the layer, see
// AutoPrefersOnednn). double, used by the gradient checks, always takes the reference path.
#pragma once

#include <memory>

#include "absl/status/status.h"
#include "trainer/layers.h"
#include "trainer/recurrent_layer_onednn.h"

namespace seqrt::trainer {

template <typename S>
class RecurrentLayer final : public Layer<S> {
 public:
  // `reverse` runs from the last step to the first (Bidirectional's backward half); outputs stay
  // in natural time order.
  RecurrentLayer(const LayerSpec& spec, int64_t in_width, bool reverse, Rng& rng);
  const LayerSpec& spec() const override { return spec_; }
  int64_t output_width() const override { return units_; }
  int64_t output_steps(int64_t in_steps) const override { return spec_.return_sequences ? in_steps : 1; }
  void Forward(const Seq<S>& x, Seq<S>& y) override;
  void Backward(const Seq<S>& dy, Seq<S>* dx) override;
  std::vector<Param<S>*> params() override { return {&kernel_, &recurrent_, &bias_}; }
  void set_backend(TrainBackend backend) override { backend_ = backend; }
  int64_t gates() const { return gates_; }
  // Whether the last Forward (and so the next Backward) ran on oneDNN's primitives.
  bool last_forward_used_onednn() const { return used_onednn_; }
  // oneDNN's implementation names of the last primitives ("" before any oneDNN run).
  std::string onednn_impl() const;

 private:
  bool IsGruV1() const { return spec_.kind == LayerKind::kGRU && !spec_.reset_after; }
  bool IsGruV3() const { return spec_.kind == LayerKind::kGRU && spec_.reset_after; }
  int64_t TimeAt(int64_t s, int64_t steps) const { return reverse_ ? steps - 1 - s : s; }
  bool UseOnednn() const;
  void ForwardReference();
  // The oneDNN path; false (after one warning, and for good) when oneDNN fails.
  bool ForwardOnednn();
  bool BackwardOnednn(const Seq<S>& dy, Seq<S>* dx);
  // Reports a oneDNN failure once and switches this layer to the reference BPTT for good.
  void FallBackToReference(const absl::Status& why);
  void BackwardReference(const Seq<S>& dy, Seq<S>* dx);
  void StepForward(int64_t t, const S* h_prev, const S* c_prev, int64_t n);
  // Returns into dh_prev / dc_prev the gradients flowing to the previous processed step.
  void StepBackward(int64_t t, const S* dh, const S* dc_in, S* dh_prev, S* dc_prev, int64_t n);

  LayerSpec spec_;
  int64_t in_width_, units_, gates_;
  bool reverse_;
  Param<S> kernel_, recurrent_, bias_;

  const Seq<S>* x_ = nullptr;
  int64_t steps_ = 0, batch_ = 0;
  // Per time step t (natural order), [T, N, ...]:
  std::vector<S> xw_;            // x·kernel + input bias                       [T,N,GH]
  std::vector<S> hprev_;         // state entering step t                        [T,N,H]
  std::vector<S> cprev_;         // LSTM cell entering step t                    [T,N,H]
  std::vector<S> act_;           // post-activation gates (RNN: h)               [T,N,GH]
  std::vector<S> c_;             // LSTM cell after step t                       [T,N,H]
  std::vector<S> tc_;            // LSTM tanh(c) after step t                    [T,N,H]
  std::vector<S> hzh_;           // GRU reset_after: h·R_h + recurrent bias_h    [T,N,H]
  std::vector<S> rh_;            // GRU reset_after=false: r ⊙ h_prev            [T,N,H]
  std::vector<S> h_;             // output after step t                          [T,N,H]
  std::vector<S> dain_, darec_;  // gate pre-activation grads (input / recurrent side) [T,N,GH]
  std::vector<S> rec_;           // per-step scratch [N,GH]

  TrainBackend backend_ = TrainBackend::kAuto;
  std::unique_ptr<OnednnRecurrent> onednn_;  // float only, created on first use
  bool used_onednn_ = false, onednn_failed_ = false;
  std::vector<S> dh_all_;  // oneDNN backward: dL/dh for every step when only the last is output
};

// kAuto's choice for one float layer direction on `threads` threads, from seqrt_bench_trainer's
// measurements (recurrent_layer.cc lists them).
bool AutoPrefersOnednn(const LayerSpec& spec, int64_t batch, int threads);

template <typename S>
class BidirectionalLayer final : public Layer<S> {
 public:
  BidirectionalLayer(const LayerSpec& spec, int64_t in_width, Rng& rng);
  const LayerSpec& spec() const override { return spec_; }
  int64_t output_width() const override { return 2 * spec_.units; }
  int64_t output_steps(int64_t in_steps) const override { return spec_.return_sequences ? in_steps : 1; }
  void Forward(const Seq<S>& x, Seq<S>& y) override;
  void Backward(const Seq<S>& dy, Seq<S>* dx) override;
  std::vector<Param<S>*> params() override;
  void set_backend(TrainBackend backend) override { fw_.set_backend(backend), bw_.set_backend(backend); }
  const RecurrentLayer<S>& forward_half() const { return fw_; }
  const RecurrentLayer<S>& backward_half() const { return bw_; }

 private:
  LayerSpec spec_;
  RecurrentLayer<S> fw_, bw_;
  Seq<S> yf_, yb_, dyf_, dyb_, dxb_;
};

}  // namespace seqrt::trainer
