// Trainable layers with forward and backpropagation-through-time, templated on the scalar:
// float for training, double for finite-difference gradient checks.
//
// Activations flow time-major: Seq [steps, batch, width]. A recurrent layer that does not
// return sequences outputs one step (its final state); Dense applies to every step it gets.
// Parameters are stored in Keras' layouts and gate orders (kernel [F, G*H], recurrent_kernel
// [H, G*H]; LSTM i,f,c,o; GRU z,r,h) so exports and users see what Keras would show.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "seqrt/tensor.h"
#include "seqrt/train.h"
#include "trainer/rng.h"

namespace seqrt::trainer {

template <typename S>
struct Seq {
  int64_t steps = 0, batch = 0, width = 0;
  std::vector<S> v;
  void Resize(int64_t t, int64_t n, int64_t c) {
    steps = t, batch = n, width = c;
    v.assign(static_cast<size_t>(t * n * c), S(0));
  }
  S* step(int64_t t) { return v.data() + t * batch * width; }
  const S* step(int64_t t) const { return v.data() + t * batch * width; }
};

template <typename S>
struct Param {
  std::string name;  // Keras' name: "kernel", "recurrent_kernel", "bias"
  Dims dims;
  std::vector<S> value, grad;
};

template <typename S>
class Layer {
 public:
  virtual ~Layer() = default;
  virtual const LayerSpec& spec() const = 0;
  virtual int64_t output_width() const = 0;
  // Output steps for `in_steps` input steps.
  virtual int64_t output_steps(int64_t in_steps) const = 0;
  // Computes y and keeps what Backward needs (the most recent Forward is the one differentiated).
  virtual void Forward(const Seq<S>& x, Seq<S>& y) = 0;
  // Accumulates parameter gradients from dy; writes dx when non-null.
  virtual void Backward(const Seq<S>& dy, Seq<S>* dx) = 0;
  // For bidirectional layers: the forward direction's parameters, then the backward's.
  virtual std::vector<Param<S>*> params() = 0;
  // Which implementation recurrent layers train with (others have one); takes effect at the
  // next Forward.
  virtual void set_backend(TrainBackend backend) {}
};

// Elementwise helpers shared by the layers.
template <typename S>
inline S Sigmoid(S x) {
  return S(1) / (S(1) + std::exp(-x));
}

}  // namespace seqrt::trainer
