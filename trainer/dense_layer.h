// Dense: y = act(x · kernel + bias) at every step. Softmax is left to the loss (the layer
// outputs logits, which keeps cross-entropy's gradient exact and stable).
#pragma once

#include "trainer/layers.h"

namespace seqrt::trainer {

template <typename S>
class DenseLayer final : public Layer<S> {
 public:
  DenseLayer(const LayerSpec& spec, int64_t in_width, Rng& rng);
  const LayerSpec& spec() const override { return spec_; }
  int64_t output_width() const override { return spec_.units; }
  int64_t output_steps(int64_t in_steps) const override { return in_steps; }
  void Forward(const Seq<S>& x, Seq<S>& y) override;
  void Backward(const Seq<S>& dy, Seq<S>* dx) override;
  std::vector<Param<S>*> params() override { return {&kernel_, &bias_}; }

 private:
  LayerSpec spec_;
  int64_t in_width_;
  Param<S> kernel_, bias_;
  const Seq<S>* x_ = nullptr;  // the input of the last Forward (owned by the network)
  Seq<S> y_;                   // post-activation, for relu's derivative
  std::vector<S> dz_;
};

}  // namespace seqrt::trainer
