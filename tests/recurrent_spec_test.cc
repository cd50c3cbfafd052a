// RNN / GRU / LSTM against an independent specification: tests/recurrent_spec.py (numpy,
// float64) writes >= 200 random backend-style cases at test time, and the reference kernel
// (forced, through tests/recurrent_harness.h) and the whole Session pipeline must match them
// within 1e-5 + 1e-5*|expected|. Also: the 12 ONNX backend node tests, and bad-input errors.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "gtest/gtest.h"
#include "tests/scratch_dir.h"
#include "importers/onnx/onnx_importer.h"
#include "ops/recurrent_spec.h"
#include "ops/reference/rnn_reference.h"
#include "seqrt/conformance.h"
#include "seqrt/tensor_io.h"
#include "tests/recurrent_harness.h"

namespace seqrt::testing {
namespace {

namespace fs = std::filesystem;

constexpr double kTol = 1e-5;

// Generates the cases once per test binary run (or uses SEQRT_RECURRENT_SPEC_DIR when set).
const std::vector<std::string>& SpecCases() {
  static const std::vector<std::string> cases = [] {
    std::string dir;
    if (const char* env = std::getenv("SEQRT_RECURRENT_SPEC_DIR")) {
      dir = env;
    } else {
      dir = ProcessScratchDir("recurrent_spec_cases");
      // __FILE__ may be relative to the directory the compiler ran in (this test's build dir).
      fs::path script = fs::path(__FILE__).parent_path() / "recurrent_spec.py";
      if (script.is_relative()) script = fs::path(SEQRT_TEST_BINARY_DIR) / script;
      if (!fs::exists(script)) {
        ADD_FAILURE() << "cannot find the spec generator at " << script;
        return std::vector<std::string>{};
      }
      const std::string cmd = "/usr/bin/python3 '" + script.string() + "' --seed 7 --count 240 --out '" +
                              dir + "' > '" + dir + ".log' 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << "the spec generator failed: " << cmd << " (see " << dir << ".log)";
        return std::vector<std::string>{};
      }
    }
    return FindTestCases(dir);
  }();
  return cases;
}

constexpr const char* kSlotNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};

// Rebuilds a spec case as a RecurrentCase (inputs by slot) plus the expected outputs.
struct LoadedCase {
  graph::Model model;
  RecurrentCase c;
  std::map<std::string, Tensor> expected;  // by output name (Y, Y_h, Y_c)
};

absl::StatusOr<LoadedCase> LoadCase(const std::string& dir) {
  LoadedCase lc;
  SEQRT_ASSIGN_OR_RETURN(lc.model, importers::onnx::LoadModelFile(dir + "/model.onnx"));
  const graph::Graph& g = *lc.model.graph;
  if (g.nodes.size() != 1) return absl::InternalError("expected one node");
  lc.c.node = g.nodes[0];
  std::map<std::string, Tensor> by_name;
  for (const auto& e : fs::directory_iterator(dir + "/test_data_set_0")) {
    std::string name;
    SEQRT_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(e.path().string(), &name));
    const std::string file = e.path().filename().string();
    (file.rfind("output_", 0) == 0 ? lc.expected : by_name)[name] = std::move(t);
  }
  lc.c.inputs.resize(lc.c.node.inputs.size());
  lc.c.constant.assign(lc.c.node.inputs.size(), false);
  for (int i = 0; i < lc.c.node.num_inputs(); ++i) {
    if (!lc.c.node.HasInput(i)) continue;
    const std::string& name = g.value(lc.c.node.inputs[i]).name;
    if (!by_name.count(name)) return absl::InternalError("no data for input " + name);
    lc.c.inputs[i] = by_name.at(name);
    // Weights as a real model has them: initializers the kernel may prepack.
    lc.c.constant[i] = i == ops::kRecW || i == ops::kRecR || i == ops::kRecB || i == ops::kRecP;
  }
  return lc;
}

TEST(RecurrentSpec, ReferenceKernelMatchesNumpySpec) {
  const auto& cases = SpecCases();
  ASSERT_GE(cases.size(), 200u) << "the spec generator wrote too few cases";
  int compared = 0;
  for (const std::string& dir : cases) {
    auto lc = LoadCase(dir);
    ASSERT_TRUE(lc.ok()) << dir << ": " << lc.status();
    auto run = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, lc->c);
    ASSERT_TRUE(run.ok()) << dir << ": " << run.status();
    const graph::Graph& g = *lc->model.graph;
    for (int o = 0; o < static_cast<int>(lc->c.node.outputs.size()); ++o) {
      if (!lc->c.node.HasOutput(o)) continue;
      const std::string& name = g.value(lc->c.node.outputs[o]).name;
      ASSERT_TRUE(run->outputs[o].has_value()) << dir << ": output " << name << " not produced";
      ASSERT_TRUE(lc->expected.count(name)) << dir << ": no expected " << name;
      const std::string why = CompareRecurrentOutput(*run->outputs[o], lc->expected.at(name), kTol, kTol);
      EXPECT_TRUE(why.empty()) << dir << " output " << name << ": " << why;
    }
    ++compared;
  }
  EXPECT_GE(compared, 200);
}

