// Finite-difference gradient checks of BPTT for every trainer layer type, in double.
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/train.h"
#include "trainer/network.h"

namespace seqrt::trainer {
namespace {

struct Case {
  std::string name;
  std::string layers;
  TargetKind target = TargetKind::kClasses;
  bool sequence_targets = false;
  int64_t outputs = 3;
};

// Largest per-tensor relative error ||analytic - numeric|| / max(||analytic||, ||numeric||).
double MaxRelativeError(const Case& c, std::string* worst) {
  auto specs = ParseLayerList(c.layers);
  EXPECT_TRUE(specs.ok()) << specs.status();
  if (c.target == TargetKind::kClasses) specs->back().activation = Activation::kSoftmax;
  if (c.sequence_targets)
    for (LayerSpec& s : *specs)
      if (s.kind != LayerKind::kDense) s.return_sequences = true;
  const int64_t features = 3, steps = 5, batch = 4;
  auto net_or = Network<double>::Create(features, *specs, c.target, c.outputs, 7);
  EXPECT_TRUE(net_or.ok()) << net_or.status();
  Network<double> net = std::move(*net_or);
  Rng rng(11);
  Seq<double> x;
  x.Resize(steps, batch, features);
  for (double& v : x.v) v = rng.Uniform(-1, 1);
  // Non-zero biases so every bias path is exercised.
  for (Param<double>* p : net.params())
    if (p->name == "bias")
      for (double& v : p->value) v += rng.Uniform(-0.3, 0.3);
  std::vector<int64_t> labels(batch);
  for (int64_t b = 0; b < batch; ++b) labels[b] = static_cast<int64_t>(rng.Below(c.outputs));
  std::vector<float> values((c.sequence_targets ? steps : 1) * batch * c.outputs);
  for (float& v : values) v = static_cast<float>(rng.Uniform(-1, 1));
  const BatchTargets targets{labels.data(), values.data()};

  net.ZeroGrad();
  net.Forward(x);
  net.Loss(targets, nullptr);
  net.Backward();
  double worst_err = 0;
  int index = 0;
  for (Param<double>* p : net.params()) {
    double diff2 = 0, a2 = 0, n2 = 0;
    for (size_t i = 0; i < p->value.size(); ++i) {
      const double keep = p->value[i], eps = 1e-6;
      p->value[i] = keep + eps;
      net.Forward(x);
      const double up = net.Loss(targets, nullptr);
      p->value[i] = keep - eps;
      net.Forward(x);
      const double down = net.Loss(targets, nullptr);
      p->value[i] = keep;
      const double numeric = (up - down) / (2 * eps), analytic = p->grad[i];
      diff2 += (analytic - numeric) * (analytic - numeric);
      a2 += analytic * analytic;
      n2 += numeric * numeric;
    }
    const double err = std::sqrt(diff2) / std::max({std::sqrt(a2), std::sqrt(n2), 1e-12});
    if (err > worst_err) worst_err = err, *worst = std::to_string(index) + ":" + p->name;
    ++index;
  }
  return worst_err;
}

// Names, not bytes, in ctest's test list.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class GradientCheck : public ::testing::TestWithParam<Case> {};

TEST_P(GradientCheck, BpttMatchesFiniteDifferences) {
  std::string worst;
  const double err = MaxRelativeError(GetParam(), &worst);
  std::printf("[gradcheck] %-22s max relative error %.3e (%s)\n", GetParam().name.c_str(), err,
              worst.c_str());
  EXPECT_LE(err, 1e-3) << "worst parameter " << worst;
}

INSTANTIATE_TEST_SUITE_P(
    AllLayers, GradientCheck,
    ::testing::Values(Case{"rnn_tanh", "rnn:4,dense:3"}, Case{"rnn_relu", "rnn-relu:4,dense:3"},
                      Case{"lstm", "lstm:4,dense:3"}, Case{"gru_reset_after", "gru:4,dense:3"},
                      Case{"gru_reset_before", "gru-v1:4,dense:3"}, Case{"birnn", "birnn:3,dense:3"},
                      Case{"bilstm", "bilstm:3,dense:3"}, Case{"bigru", "bigru:3,dense:3"},
                      Case{"stacked", "lstm:4,gru-v1:3,bilstm:2,dense-relu:5,dense:3"},
                      Case{"dense_mse", "gru:4,dense-relu:4,dense:2", TargetKind::kRegression, false, 2},
                      Case{"seq_mse", "lstm:3,bigru:2,dense:2", TargetKind::kRegression, true, 2},
                      Case{"rnn_mse_last", "rnn:3", TargetKind::kRegression, false, 3}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace seqrt::trainer
