#include "trainer/dense_layer.h"

#include "trainer/gemm.h"

namespace seqrt::trainer {

template <typename S>
DenseLayer<S>::DenseLayer(const LayerSpec& spec, int64_t in_width, Rng& rng)
    : spec_(spec), in_width_(in_width) {
  const int64_t k = spec.units;
  kernel_ = {"kernel", {in_width, k}, {}, {}};
  for (double w : GlorotUniform(in_width, k, rng)) kernel_.value.push_back(static_cast<S>(w));
  kernel_.grad.assign(kernel_.value.size(), S(0));
  bias_ = {"bias", {k}, std::vector<S>(k, S(0)), std::vector<S>(k, S(0))};
}

template <typename S>
void DenseLayer<S>::Forward(const Seq<S>& x, Seq<S>& y) {
  x_ = &x;
  const int64_t rows = x.steps * x.batch, k = spec_.units;
  y.Resize(x.steps, x.batch, k);
  for (int64_t r = 0; r < rows; ++r) std::copy(bias_.value.begin(), bias_.value.end(), y.v.begin() + r * k);
  Gemm<S>(false, false, rows, k, in_width_, S(1), x.v.data(), in_width_, kernel_.value.data(), k, S(1),
          y.v.data(), k);
  if (spec_.activation == Activation::kRelu)
    for (S& v : y.v) v = v > S(0) ? v : S(0);
  y_ = y;
}

template <typename S>
void DenseLayer<S>::Backward(const Seq<S>& dy, Seq<S>* dx) {
  const Seq<S>& x = *x_;
  const int64_t rows = x.steps * x.batch, k = spec_.units;
  dz_.assign(dy.v.begin(), dy.v.end());
  if (spec_.activation == Activation::kRelu)
    for (size_t i = 0; i < dz_.size(); ++i)
      if (y_.v[i] <= S(0)) dz_[i] = S(0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j) bias_.grad[j] += dz_[r * k + j];
  Gemm<S>(true, false, in_width_, k, rows, S(1), x.v.data(), in_width_, dz_.data(), k, S(1),
          kernel_.grad.data(), k);
  if (dx) {
    dx->Resize(x.steps, x.batch, in_width_);
    Gemm<S>(false, true, rows, in_width_, k, S(1), dz_.data(), k, kernel_.value.data(), k, S(0), dx->v.data(),
            in_width_);
  }
}

template class DenseLayer<float>;
template class DenseLayer<double>;

}  // namespace seqrt::trainer