// The same cases through the public Session (shape inference, planner, whichever kernel the
// planner picks).
TEST(RecurrentSpec, SessionMatchesNumpySpec) {
  const auto& cases = SpecCases();
  ASSERT_GE(cases.size(), 200u);
  ConformanceOptions options;
  options.atol = kTol;
  options.rtol = kTol;
  int passed = 0;
  for (const std::string& dir : cases) {
    CaseResult r = RunTestCase(dir, options);
    EXPECT_EQ(r.outcome, CaseResult::Outcome::kPassed) << dir << ": " << r.detail;
    passed += r.outcome == CaseResult::Outcome::kPassed;
  }
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
}

TEST(RecurrentSpec, OnnxBackendNodeTests) {
  const char* names[] = {
      "test_gru_batchwise",          "test_gru_defaults",        "test_gru_seq_length",
      "test_gru_with_initial_bias",  "test_lstm_batchwise",      "test_lstm_defaults",
      "test_lstm_with_initial_bias", "test_lstm_with_peepholes", "test_rnn_seq_length",
      "test_simple_rnn_batchwise",   "test_simple_rnn_defaults", "test_simple_rnn_with_initial_bias"};
  for (const char* name : names) {
    const std::string dir = std::string(SEQRT_ONNX_NODE_DIR) + "/" + name;
    CaseResult r = RunTestCase(dir, ConformanceOptions{});
    EXPECT_EQ(r.outcome, CaseResult::Outcome::kPassed) << name << ": " << r.detail;
  }
}

// ---- Bad input: clear InvalidArgument errors, never a crash. ----

Tensor Filled(DType dtype, Dims dims, float value = 0.1f) {
  Tensor t(dtype, dims);
  for (int64_t k = 0; k < t.num_elements(); ++k) {
    if (dtype == DType::kFloat) t.data_as<float>()[k] = value;
    if (dtype == DType::kInt32) t.data_as<int32_t>()[k] = static_cast<int32_t>(value);
  }
  return t;
}

// A forward LSTM with T=4, N=2, I=3, H=5 unless the test changes it.
RecurrentCase SmallLstm() {
  RecurrentCase c;
  c.node.name = "lstm_1";
  c.node.op_type = "LSTM";
  c.node.opset = 14;
  c.node.attrs.Set("hidden_size", int64_t{5});
  c.node.inputs = {0, 1, 2};
  c.node.outputs = {3, 4, 5};
  c.inputs = {Filled(DType::kFloat, {4, 2, 3}), Filled(DType::kFloat, {1, 20, 3}),
              Filled(DType::kFloat, {1, 20, 5})};
  return c;
}

void AddInput(RecurrentCase& c, int slot, Tensor t) {
  if (static_cast<int>(c.inputs.size()) <= slot) {
    c.inputs.resize(slot + 1);
    c.node.inputs.resize(slot + 1, graph::kNoValue);
  }
  c.inputs[slot] = std::move(t);
  c.node.inputs[slot] = 10 + slot;
}

void ExpectError(const RecurrentCase& c, const std::string& fragment) {
  auto run = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c);
  ASSERT_FALSE(run.ok()) << "expected an error mentioning '" << fragment << "'";
  EXPECT_EQ(run.status().code(), absl::StatusCode::kInvalidArgument) << run.status();
  EXPECT_NE(std::string(run.status().message()).find(fragment), std::string::npos) << run.status();
  EXPECT_NE(std::string(run.status().message()).find("LSTM node 'lstm_1'"), std::string::npos)
      << run.status();
}

TEST(RecurrentErrors, SmallLstmRuns) {
  auto run = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, SmallLstm());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->outputs[0]->dims(), (Dims{4, 1, 2, 5}));
  EXPECT_EQ(run->outputs[1]->dims(), (Dims{1, 2, 5}));
}

TEST(RecurrentErrors, HiddenSizeContradictsW) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("hidden_size", int64_t{4});
  ExpectError(c, "hidden_size");
}

TEST(RecurrentErrors, WInputSizeContradictsX) {
  RecurrentCase c = SmallLstm();
  c.inputs[1] = Filled(DType::kFloat, {1, 20, 7});
  ExpectError(c, "input 'W'");
}

