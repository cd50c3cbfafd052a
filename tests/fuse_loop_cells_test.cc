// The Loop -> GRU / LSTM fusion (graph/passes/fuse_loop_gru.cc, fuse_loop_lstm.cc) on
//  - tf2onnx-style Keras GRU (reset_after True and False) and LSTM Loop models that
//    tests/exporter_patterns/keras_loop_cells.py builds at test time, with expected outputs from
//    its float64 numpy Keras cells, plus near misses that must keep their Loop;
//  - the real Loop-exported models in ../shared/models/real (water_forecast_*: GRU,
//    quant_sentinel_lstm*: LSTM), which must be fully fused and agree with the Loop run as
//    written (-o 0) and with their ONNX Runtime outputs.
// Fused vs Loop: rtol 1e-5, atol 1e-6 (issue #4); vs numpy float64: rtol 1e-5, atol 1e-5.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "graph/passes/fuse_loop_rnn.h"
#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/exporter_pattern_util.h"

namespace seqrt::testing {
namespace {

namespace fs = std::filesystem;

// Builds the models once per test process; returns their folder ("" on failure).
const std::string& CaseDir() {
  static const std::string dir = GenerateExporterPatterns("keras_loop_cells.py", "fuse_loop_cell_models");
  return dir;
}

struct Ran {
  PlanInfo plan;
  std::vector<Tensor> outputs;
};

Ran RunModel(const std::string& path, int level, const std::string& input_name, const Tensor& x) {
  SessionOptions options;
  options.optimization_level = level;
  auto session = Session::Load(path, options);
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return {};
  Ran r;
  auto plan = session->DescribePlan({{input_name, x.dims()}});
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (plan.ok()) r.plan = *plan;
  auto out = session->Run({{input_name, x.view()}});
  EXPECT_TRUE(out.ok()) << out.status();
  if (out.ok()) r.outputs = *std::move(out);
  return r;
}

// The recurrent nodes the pass leaves in the imported graph, and how many Loops remain.
struct PassResult {
  int fused = 0, loops = 0;
  std::vector<std::string> cells;  // "GRU lbr=1", "LSTM", ...
};

PassResult RunPass(const std::string& path) {
  PassResult r;
  auto model = importers::onnx::LoadModelFile(path);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return r;
  r.fused = graph::FuseLoopRnnCells(*model->graph);
  for (const graph::Node& n : model->graph->nodes) {
    r.loops += n.op_type == "Loop";
    if (n.op_type == "GRU")
      r.cells.push_back("GRU lbr=" + std::to_string(n.attrs.GetInt("linear_before_reset", 0)));
    if (n.op_type == "LSTM" || n.op_type == "RNN") r.cells.push_back(n.op_type);
  }
  return r;
}

TEST(FuseLoopCells, PassFusesExactCellsOnly) {
  ASSERT_FALSE(CaseDir().empty());
  const std::map<std::string, std::vector<std::string>> expected = {
      {"gru_reset_after", {"GRU lbr=1", "GRU lbr=1"}},
      {"gru_reset_before", {"GRU lbr=0", "GRU lbr=0"}},
      {"lstm", {"LSTM", "LSTM"}},
      {"lstm_batch1", {"LSTM", "LSTM"}},
      {"near_miss_gru_swapped_mix", {"GRU lbr=1"}},
      {"near_miss_gru_tanh_reset", {"GRU lbr=0"}},
      {"near_miss_lstm_stale_cell", {"LSTM"}},
      {"near_miss_lstm_short_trip", {"LSTM"}}};
  for (const auto& [name, cells] : expected) {
    PassResult r = RunPass(CaseDir() + "/" + name + ".onnx");
    EXPECT_EQ(r.fused, static_cast<int>(cells.size())) << name;
    EXPECT_EQ(r.cells, cells) << name;
    EXPECT_EQ(r.loops, 2 - static_cast<int>(cells.size())) << name;
  }
}

struct CellCase {
  std::string model;
  std::string op_type;
  int64_t batch;
};

void PrintTo(const CellCase& c, std::ostream* os) { *os << c.model << " batch " << c.batch; }

class FuseLoopCellModels : public ::testing::TestWithParam<CellCase> {};

TEST_P(FuseLoopCellModels, FusedMatchesLoopAndNumpy) {
  ASSERT_FALSE(CaseDir().empty());
  const CellCase& c = GetParam();
  const std::string b = "_b" + std::to_string(c.batch);
  const Tensor x = LoadTensorOrFail(CaseDir() + "/input" + b + ".npy");
  const std::string path = CaseDir() + "/" + c.model + ".onnx";
  Ran loop = RunModel(path, 0, "input", x);
  Ran fused = RunModel(path, 99, "input", x);
  EXPECT_EQ(CountOps(loop.plan, "Loop"), 2);
  EXPECT_EQ(CountOps(loop.plan, c.op_type), 0);
  EXPECT_EQ(CountOps(fused.plan, "Loop"), 0);
  EXPECT_EQ(CountOps(fused.plan, c.op_type), 2);
  ASSERT_EQ(loop.outputs.size(), fused.outputs.size());
  for (size_t k = 0; k < fused.outputs.size(); ++k) {
    EXPECT_LE(WorstRatio(fused.outputs[k], loop.outputs[k], 1e-5, 1e-6), 1.0) << "output " << k;
    const Tensor want = LoadTensorOrFail(CaseDir() + "/expected_" + c.model + b + "_out" + std::to_string(k) + ".npy");
    EXPECT_LE(WorstRatio(loop.outputs[k], want, 1e-5, 1e-5), 1.0) << "output " << k;
    EXPECT_LE(WorstRatio(fused.outputs[k], want, 1e-5, 1e-5), 1.0) << "output " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(
    KerasLoops, FuseLoopCellModels,
    ::testing::Values(CellCase{"gru_reset_after", "GRU", 1}, CellCase{"gru_reset_after", "GRU", 64},
                      CellCase{"gru_reset_before", "GRU", 1}, CellCase{"gru_reset_before", "GRU", 64},
                      CellCase{"lstm", "LSTM", 1}, CellCase{"lstm", "LSTM", 64},
                      CellCase{"lstm_batch1", "LSTM", 1}),
    [](const auto& info) { return info.param.model + "_b" + std::to_string(info.param.batch); });

// A cell ONNX cannot express, or a Loop that may stop early: that Loop stays a Loop, the other
// layer is still fused, and the results equal running everything as written.
TEST(FuseLoopCells, NearMissesKeepTheirLoop) {
  ASSERT_FALSE(CaseDir().empty());
  const Tensor x = LoadTensorOrFail(CaseDir() + "/input_b64.npy");
  const std::map<std::string, std::string> cases = {{"near_miss_gru_swapped_mix", "GRU"},
                                                    {"near_miss_gru_tanh_reset", "GRU"},
                                                    {"near_miss_lstm_stale_cell", "LSTM"},
                                                    {"near_miss_lstm_short_trip", "LSTM"}};
  for (const auto& [model, op] : cases) {
    const std::string path = CaseDir() + "/" + model + ".onnx";
    Ran loop = RunModel(path, 0, "input", x);
    Ran fused = RunModel(path, 99, "input", x);
    EXPECT_EQ(CountOps(fused.plan, "Loop"), 1) << model;
    EXPECT_EQ(CountOps(fused.plan, op), 1) << model;
    ASSERT_EQ(loop.outputs.size(), fused.outputs.size()) << model;
    for (size_t k = 0; k < fused.outputs.size(); ++k)
      EXPECT_LE(WorstRatio(fused.outputs[k], loop.outputs[k], 1e-5, 1e-6), 1.0) << model << " output " << k;
  }
}

// The real tf2onnx Loop exports: every Loop becomes the native op, and the fused run agrees with
// the Loop run as written and with ONNX Runtime's outputs (the case's rtol 1e-3, atol 1e-5).
TEST(FuseLoopCells, RealLoopExportsAreFused) {
  const fs::path real = fs::path(SEQRT_SHARED_DIR) / "models" / "real";
  ASSERT_TRUE(fs::exists(real)) << "shared material absent: no real models at " << real;
  const std::map<std::string, std::string> cases = {{"water_forecast_gru_model", "GRU"},
                                                    {"water_forecast_model", "GRU"},
                                                    {"quant_sentinel_lstm", "LSTM"},
                                                    {"quant_sentinel_lstm_pre_v2_backup", "LSTM"}};
  for (const auto& [name, op] : cases) {
    const fs::path dir = real / name;
    PassResult pass = RunPass((dir / "model.onnx").string());
    EXPECT_EQ(pass.fused, 3) << name;
    EXPECT_EQ(pass.loops, 0) << name;
    auto session = Session::Load((dir / "model.onnx").string());
    ASSERT_TRUE(session.ok()) << session.status();
    ASSERT_EQ(session->inputs().size(), 1u) << name;
    const std::string input_name = session->inputs()[0].name;
    const Tensor x = LoadTensorOrFail((dir / "test_data_set_0" / "input_0.pb").string());
    Ran loop = RunModel((dir / "model.onnx").string(), 0, input_name, x);
    Ran fused = RunModel((dir / "model.onnx").string(), 99, input_name, x);
    EXPECT_EQ(CountOps(loop.plan, "Loop"), 3) << name;
    EXPECT_EQ(CountOps(fused.plan, "Loop"), 0) << name;
    EXPECT_EQ(CountOps(fused.plan, op), 3) << name;
    ASSERT_EQ(fused.outputs.size(), 1u) << name;
    ASSERT_EQ(loop.outputs.size(), 1u) << name;
    EXPECT_LE(WorstRatio(fused.outputs[0], loop.outputs[0], 1e-5, 1e-6), 1.0) << name;
    const Tensor want = LoadTensorOrFail((dir / "test_data_set_0" / "output_0.pb").string());
    EXPECT_LE(WorstRatio(fused.outputs[0], want, 1e-3, 1e-5), 1.0) << name;
  }
}

}  // namespace
}  // namespace seqrt::testing
