#include "trainer/optimizer.h"

#include <cmath>

namespace seqrt::trainer {

Optimizer::Optimizer(const TrainOptions& options, const std::vector<Param<float>*>& params)
    : options_(options), params_(params) {
  for (Param<float>* p : params_) {
    m_.emplace_back(p->value.size(), 0.0f);
    v_.emplace_back(options.optimizer == OptimizerKind::kAdam ? p->value.size() : 0, 0.0f);
  }
}

double Optimizer::Step() {
  double sq = 0;
  for (Param<float>* p : params_)
    for (float g : p->grad) sq += static_cast<double>(g) * g;
  const double norm = std::sqrt(sq);
  const float scale = options_.clip_norm > 0 && norm > options_.clip_norm
                          ? static_cast<float>(options_.clip_norm / norm)
                          : 1.0f;
  ++step_;
  const float lr = static_cast<float>(options_.learning_rate);
  if (options_.optimizer == OptimizerKind::kSGD) {
    const float mom = static_cast<float>(options_.momentum);
    for (size_t i = 0; i < params_.size(); ++i) {
      std::vector<float>& w = params_[i]->value;
      const std::vector<float>& g = params_[i]->grad;
      for (size_t j = 0; j < w.size(); ++j) {
        if (mom == 0.0f) {
          w[j] -= lr * scale * g[j];
        } else {
          m_[i][j] = mom * m_[i][j] - lr * scale * g[j];
          w[j] += m_[i][j];
        }
      }
    }
    return norm;
  }
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const float eps = static_cast<float>(options_.epsilon);
  const double t = static_cast<double>(step_);
  const float lr_t =
      static_cast<float>(options_.learning_rate * std::sqrt(1.0 - std::pow(options_.beta2, t)) /
                         (1.0 - std::pow(options_.beta1, t)));
  for (size_t i = 0; i < params_.size(); ++i) {
    std::vector<float>& w = params_[i]->value;
    const std::vector<float>& g = params_[i]->grad;
    std::vector<float>& m = m_[i];
    std::vector<float>& v = v_[i];
    for (size_t j = 0; j < w.size(); ++j) {
      const float gj = scale * g[j];
      m[j] = b1 * m[j] + (1.0f - b1) * gj;
      v[j] = b2 * v[j] + (1.0f - b2) * gj * gj;
      w[j] -= lr_t * m[j] / (std::sqrt(v[j]) + eps);
    }
  }
  (void)lr;
  return norm;
}

}  // namespace seqrt::trainer