TEST(RecurrentErrors, DirectionCountContradictsW) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("direction", std::string("bidirectional"));
  ExpectError(c, "num_directions");
}

TEST(RecurrentErrors, BiasWrongLength) {
  RecurrentCase c = SmallLstm();
  AddInput(c, ops::kRecB, Filled(DType::kFloat, {1, 20}));
  ExpectError(c, "8*hidden_size = 40");
}

TEST(RecurrentErrors, PeepholeWrongLength) {
  RecurrentCase c = SmallLstm();
  AddInput(c, ops::kRecP, Filled(DType::kFloat, {1, 12}));
  ExpectError(c, "input 'P'");
}

TEST(RecurrentErrors, WrongActivationCount) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("activations", std::vector<std::string>{"Sigmoid", "Tanh"});
  ExpectError(c, "'activations' has 2 entries");
}

TEST(RecurrentErrors, UnknownActivation) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("activations", std::vector<std::string>{"Sigmoid", "Swish", "Tanh"});
  ExpectError(c, "unknown activation 'Swish'");
}

TEST(RecurrentErrors, UnknownDirection) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("direction", std::string("sideways"));
  ExpectError(c, "'direction'");
}

TEST(RecurrentErrors, LayoutBeforeOpset14) {
  RecurrentCase c = SmallLstm();
  c.node.opset = 7;
  c.node.attrs.Set("layout", int64_t{1});
  ExpectError(c, "opset 14");
}

TEST(RecurrentErrors, SequenceLengthTooLong) {
  RecurrentCase c = SmallLstm();
  AddInput(c, ops::kRecSequenceLens, Filled(DType::kInt32, {2}, 5));
  ExpectError(c, "sequence_lens[0] is 5");  // caught at run time (not constant here)
}

TEST(RecurrentErrors, SequenceLengthNegativeConstant) {
  RecurrentCase c = SmallLstm();
  AddInput(c, ops::kRecSequenceLens, Filled(DType::kInt32, {2}, -1));
  c.constant.assign(c.inputs.size(), false);
  c.constant[ops::kRecSequenceLens] = true;  // an initializer: caught by the shape function
  ExpectError(c, "sequence_lens[0] is -1");
}

TEST(RecurrentErrors, InitialStateWrongBatch) {
  RecurrentCase c = SmallLstm();
  AddInput(c, ops::kRecInitialH, Filled(DType::kFloat, {1, 3, 5}));
  ExpectError(c, "input 'initial_h'");
}

TEST(RecurrentErrors, MixedDtypes) {
  RecurrentCase c = SmallLstm();
  c.inputs[2] = Tensor(DType::kDouble, {1, 20, 5});
  ExpectError(c, "dtype");
}

TEST(RecurrentErrors, MissingR) {
  RecurrentCase c = SmallLstm();
  c.inputs.resize(2);
  c.node.inputs.resize(2);
  ExpectError(c, "'R' is required");
}

// ---- dtypes and edge cases ----

Tensor Ramp(DType dtype, Dims dims, float scale) {
  Tensor t(dtype, dims);
  for (int64_t k = 0; k < t.num_elements(); ++k) {
    const float v = scale * std::sin(0.7f * static_cast<float>(k) + 0.3f);
    if (dtype == DType::kFloat) t.data_as<float>()[k] = v;
    if (dtype == DType::kFloat16) t.data_as<Float16>()[k] = Float16(v);
  }
  return t;
}

TEST(RecurrentDtypes, Float16ComputesLikeFloat) {
  RecurrentCase c32 = SmallLstm(), c16 = SmallLstm();
  c32.node.attrs.Set("direction", std::string("bidirectional"));
  c16.node.attrs = c32.node.attrs;
  const std::vector<Dims> dims = {{4, 2, 3}, {2, 20, 3}, {2, 20, 5}};
  for (int i = 0; i < 3; ++i) {
    c32.inputs[i] = Ramp(DType::kFloat, dims[i], 0.5f);
    c16.inputs[i] = Ramp(DType::kFloat16, dims[i], 0.5f);
  }
  auto r32 = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c32);
  auto r16 = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c16);
  ASSERT_TRUE(r32.ok()) << r32.status();
  ASSERT_TRUE(r16.ok()) << r16.status();
  for (int o = 0; o < 3; ++o) {
    const Tensor& a = *r16->outputs[o];
    const Tensor& b = *r32->outputs[o];
    ASSERT_EQ(a.dims(), b.dims());
    for (int64_t k = 0; k < a.num_elements(); ++k)
      EXPECT_NEAR(static_cast<float>(a.data_as<Float16>()[k]), b.data_as<float>()[k], 5e-3) << o << " " << k;
  }
}

