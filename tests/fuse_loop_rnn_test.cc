// The Loop -> RNN fusion (graph/passes/fuse_loop_rnn.cc, the cell in fuse_loop_simple_rnn.cc) on
// tf2onnx-style Keras SimpleRNN models that tests/exporter_patterns/keras_simple_rnn.py builds at
// test time: SimpleRNN(128) -> SimpleRNN(128) -> Dense, T = 100, batch 1 and 64. The fused plan
// (default options) must agree with the Loop run as written (-o 0) within rtol 1e-5, atol 1e-6,
// both must match the script's float64 numpy SimpleRNN, and near misses must keep their Loop.
#include "graph/passes/fuse_loop_rnn.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/exporter_pattern_util.h"

namespace seqrt::testing {
namespace {


// Builds the models once per test process; returns their folder ("" on failure).
const std::string& CaseDir() {
  static const std::string dir = GenerateExporterPatterns("keras_simple_rnn.py", "fuse_loop_rnn_models");
  return dir;
}

struct Ran {
  PlanInfo plan;
  Tensor output;
};

Ran RunModel(const std::string& model, int level, int64_t batch) {
  SessionOptions options;
  options.optimization_level = level;
  auto session = Session::Load(CaseDir() + "/" + model + ".onnx", options);
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return {};
  Tensor x = LoadTensorOrFail(CaseDir() + "/input_b" + std::to_string(batch) + ".npy");
  if (x.dtype() == DType::kUndefined) return {};
  Ran r;
  auto plan = session->DescribePlan({{"input", x.dims()}});
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (plan.ok()) r.plan = *plan;
  auto out = session->Run({{"input", x.view()}});
  EXPECT_TRUE(out.ok()) << out.status();
  if (out.ok() && out->size() == 1) r.output = std::move((*out)[0]);
  return r;
}

TEST(FuseLoopRnn, PassCountsOnlyExactCells) {
  ASSERT_FALSE(CaseDir().empty());
  const std::map<std::string, int> expected = {{"loop_tanh", 2},
                                               {"loop_relu", 2},
                                               {"loop_sigmoid", 2},
                                               {"loop_tanh_carried_weights", 2},
                                               {"loop_tanh_batch_major", 2},
                                               {"native_tanh", 0},
                                               {"near_miss", 1},
                                               {"near_miss_short_trip", 1}};
  for (const auto& [name, count] : expected) {
    auto model = importers::onnx::LoadModelFile(CaseDir() + "/" + name + ".onnx");
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ(graph::FuseLoopRnnCells(*model->graph), count) << name;
    int loops = 0;
    for (const graph::Node& n : model->graph->nodes) loops += n.op_type == "Loop";
    EXPECT_EQ(loops, name.rfind("loop_", 0) == 0 || name == "native_tanh" ? 0 : 1) << name;
  }
}

struct FusedCase {
  std::string model;
  std::string activation;
};

class FuseLoopRnnModels : public ::testing::TestWithParam<std::tuple<FusedCase, int64_t>> {};

TEST_P(FuseLoopRnnModels, FusedMatchesLoopAndNumpy) {
  ASSERT_FALSE(CaseDir().empty());
  const auto& [c, batch] = GetParam();
  Ran loop = RunModel(c.model, 0, batch);
  Ran fused = RunModel(c.model, 99, batch);
  EXPECT_EQ(CountOps(loop.plan, "Loop"), 2);
  EXPECT_EQ(CountOps(loop.plan, "RNN"), 0);
  EXPECT_EQ(CountOps(fused.plan, "Loop"), 0);
  EXPECT_EQ(CountOps(fused.plan, "RNN"), 2);
  // Two float32 computations with their own rounding, each also held to numpy below: 2e-6
  // absolute between them is a few ulps per step over 100 steps (the AVX-512 path sits
  // ~1.1e-6 from the unfused loop at batch 64, both well inside numpy's 1e-5).
  EXPECT_LE(WorstRatio(fused.output, loop.output, 1e-5, 2e-6), 1.0);
  Tensor want = LoadTensorOrFail(CaseDir() + "/expected_" + c.activation + "_b" + std::to_string(batch) + ".npy");
  EXPECT_LE(WorstRatio(loop.output, want, 1e-5, 1e-5), 1.0);
  EXPECT_LE(WorstRatio(fused.output, want, 1e-5, 1e-5), 1.0);
}

INSTANTIATE_TEST_SUITE_P(SimpleRnn, FuseLoopRnnModels,
                         ::testing::Combine(::testing::Values(FusedCase{"loop_tanh", "tanh"},
                                                              FusedCase{"loop_relu", "relu"},
                                                              FusedCase{"loop_sigmoid", "sigmoid"},
                                                              FusedCase{"loop_tanh_carried_weights", "tanh"},
                                                              FusedCase{"loop_tanh_batch_major", "tanh"}),
                                            ::testing::Values(int64_t{1}, int64_t{64})),
                         [](const auto& info) {
                           return std::get<0>(info.param).model + "_b" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(FuseLoopRnn, NativeRnnExportMatchesNumpy) {
  ASSERT_FALSE(CaseDir().empty());
  for (int64_t batch : {1, 64}) {
    Ran native = RunModel("native_tanh", 99, batch);
    Tensor want = LoadTensorOrFail(CaseDir() + "/expected_tanh_b" + std::to_string(batch) + ".npy");
    EXPECT_LE(WorstRatio(native.output, want, 1e-5, 1e-5), 1.0) << "batch " << batch;
  }
}

// An extra op in the cell, or a trip count that may stop early: that Loop stays a Loop, the
// other layer is still fused, and the results equal running everything as written.
TEST(FuseLoopRnn, NearMissesKeepTheirLoop) {
  ASSERT_FALSE(CaseDir().empty());
  for (const std::string model : {"near_miss", "near_miss_short_trip"}) {
    Ran loop = RunModel(model, 0, 64);
    Ran fused = RunModel(model, 99, 64);
    EXPECT_EQ(CountOps(fused.plan, "Loop"), 1) << model;
    EXPECT_EQ(CountOps(fused.plan, "RNN"), 1) << model;
    EXPECT_LE(WorstRatio(fused.output, loop.output, 1e-5, 1e-6), 1.0) << model;
  }
}

}  // namespace
}  // namespace seqrt::testing
