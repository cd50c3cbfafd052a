// The training backend option: parsing, kAuto's choice, and bit-for-bit reproducible training
// on the oneDNN backend for a given thread count (the reference path's is in
// trainer_api_test.cc).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/train.h"
#include "trainer/gemm.h"
#include "trainer/network.h"
#include "trainer/optimizer.h"
#include "trainer/recurrent_layer.h"

namespace seqrt::trainer {
namespace {

using ::testing::HasSubstr;

TEST(TrainBackendOption, ParsesTheCliWords) {
  EXPECT_EQ(*ParseTrainBackend("auto"), TrainBackend::kAuto);
  EXPECT_EQ(*ParseTrainBackend("onednn"), TrainBackend::kOnednn);
  EXPECT_EQ(*ParseTrainBackend("reference"), TrainBackend::kReference);
  auto bad = ParseTrainBackend("fast");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("'fast'"));
  EXPECT_THAT(bad.status().message(), HasSubstr("auto, onednn or reference"));
  EXPECT_EQ(TrainOptions{}.backend, TrainBackend::kAuto);
}

TEST(TrainBackendOption, AutoFollowsTheMeasuredChoice) {
  // What AutoPrefersOnednn says for a layer, batch and thread count is what a kAuto layer runs.
  for (int threads : {1, 2}) {
    SetGemmThreads(threads);
    for (const char* text : {"lstm:128", "gru:128", "gru-v1:128", "rnn:128", "lstm:16"})
      for (int64_t batch : {8, 32}) {
        LayerSpec spec = (*ParseLayerList(text))[0];
        Rng rng(1);
        RecurrentLayer<float> layer(spec, 3, false, rng);
        Seq<float> x, y;
        x.Resize(2, batch, 3);
        layer.Forward(x, y);
        EXPECT_EQ(layer.last_forward_used_onednn(), AutoPrefersOnednn(spec, batch, threads))
            << text << " batch " << batch << " threads " << threads;
      }
  }
  SetGemmThreads(1);
  // The measured rule itself: oneDNN only for gated cells of >= 128 units, batch >= 32, 2+ threads.
  const LayerSpec lstm = (*ParseLayerList("lstm:128"))[0], rnn = (*ParseLayerList("rnn:256"))[0];
  EXPECT_TRUE(AutoPrefersOnednn(lstm, 32, 2));
  EXPECT_FALSE(AutoPrefersOnednn(lstm, 32, 1));
  EXPECT_FALSE(AutoPrefersOnednn(lstm, 8, 2));
  EXPECT_FALSE(AutoPrefersOnednn(rnn, 32, 2));
}

// Trains a stack of every recurrent kind for a few Adam steps over batches of two sizes and
// returns all weights.
// Adam for reproducibility (its normalisation amplifies any bit of difference); SGD to compare
// backends (differences stay proportional to the gradients').
std::vector<std::vector<float>> Train(TrainBackend backend, int threads, OptimizerKind optimizer,
                                      int steps = 6) {
  SetGemmThreads(threads);
  auto specs = ParseLayerList("lstm:8,bigru:6,gru-v1:5,rnn:4,dense:3");
  specs->back().activation = Activation::kSoftmax;
  auto net = Network<float>::Create(3, *specs, TargetKind::kClasses, 3, 5);
  EXPECT_TRUE(net.ok()) << net.status();
  for (auto& layer : net->layers()) layer->set_backend(backend);
  TrainOptions options;
  options.optimizer = optimizer;
  options.learning_rate = optimizer == OptimizerKind::kAdam ? 1e-2 : 0.5;
  options.clip_norm = 1.0;
  Optimizer opt(options, net->params());
  Rng rng(9);
  for (int step = 0; step < steps; ++step) {
    const int64_t batch = step % 3 == 2 ? 7 : 16;
    Seq<float> x;
    x.Resize(11, batch, 3);
    for (float& v : x.v) v = static_cast<float>(rng.Uniform(-1, 1));
    std::vector<int64_t> labels(batch);
    for (int64_t& l : labels) l = static_cast<int64_t>(rng.Below(3));
    net->ZeroGrad();
    net->Forward(x);
    net->Loss({labels.data(), nullptr}, nullptr);
    net->Backward();
    opt.Step();
  }
  for (auto& layer : net->layers()) {
    std::vector<const RecurrentLayer<float>*> halves;
    if (auto* r = dynamic_cast<RecurrentLayer<float>*>(layer.get())) halves = {r};
    if (auto* b = dynamic_cast<BidirectionalLayer<float>*>(layer.get()))
      halves = {&b->forward_half(), &b->backward_half()};
    for (const RecurrentLayer<float>* h : halves)
      EXPECT_EQ(h->last_forward_used_onednn(), steps > 0 && backend == TrainBackend::kOnednn);
  }
  std::vector<std::vector<float>> weights;
  for (Param<float>* p : net->params()) weights.push_back(p->value);
  SetGemmThreads(1);
  return weights;
}

bool BitwiseEqual(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

TEST(TrainBackendOption, OnednnTrainingIsBitForBitReproduciblePerThreadCount) {
  for (int threads : {1, 2}) {
    const auto first = Train(TrainBackend::kOnednn, threads, OptimizerKind::kAdam);
    const auto second = Train(TrainBackend::kOnednn, threads, OptimizerKind::kAdam);
    EXPECT_TRUE(BitwiseEqual(first, second)) << threads << " thread(s)";
  }
}

TEST(TrainBackendOption, BackendsTrainTheSameModelUpToRounding) {
  const auto onednn = Train(TrainBackend::kOnednn, 1, OptimizerKind::kSGD);
  const auto reference = Train(TrainBackend::kReference, 1, OptimizerKind::kSGD);
  const auto initial = Train(TrainBackend::kReference, 1, OptimizerKind::kSGD, 0);
  ASSERT_EQ(onednn.size(), reference.size());
  double worst = 0, moved = 0;
  for (size_t i = 0; i < onednn.size(); ++i)
    for (size_t j = 0; j < onednn[i].size(); ++j) {
      worst = std::max(worst, static_cast<double>(std::fabs(onednn[i][j] - reference[i][j])));
      moved = std::max(moved, static_cast<double>(std::fabs(initial[i][j] - reference[i][j])));
    }
  std::printf("[backends] SGD weights moved up to %.3e; oneDNN vs reference differ by up to %.3e\n", moved,
              worst);
  EXPECT_GE(moved, 1e-2) << "training should have moved the weights";
  EXPECT_LE(worst, 1e-5 * moved / 1e-2) << "moved " << moved;
}

}  // namespace
}  // namespace seqrt::trainer