TEST(RecurrentEdges, ZeroLengthRowKeepsInitialStateAndZeroY) {
  RecurrentCase c = SmallLstm();
  c.node.attrs.Set("direction", std::string("reverse"));
  Tensor lens(DType::kInt32, {2});
  lens.data_as<int32_t>()[0] = 0;
  lens.data_as<int32_t>()[1] = 3;
  AddInput(c, ops::kRecSequenceLens, lens);
  AddInput(c, ops::kRecInitialH, Ramp(DType::kFloat, {1, 2, 5}, 0.9f));
  AddInput(c, ops::kRecInitialC, Ramp(DType::kFloat, {1, 2, 5}, 0.4f));
  auto run = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c);
  ASSERT_TRUE(run.ok()) << run.status();
  const float* y = run->outputs[0]->data_as<float>();  // [T=4, D=1, N=2, H=5]
  const float* yh = run->outputs[1]->data_as<float>();
  const float* yc = run->outputs[2]->data_as<float>();
  for (int j = 0; j < 5; ++j) {
    for (int t = 0; t < 4; ++t) EXPECT_EQ(y[(t * 2 + 0) * 5 + j], 0.f);  // row 0: no steps
    EXPECT_EQ(y[(3 * 2 + 1) * 5 + j], 0.f);                             // row 1: t = 3 >= 3
    EXPECT_EQ(yh[j], c.inputs[ops::kRecInitialH]->data_as<float>()[j]);
    EXPECT_EQ(yc[j], c.inputs[ops::kRecInitialC]->data_as<float>()[j]);
    // Reverse: row 1's final state is the output at t = 0.
    EXPECT_EQ(yh[5 + j], y[(0 * 2 + 1) * 5 + j]);
  }
}

TEST(RecurrentEdges, EmptySequence) {
  RecurrentCase c = SmallLstm();
  c.inputs[0] = Tensor(DType::kFloat, {0, 2, 3});
  AddInput(c, ops::kRecInitialH, Ramp(DType::kFloat, {1, 2, 5}, 0.9f));
  auto run = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->outputs[0]->dims(), (Dims{0, 1, 2, 5}));
  for (int k = 0; k < 10; ++k)
    EXPECT_EQ(run->outputs[1]->data_as<float>()[k], c.inputs[ops::kRecInitialH]->data_as<float>()[k]);
}

// ---- Activation functions and their defaults ----

TEST(RecurrentActivations, DefaultsAndConsumptionOrder) {
  graph::Node n;
  n.name = "lstm_1";
  n.op_type = "LSTM";
  n.opset = 14;
  n.attrs.Set("activations", std::vector<std::string>{"hardsigmoid", "LEAKYRELU", "ThresholdedRelu"});
  n.attrs.Set("activation_alpha", std::vector<float>{0.3f, 0.2f});  // HardSigmoid, LeakyRelu
  auto attrs = ops::ParseRecurrentAttrs(n, ops::RecurrentCell::kLstm);
  ASSERT_TRUE(attrs.ok()) << attrs.status();
  EXPECT_FLOAT_EQ(attrs->activation(0, 0).alpha, 0.3f);
  EXPECT_FLOAT_EQ(attrs->activation(0, 0).beta, 0.5f);  // HardSigmoid default beta
  EXPECT_FLOAT_EQ(attrs->activation(0, 1).alpha, 0.2f);
  EXPECT_FLOAT_EQ(attrs->activation(0, 2).alpha, 1.0f);  // ThresholdedRelu default
  EXPECT_FLOAT_EQ(attrs->activation(0, 0).Apply(10.f), 1.f);
  EXPECT_FLOAT_EQ(attrs->activation(0, 1).Apply(-1.f), -0.2f);
  EXPECT_FLOAT_EQ(attrs->activation(0, 2).Apply(0.5f), 0.f);
  EXPECT_FLOAT_EQ(attrs->activation(0, 2).Apply(1.5f), 1.5f);
}

TEST(RecurrentActivations, BidirectionalSharesOneList) {
  graph::Node n;
  n.op_type = "GRU";
  n.opset = 14;
  n.attrs.Set("direction", std::string("bidirectional"));
  n.attrs.Set("activations", std::vector<std::string>{"Relu", "Softsign"});
  auto attrs = ops::ParseRecurrentAttrs(n, ops::RecurrentCell::kGru);
  ASSERT_TRUE(attrs.ok()) << attrs.status();
  ASSERT_EQ(attrs->activations.size(), 4u);
  EXPECT_EQ(attrs->activation(1, 0).kind, ops::RecurrentActivation::Kind::kRelu);
  EXPECT_EQ(attrs->activation(1, 1).kind, ops::RecurrentActivation::Kind::kSoftsign);
}

}  // namespace
}  // namespace seqrt::testing
