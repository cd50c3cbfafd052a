// One direction of a float SimpleRNN / LSTM / GRU layer trained with oneDNN's RNN primitives:
// forward_training (keeps a workspace) and backward (diff_src_layer, diff weights, diff bias).
//
// The boundary speaks the trainer's layouts only: time-major data [T, N, C] and Keras weights
// (kernel [I, G*H], recurrent_kernel [H, G*H], bias [G*H] or [2, G*H] for GRU reset_after).
// Keras' gate orders are oneDNN's (LSTM i,f,c,o = i,f,c~,o; GRU z,r,h = u,r,o), and a row-major
// Keras kernel is exactly oneDNN's `ldigo` {1, 1, I, G, H}, so weights need no permutation, only
// the reorder into whatever format the primitive asks for. No dnnl type appears here, so the
// reference layer can hold one of these without seeing oneDNN.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "seqrt/train.h"

namespace seqrt::trainer {

struct OnednnRnnConfig {
  LayerKind kind = LayerKind::kLSTM;
  Activation activation = Activation::kTanh;  // SimpleRNN: kTanh or kRelu
  bool reset_after = true;                    // GRU: true = oneDNN's lbr_gru
  bool reverse = false;                       // oneDNN's unidirectional_right2left
  int64_t in_width = 0, units = 0;
};

// The threads oneDNN's primitives (and the trainer's GEMMs) run on: OpenMP's current maximum,
// which TrainOptions::threads sets.
int OnednnThreads();

class OnednnRecurrent {
 public:
  explicit OnednnRecurrent(const OnednnRnnConfig& config);
  ~OnednnRecurrent();
  OnednnRecurrent(const OnednnRecurrent&) = delete;
  OnednnRecurrent& operator=(const OnednnRecurrent&) = delete;

  // forward_training over x [T, N, I] with zero initial state; writes every step's output into
  // h [T, N, H] (natural time order, also when reversed). x must stay alive and unchanged until
  // Backward (the primitive reads it again). Weights are reordered on every call: each Forward
  // of training follows one optimizer update.
  absl::Status Forward(const float* x, int64_t steps, int64_t batch, const float* kernel,
                       const float* recurrent, const float* bias, float* h);

  // Backward of the last Forward (same weights), given dL/dh for every step [T, N, H].
  // ADDS the weight and bias gradients into the Keras-layout grads (oneDNN's own diff buffers
  // are zeroed first: its backward accumulates into them). Writes dx [T, N, I] when non-null.
  absl::Status Backward(const float* dh, float* kernel_grad, float* recurrent_grad, float* bias_grad,
                        float* dx);

  // oneDNN's implementation name for the last forward / backward primitive (e.g. "ref:any").
  const char* forward_impl() const;
  const char* backward_impl() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seqrt::trainer
