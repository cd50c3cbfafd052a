// The oneDNN training backend (trainer/recurrent_layer_onednn.*) against two independent
// oracles: finite differences of the loss (float, every layer kind, Bidirectional and stacks),
// and the reference BPTT on the same weights and inputs (outputs, weight/bias gradients, dx).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/train.h"
#include "trainer/network.h"
#include "trainer/recurrent_layer.h"

namespace seqrt::trainer {
namespace {

struct Case {
  std::string name;
  std::string layers;
  TargetKind target = TargetKind::kClasses;
  bool sequence_targets = false;
  int64_t outputs = 3;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr int64_t kFeatures = 3, kSteps = 5, kBatch = 4;

// A float network with the gradcheck's weights (seed 7) plus non-zero biases, on one backend.
Network<float> MakeNet(const Case& c, TrainBackend backend) {
  auto specs = ParseLayerList(c.layers);
  EXPECT_TRUE(specs.ok()) << specs.status();
  if (c.target == TargetKind::kClasses) specs->back().activation = Activation::kSoftmax;
  if (c.sequence_targets)
    for (LayerSpec& s : *specs)
      if (s.kind != LayerKind::kDense) s.return_sequences = true;
  auto net = Network<float>::Create(kFeatures, *specs, c.target, c.outputs, 7);
  EXPECT_TRUE(net.ok()) << net.status();
  Rng rng(11);
  for (Param<float>* p : net->params())
    if (p->name == "bias")
      for (float& v : p->value) v += static_cast<float>(rng.Uniform(-0.3, 0.3));
  for (auto& layer : net->layers()) layer->set_backend(backend);
  return std::move(*net);
}

struct Batch {
  Seq<float> x;
  std::vector<int64_t> labels;
  std::vector<float> values;
  BatchTargets targets() const { return {labels.data(), values.data()}; }
};

Batch MakeBatch(const Case& c) {
  Batch b;
  Rng rng(12);
  b.x.Resize(kSteps, kBatch, kFeatures);
  for (float& v : b.x.v) v = static_cast<float>(rng.Uniform(-1, 1));
  for (int64_t i = 0; i < kBatch; ++i) b.labels.push_back(static_cast<int64_t>(rng.Below(c.outputs)));
  b.values.resize((c.sequence_targets ? kSteps : 1) * kBatch * c.outputs);
  for (float& v : b.values) v = static_cast<float>(rng.Uniform(-1, 1));
  return b;
}

// Every recurrent direction of the network ran its last Forward on oneDNN.
bool AllOnOnednn(Network<float>& net) {
  for (auto& layer : net.layers()) {
    if (auto* r = dynamic_cast<RecurrentLayer<float>*>(layer.get())) {
      if (!r->last_forward_used_onednn()) return false;
    } else if (auto* bi = dynamic_cast<BidirectionalLayer<float>*>(layer.get())) {
      if (!bi->forward_half().last_forward_used_onednn() || !bi->backward_half().last_forward_used_onednn())
        return false;
    }
  }
  return true;
}

// ||a - b|| / max(||a||, ||b||).
double RelativeError(const std::vector<float>& a, const std::vector<float>& b) {
  double d2 = 0, a2 = 0, b2 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d2 += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    a2 += static_cast<double>(a[i]) * a[i];
    b2 += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(d2) / std::max({std::sqrt(a2), std::sqrt(b2), 1e-30});
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

class OnednnBackend : public ::testing::TestWithParam<Case> {};

TEST_P(OnednnBackend, GradientsMatchFiniteDifferencesInFloat) {
  const Case& c = GetParam();
  Network<float> net = MakeNet(c, TrainBackend::kOnednn);
  const Batch b = MakeBatch(c);
  net.ZeroGrad();
  net.Forward(b.x);
  net.Loss(b.targets(), nullptr);
  net.Backward();
  ASSERT_TRUE(AllOnOnednn(net)) << "a recurrent layer did not run on oneDNN";
  // Central differences in float: eps large enough that float rounding of the loss (~1e-7
  // relative) stays far below the difference, small enough that curvature does not matter.
  const double eps = 3e-3;
  double worst = 0;
  std::string worst_name;
  int index = 0;
  for (Param<float>* p : net.params()) {
    // Every element of small tensors, an evenly spread sample of at most kChecked of larger
    // ones: each element costs two forward passes (the float reference-path check and the
    // double checks in trainer_gradcheck_test.cc cover every element).
    constexpr size_t kChecked = 24;
    const size_t stride = std::max<size_t>(1, p->value.size() / kChecked);
    std::vector<float> numeric, analytic;
    for (size_t i = 0; i < p->value.size(); i += stride) {
      const float keep = p->value[i];
      p->value[i] = static_cast<float>(keep + eps);
      net.Forward(b.x);
      const double up = net.Loss(b.targets(), nullptr);
      p->value[i] = static_cast<float>(keep - eps);
      net.Forward(b.x);
      const double down = net.Loss(b.targets(), nullptr);
      p->value[i] = keep;
      numeric.push_back(static_cast<float>((up - down) / (2 * eps)));
      analytic.push_back(p->grad[i]);
    }
    const double err = RelativeError(analytic, numeric);
    if (err > worst) worst = err, worst_name = std::to_string(index) + ":" + p->name;
    ++index;
  }
  std::printf("[onednn gradcheck] %-18s max relative error %.3e (%s)\n", c.name.c_str(), worst,
              worst_name.c_str());
  EXPECT_LE(worst, 1e-2) << "worst parameter " << worst_name;
}

TEST_P(OnednnBackend, MatchesTheReferenceBpttOnTheSameWeights) {
  const Case& c = GetParam();
  Network<float> onednn = MakeNet(c, TrainBackend::kOnednn);
  Network<float> reference = MakeNet(c, TrainBackend::kReference);
  const Batch b = MakeBatch(c);
  double loss[2];
  std::vector<float> out[2];
  int k = 0;
  for (Network<float>* net : {&onednn, &reference}) {
    net->ZeroGrad();
    out[k] = net->Forward(b.x).v;
    loss[k] = net->Loss(b.targets(), nullptr);
    net->Backward();
    ++k;
  }
  ASSERT_TRUE(AllOnOnednn(onednn));
  EXPECT_LE(MaxAbsDiff(out[0], out[1]), 1e-5) << "network outputs differ";
  EXPECT_NEAR(loss[0], loss[1], 1e-6 * std::max(1.0, std::fabs(loss[1])));
  const auto pa = onednn.params(), pb = reference.params();
  ASSERT_EQ(pa.size(), pb.size());
  double worst = 0;
  for (size_t i = 0; i < pa.size(); ++i) {
    const double err = RelativeError(pa[i]->grad, pb[i]->grad);
    worst = std::max(worst, err);
    EXPECT_LE(err, 1e-4) << "parameter " << i << ":" << pa[i]->name;
  }
  std::printf("[onednn vs reference] %-15s max gradient relative difference %.3e\n", c.name.c_str(), worst);
}

INSTANTIATE_TEST_SUITE_P(
    AllLayers, OnednnBackend,
    ::testing::Values(Case{"rnn_tanh", "rnn:4,dense:3"}, Case{"rnn_relu", "rnn-relu:4,dense:3"},
                      Case{"lstm", "lstm:4,dense:3"}, Case{"gru_reset_after", "gru:4,dense:3"},
                      Case{"gru_reset_before", "gru-v1:4,dense:3"}, Case{"birnn", "birnn:3,dense:3"},
                      Case{"bilstm", "bilstm:3,dense:3"}, Case{"bigru", "bigru:3,dense:3"},
                      Case{"stacked", "lstm:4,gru-v1:3,bilstm:2,dense-relu:5,dense:3"},
                      Case{"stacked_rnn_gru", "rnn:5,bigru:4,rnn:3,dense:3"},
                      Case{"dense_mse", "gru:4,dense-relu:4,dense:2", TargetKind::kRegression, false, 2},
                      Case{"seq_mse", "lstm:3,bigru:2,dense:2", TargetKind::kRegression, true, 2},
                      Case{"rnn_mse_last", "rnn:3", TargetKind::kRegression, false, 3}),
    [](const auto& info) { return info.param.name; });

// One layer direction at a less toy size, driven directly: outputs, dx and all gradients,
// for every kind x direction x return_sequences, over changing batch sizes (the primitive
// cache holds 4 shapes, so 5 shapes also exercise eviction and rebuilding).
TEST(OnednnRecurrentLayer, MatchesReferenceAcrossKindsDirectionsAndShapes) {
  struct Kind {
    const char* name;
    LayerKind kind;
    Activation activation;
    bool reset_after;
  };
  const Kind kinds[] = {{"rnn_tanh", LayerKind::kSimpleRNN, Activation::kTanh, true},
                        {"rnn_relu", LayerKind::kSimpleRNN, Activation::kRelu, true},
                        {"lstm", LayerKind::kLSTM, Activation::kTanh, true},
                        {"gru", LayerKind::kGRU, Activation::kTanh, true},
                        {"gru_v1", LayerKind::kGRU, Activation::kTanh, false}};
  const int64_t in_width = 7, units = 17, steps = 9;
  const int64_t batches[] = {5, 3, 5, 1, 8, 2, 3};
  for (const Kind& kind : kinds)
    for (bool reverse : {false, true})
      for (bool sequences : {false, true}) {
        LayerSpec spec;
        spec.kind = kind.kind, spec.units = units, spec.activation = kind.activation;
        spec.reset_after = kind.reset_after, spec.return_sequences = sequences;
        Rng init_a(3), init_b(3);
        RecurrentLayer<float> a(spec, in_width, reverse, init_a), b(spec, in_width, reverse, init_b);
        a.set_backend(TrainBackend::kOnednn);
        b.set_backend(TrainBackend::kReference);
        Rng rng(5);
        for (Param<float>* p : a.params())
          if (p->name == "bias")
            for (float& v : p->value) v = static_cast<float>(rng.Uniform(-0.5, 0.5));
        for (size_t i = 0; i < a.params().size(); ++i) b.params()[i]->value = a.params()[i]->value;
        const std::string where = std::string(kind.name) + (reverse ? " reverse" : "") +
                                  (sequences ? " return_sequences" : " last step");
        for (int64_t batch : batches) {
          Seq<float> x, ya, yb, dy, dxa, dxb;
          x.Resize(steps, batch, in_width);
          for (float& v : x.v) v = static_cast<float>(rng.Uniform(-1.5, 1.5));
          for (Param<float>* p : a.params()) std::fill(p->grad.begin(), p->grad.end(), 0.5f);
          for (Param<float>* p : b.params()) std::fill(p->grad.begin(), p->grad.end(), 0.5f);
          a.Forward(x, ya);
          b.Forward(x, yb);
          ASSERT_TRUE(a.last_forward_used_onednn()) << where;
          ASSERT_FALSE(b.last_forward_used_onednn()) << where;
          ASSERT_EQ(ya.v.size(), yb.v.size()) << where;
          EXPECT_LE(MaxAbsDiff(ya.v, yb.v), 2e-6) << where << " batch " << batch << ": outputs";
          dy.Resize(ya.steps, batch, units);
          for (float& v : dy.v) v = static_cast<float>(rng.Uniform(-1, 1));
          a.Backward(dy, &dxa);
          b.Backward(dy, &dxb);
          EXPECT_LE(RelativeError(dxa.v, dxb.v), 1e-5) << where << " batch " << batch << ": dx";
          // Grads started at 0.5: both paths must ADD (oneDNN's own accumulation is zeroed).
          for (size_t i = 0; i < a.params().size(); ++i)
            EXPECT_LE(RelativeError(a.params()[i]->grad, b.params()[i]->grad), 1e-5)
                << where << " batch " << batch << ": " << a.params()[i]->name;
        }
        std::printf("[onednn layer] %-28s ran on %s\n", where.c_str(), a.onednn_impl().c_str());
      }
}

TEST(OnednnRecurrentLayer, DoubleAlwaysTakesTheReferencePath) {
  LayerSpec spec;
  spec.kind = LayerKind::kLSTM, spec.units = 3;
  Rng rng(1);
  RecurrentLayer<double> layer(spec, 2, false, rng);
  layer.set_backend(TrainBackend::kOnednn);
  Seq<double> x, y;
  x.Resize(4, 2, 2);
  layer.Forward(x, y);
  EXPECT_FALSE(layer.last_forward_used_onednn());
}

}  // namespace
}  // namespace seqrt::trainer
