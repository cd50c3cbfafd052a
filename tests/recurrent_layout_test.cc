// The batch-major recurrent layout pass (graph/passes/recurrent_layout.cc). Every case runs the
// same model as written (optimization level 0: no pass) and optimized (the default), on seeded
// random inputs at batch 1 and 5: the outputs must agree within 1e-6 (the pass only moves
// where Transposes happen, so the arithmetic is the same), and the plan must lose exactly the
// Transposes the exporter wrapped around the recurrent nodes. Level 0 is an independent
// oracle here: it executes the exporter's Transposes with the reference Transpose kernel and
// the recurrent op in its time-major layout.
#include "graph/passes/recurrent_layout.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "graph/passes/passes.h"
#include "gtest/gtest.h"
#include "importers/onnx/onnx_importer.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt::testing {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kT = 6;  // time steps of the hand-built cases

// --- Building small models. -----------------------------------------------------------------

void SetInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// A model input whose dims are sizes or symbols ("" for a size, else the symbol's name).
void AddInput(ModelBuilder& b, const std::string& name, int elem_type,
              const std::vector<std::pair<std::string, int64_t>>& dims) {
  auto* vi = b.proto().mutable_graph()->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  for (const auto& [symbol, size] : dims) {
    if (symbol.empty()) tt->mutable_shape()->add_dim()->set_dim_value(size);
    else tt->mutable_shape()->add_dim()->set_dim_param(symbol);
  }
}

void AddOutput(ModelBuilder& b, const std::string& name) {
  auto* vi = b.proto().mutable_graph()->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

void AddInt64Initializer(ModelBuilder& b, const std::string& name, const std::vector<int64_t>& values) {
  auto* t = b.proto().mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

std::vector<float> RandomValues(int64_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// A Transpose node; `out` gets the name given.
void Transpose(ModelBuilder& b, const std::string& in, const std::string& out, const std::vector<int64_t>& perm) {
  SetInts(b.Node("Transpose", {in}, {out}, out + "_transpose"), "perm", perm);
}

// Squeeze / Unsqueeze of one axis: an input from opset 13, an attribute before.
void AxisOp(ModelBuilder& b, int64_t opset, const std::string& op, const std::string& in, const std::string& out,
            int64_t axis) {
  if (opset >= 13) {
    AddInt64Initializer(b, out + "_axes", {axis});
    b.Node(op, {in, out + "_axes"}, {out}, out + "_node");
  } else {
    SetInts(b.Node(op, {in}, {out}, out + "_node"), "axes", {axis});
  }
}

void Reshape(ModelBuilder& b, const std::string& in, const std::string& out, const std::vector<int64_t>& shape) {
  AddInt64Initializer(b, out + "_shape", shape);
  b.Node("Reshape", {in, out + "_shape"}, {out}, out + "_node");
}

struct RecurrentSpec {
  std::string op = "LSTM";  // RNN, GRU, LSTM
  int64_t directions = 1;
  int64_t input_size = 8;
  int64_t hidden = 4;
  uint32_t seed = 1;
};

int64_t Gates(const RecurrentSpec& s) { return s.op == "RNN" ? 1 : s.op == "GRU" ? 3 : 4; }

// The recurrent node `name` reading `x` (time-major), with its weights as initializers.
// inputs[4..] (sequence_lens, initial_h, initial_c) and outputs are given by the caller.
onnx::NodeProto* Recurrent(ModelBuilder& b, const RecurrentSpec& s, const std::string& name, const std::string& x,
                           std::vector<std::string> extra_inputs, const std::vector<std::string>& outputs) {
  const int64_t D = s.directions, G = Gates(s), H = s.hidden, I = s.input_size;
  b.Initializer(name + "_W", {D, G * H, I}, RandomValues(D * G * H * I, s.seed, 0.5f));
  b.Initializer(name + "_R", {D, G * H, H}, RandomValues(D * G * H * H, s.seed + 1, 0.5f));
  b.Initializer(name + "_B", {D, 2 * G * H}, RandomValues(D * 2 * G * H, s.seed + 2, 0.3f));
  std::vector<std::string> inputs = {x, name + "_W", name + "_R", name + "_B"};
  inputs.insert(inputs.end(), extra_inputs.begin(), extra_inputs.end());
  onnx::NodeProto* n = b.Node(s.op, inputs, outputs, name);
  SetInt(n, "hidden_size", H);
  if (D == 2) SetString(n, "direction", "bidirectional");
  if (s.op == "GRU") SetInt(n, "linear_before_reset", 1);
  return n;
}

// --- Running and comparing. ------------------------------------------------------------------

struct InputSpec {
  std::string name;
  std::vector<int64_t> dims;  // -1: the batch
  bool lengths = false;       // int32 sequence lengths in [0, kT] instead of floats
};

struct Ran {
  std::vector<Tensor> outputs;
  int transposes = 0;
};

Ran RunAt(const std::string& bytes, int level, const std::vector<InputSpec>& specs, int64_t batch) {
  SessionOptions options;
  options.optimization_level = level;
  auto session = Session::LoadFromBytes(bytes, options);
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return {};
  std::vector<Tensor> data;
  NamedInputs inputs;
  std::vector<std::pair<std::string, Dims>> dims;
  uint32_t seed = 100;
  for (const InputSpec& s : specs) {
    Dims d;
    for (int64_t v : s.dims) d.push_back(v < 0 ? batch : v);
    Tensor t(s.lengths ? DType::kInt32 : DType::kFloat, d);
    std::mt19937 rng(seed++);
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      if (s.lengths) t.data_as<int32_t>()[i] = static_cast<int32_t>(rng() % (kT + 1));
      else t.data_as<float>()[i] = std::uniform_real_distribution<float>(-1.f, 1.f)(rng);
    }
    dims.emplace_back(s.name, d);
    data.push_back(std::move(t));
  }
  for (size_t i = 0; i < specs.size(); ++i) inputs.emplace_back(specs[i].name, data[i].view());
  Ran r;
  auto plan = session->DescribePlan(dims);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (plan.ok())
    for (const PlannedNode& n : plan->nodes) r.transposes += n.op_type == "Transpose";
  auto out = session->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (out.ok()) r.outputs = std::move(*out);
  return r;
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dims(), b.dims());
  if (a.dims() != b.dims() || a.dtype() != DType::kFloat) return 1e9;
  double worst = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a.data_as<float>()[i]) - b.data_as<float>()[i]));
  return worst;
}

// Level 0 vs default at batch 1 and 5: equal outputs; the default plan has `transposes_after`.
void ExpectSameOutputs(const std::string& bytes, const std::vector<InputSpec>& inputs, int transposes_before,
                       int transposes_after, const std::vector<int64_t>& batches = {1, 5}) {
  for (int64_t batch : batches) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    Ran plain = RunAt(bytes, 0, inputs, batch);
    Ran optimized = RunAt(bytes, 99, inputs, batch);
    EXPECT_EQ(plain.transposes, transposes_before);
    EXPECT_EQ(optimized.transposes, transposes_after);
    ASSERT_EQ(plain.outputs.size(), optimized.outputs.size());
    for (size_t k = 0; k < plain.outputs.size(); ++k)
      EXPECT_LE(MaxAbsDiff(optimized.outputs[k], plain.outputs[k]), 1e-6) << "output " << k;
  }
}

// The pass alone on the imported graph: how many recurrent nodes it rewrote, and the
// recurrent nodes' (layout, opset) afterwards, in order.
struct PassRun {
  int rewritten = -1;
  std::vector<std::pair<int64_t, int64_t>> layout_opset;
};

PassRun RunPass(const std::string& bytes) {
  PassRun r;
  auto model = importers::onnx::LoadModelBytes(bytes, "");
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return r;
  graph::Graph& g = *model->graph;
  EXPECT_TRUE(graph::TopologicalSort(g).ok());
  r.rewritten = graph::UseBatchMajorRecurrentLayout(g);
  for (const graph::Node& n : g.nodes)
    if (n.op_type == "LSTM" || n.op_type == "GRU" || n.op_type == "RNN")
      r.layout_opset.emplace_back(n.attrs.GetInt("layout", 0), n.opset);
  return r;
}

std::vector<InputSpec> XOnly(int64_t features) { return {{"x", {-1, kT, features}}}; }

void AddX(ModelBuilder& b, int64_t features) {
  AddInput(b, "x", onnx::TensorProto::FLOAT, {{"N", 0}, {"T", 0}, {"", features}});
}

// --- keras2onnx: x -> Transpose -> op -> Transpose(0,2,1,3) -> Reshape {0,0,-1} -> ... ------------

// One layer, output [N,T,D*H] through the Keras chain; `reshape_last` spells the Reshape's
// last dim (-1 or D*H).
std::string KerasLayer(int64_t opset, const RecurrentSpec& s, int64_t reshape_last) {
  ModelBuilder b(opset);
  AddX(b, s.input_size);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, s, "rec", "x_tm", {}, {"Y"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, 0, reshape_last});
  Transpose(b, "Y_s", "out", {1, 0, 2});
  AddOutput(b, "out");
  return b.Bytes();
}

class KerasChainTest : public ::testing::TestWithParam<int64_t> {};  // the model's opset

TEST_P(KerasChainTest, BidirectionalLstmLosesAllThreeTransposes) {
  const RecurrentSpec s{.op = "LSTM", .directions = 2, .input_size = 8, .hidden = 3};
  const std::string bytes = KerasLayer(GetParam(), s, -1);
  ExpectSameOutputs(bytes, XOnly(8), 3, 0);
  PassRun pass = RunPass(bytes);
  EXPECT_EQ(pass.rewritten, 1);
  ASSERT_EQ(pass.layout_opset.size(), 1u);
  EXPECT_EQ(pass.layout_opset[0].first, 1);
  EXPECT_EQ(pass.layout_opset[0].second, std::max<int64_t>(GetParam(), 14));
}

TEST_P(KerasChainTest, ExplicitWidthInTheReshapeIsRecognised) {
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    SCOPED_TRACE(op);
    const RecurrentSpec s{.op = op, .directions = 1, .input_size = 5, .hidden = 4};
    ExpectSameOutputs(KerasLayer(GetParam(), s, 4), XOnly(5), 3, 0);
  }
}

// Two stacked layers: the second reads the first's Reshape directly (kws_lstm's shape).
TEST_P(KerasChainTest, StackedLayersBothRunBatchMajor) {
  const int64_t opset = GetParam();
  ModelBuilder b(opset);
  AddX(b, 6);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, {.op = "GRU", .directions = 2, .input_size = 6, .hidden = 3, .seed = 3}, "l0", "x_tm", {}, {"Y0"});
  Transpose(b, "Y0", "Y0_t", {0, 2, 1, 3});
  Reshape(b, "Y0_t", "Y0_s", {0, 0, -1});
  Recurrent(b, {.op = "LSTM", .directions = 1, .input_size = 6, .hidden = 5, .seed = 7}, "l1", "Y0_s", {},
            {"", "Yh1"});
  Transpose(b, "Yh1", "Yh1_t", {1, 0, 2});
  Reshape(b, "Yh1_t", "out", {0, -1});
  AddOutput(b, "out");
  ExpectSameOutputs(b.Bytes(), XOnly(6), 3, 0);
  PassRun pass = RunPass(b.Bytes());
  EXPECT_EQ(pass.rewritten, 2);
}

INSTANTIATE_TEST_SUITE_P(Opsets, KerasChainTest, ::testing::Values(9, 13, 14, 17),
                         [](const auto& info) { return "opset" + std::to_string(info.param); });

// --- Outputs read elsewhere, given initial states, shared Transposes. ---------------------------

// Y through the Keras chain; Y_h read by a Transpose(1,0,2) that is a graph output (it becomes
// the node's own output); Y_c read by an Add (so it is transposed back).
TEST(RecurrentLayout, StatesReadElsewhereKeepTheirValues) {
  ModelBuilder b(13);
  AddX(b, 7);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, {.op = "LSTM", .directions = 2, .input_size = 7, .hidden = 3}, "rec", "x_tm", {},
            {"Y", "Y_h", "Y_c"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, 0, 6});
  Transpose(b, "Y_s", "seq", {1, 0, 2});
  Transpose(b, "Y_h", "h_last", {1, 0, 2});
  b.Node("Add", {"Y_c", "Y_c"}, {"c_twice"}, "add");
  AddOutput(b, "seq");
  AddOutput(b, "h_last");
  AddOutput(b, "c_twice");
  // Before: x, Y, Y_s, Y_h. After: Y_c's way back to [D,N,H] only.
  ExpectSameOutputs(b.Bytes(), XOnly(7), 4, 1);
}

// Keras layer with initial states: built by the caller from `h0` and `c0` (graph values).
std::string KerasLayerWithStates(int64_t directions, const std::function<void(ModelBuilder&)>& add_states) {
  ModelBuilder b(13);
  AddX(b, 8);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  add_states(b);
  Recurrent(b, {.op = "LSTM", .directions = directions, .input_size = 8, .hidden = 3}, "rec", "x_tm",
            {"", "h0", "c0"}, {"Y"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, 0, -1});
  Transpose(b, "Y_s", "out", {1, 0, 2});
  AddOutput(b, "out");
  return b.Bytes();
}

// Computed initial states reach the node batch-major: with one direction [1,N,H] and [N,1,H]
// are the same bytes (free Reshape views), with two each costs one small Transpose.
TEST(RecurrentLayout, ComputedInitialStates) {
  for (int64_t directions : {1, 2}) {
    SCOPED_TRACE("directions " + std::to_string(directions));
    const std::string bytes = KerasLayerWithStates(directions, [&](ModelBuilder& b) {
      AddInput(b, "h0", onnx::TensorProto::FLOAT, {{"", directions}, {"N", 0}, {"", 3}});
      b.Node("Neg", {"h0"}, {"c0"}, "neg");
    });
    const std::vector<InputSpec> inputs = {{"x", {-1, kT, 8}}, {"h0", {directions, -1, 3}}};
    ExpectSameOutputs(bytes, inputs, 3, directions == 1 ? 0 : 2);
  }
}

// Constant initial states (tf2onnx folds Keras' zeros for a fixed batch): their Transposes
// are computed once at plan time, so nothing is left to run.
TEST(RecurrentLayout, ConstantInitialStates) {
  const std::string bytes = KerasLayerWithStates(2, [](ModelBuilder& b) {
    b.Initializer("h0", {2, 3, 3}, RandomValues(18, 11, 1.f));
    b.Initializer("c0", {2, 3, 3}, RandomValues(18, 12, 1.f));
  });
  ExpectSameOutputs(bytes, XOnly(8), 3, 0, {3});
}

// The X Transpose has a second reader: the node is left alone.
TEST(RecurrentLayout, TransposeWithASecondReaderIsLeftAlone) {
  ModelBuilder b(13);
  AddX(b, 8);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  b.Node("Relu", {"x_tm"}, {"x_relu"}, "relu");
  Recurrent(b, {.op = "GRU", .directions = 1, .input_size = 8, .hidden = 4}, "rec", "x_tm", {}, {"Y"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, 0, -1});
  Transpose(b, "Y_s", "out", {1, 0, 2});
  AddOutput(b, "out");
  AddOutput(b, "x_relu");
  ExpectSameOutputs(b.Bytes(), XOnly(8), 3, 3);
  PassRun pass = RunPass(b.Bytes());
  EXPECT_EQ(pass.rewritten, 0);
  ASSERT_EQ(pass.layout_opset.size(), 1u);
  EXPECT_EQ(pass.layout_opset[0], std::make_pair(int64_t{0}, int64_t{13}));
}

// Y read by something else: one Transpose(1,2,0,3) brings it back, which is done only when it
// moves fewer bytes than the X Transpose it replaces (D*H < I).
TEST(RecurrentLayout, OtherYReadersGetYBackOnlyWhenCheaper) {
  for (int64_t hidden : {2, 8}) {
    SCOPED_TRACE("hidden " + std::to_string(hidden));
    ModelBuilder b(14);
    AddX(b, 6);
    Transpose(b, "x", "x_tm", {1, 0, 2});
    Recurrent(b, {.op = "RNN", .directions = 1, .input_size = 6, .hidden = hidden}, "rec", "x_tm", {}, {"Y"});
    b.Node("Relu", {"Y"}, {"out"}, "relu");
    AddOutput(b, "out");
    ExpectSameOutputs(b.Bytes(), XOnly(6), 1, 1);
    EXPECT_EQ(RunPass(b.Bytes()).rewritten, hidden < 6 ? 1 : 0);
  }
}

// A Reshape spelling the chain differently ({0,-1,D*H}) is not assumed to be the chain.
TEST(RecurrentLayout, UnprovenReshapeIsNotTreatedAsTheChain) {
  ModelBuilder b(13);
  AddX(b, 16);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, {.op = "LSTM", .directions = 2, .input_size = 16, .hidden = 2}, "rec", "x_tm", {}, {"Y"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, -1, 4});
  Transpose(b, "Y_s", "out", {1, 0, 2});
  AddOutput(b, "out");
  // X's Transpose goes, Y comes back through one Transpose(1,2,0,3) (D*H = 4 < 16), and the
  // exporter's two Transposes after Y stay.
  ExpectSameOutputs(b.Bytes(), XOnly(16), 3, 3);
  EXPECT_EQ(RunPass(b.Bytes()).rewritten, 1);
}

// Y itself is a graph output: it keeps its time-major value.
TEST(RecurrentLayout, YAsGraphOutputKeepsItsLayout) {
  ModelBuilder b(13);
  AddX(b, 9);
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, {.op = "GRU", .directions = 2, .input_size = 9, .hidden = 2}, "rec", "x_tm", {}, {"Y", "Y_h"});
  AddOutput(b, "Y");
  AddOutput(b, "Y_h");
  // After: Y back to [T,D,N,H] and Y_h back to [D,N,H].
  ExpectSameOutputs(b.Bytes(), XOnly(9), 1, 2);
}

// Masked sequences (sequence_lens) run the same batch-major.
TEST(RecurrentLayout, SequenceLengthsAreKept) {
  ModelBuilder b(13);
  AddX(b, 5);
  AddInput(b, "lens", onnx::TensorProto::INT32, {{"N", 0}});
  Transpose(b, "x", "x_tm", {1, 0, 2});
  Recurrent(b, {.op = "LSTM", .directions = 2, .input_size = 5, .hidden = 3}, "rec", "x_tm", {"lens"},
            {"Y", "Y_h"});
  Transpose(b, "Y", "Y_t", {0, 2, 1, 3});
  Reshape(b, "Y_t", "Y_s", {0, 0, -1});
  Transpose(b, "Y_s", "seq", {1, 0, 2});
  Transpose(b, "Y_h", "h", {1, 0, 2});
  AddOutput(b, "seq");
  AddOutput(b, "h");
  ExpectSameOutputs(b.Bytes(), {{"x", {-1, kT, 5}}, {"lens", {-1}, true}}, 4, 0);
}

// A node already batch-major, and a model below opset 7, are left alone.
TEST(RecurrentLayout, AlreadyBatchMajorOrTooOldIsLeftAlone) {
  {
    ModelBuilder b(14);
    AddX(b, 4);
    Transpose(b, "x", "x_tm", {1, 0, 2});  // a [T,N,4] batch-major input for a layout-1 node
    SetInt(Recurrent(b, {.op = "RNN", .input_size = 4, .hidden = 3}, "rec", "x_tm", {}, {"Y"}), "layout", 1);
    b.Node("Relu", {"Y"}, {"out"}, "relu");
    AddOutput(b, "out");
    EXPECT_EQ(RunPass(b.Bytes()).rewritten, 0);
  }
  {
    ModelBuilder b(6);
    AddX(b, 4);
    Transpose(b, "x", "x_tm", {1, 0, 2});
    Recurrent(b, {.op = "RNN", .input_size = 4, .hidden = 3}, "rec", "x_tm", {}, {"", "Y_h"});
    Transpose(b, "Y_h", "out", {1, 0, 2});
    AddOutput(b, "out");
    PassRun pass = RunPass(b.Bytes());
    EXPECT_EQ(pass.rewritten, 0);
    ASSERT_EQ(pass.layout_opset.size(), 1u);
    EXPECT_EQ(pass.layout_opset[0], std::make_pair(int64_t{0}, int64_t{6}));
  }
}

// --- tf2onnx / onnxmltools chains. ---------------------------------------------------------------

// tf2onnx: Y -> Squeeze(1) -> [T,N,H]; stacked layers read it time-major, the last layer's
// last step is Slice(axis 0, -1:) -> Squeeze(0), and return_sequences goes Transpose(1,0,2).
TEST(RecurrentLayout, Tf2onnxSqueezeChains) {
  for (int64_t opset : {9, 13}) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    ModelBuilder b(opset);
    AddX(b, 6);
    Transpose(b, "x", "x_tm", {1, 0, 2});
    Recurrent(b, {.op = "LSTM", .input_size = 6, .hidden = 4, .seed = 5}, "l0", "x_tm", {}, {"Y0"});
    AxisOp(b, opset, "Squeeze", "Y0", "s0", 1);
    Recurrent(b, {.op = "GRU", .input_size = 4, .hidden = 3, .seed = 8}, "l1", "s0", {}, {"Y1"});
    AxisOp(b, opset, "Squeeze", "Y1", "s1", 1);
    Transpose(b, "s1", "seq", {1, 0, 2});
    if (opset >= 10) {
      AddInt64Initializer(b, "starts", {-1});
      AddInt64Initializer(b, "ends", {INT64_MAX});
      AddInt64Initializer(b, "axes0", {0});
      b.Node("Slice", {"s1", "starts", "ends", "axes0"}, {"last_step"}, "slice");
    } else {
      onnx::NodeProto* slice = b.Node("Slice", {"s1"}, {"last_step"}, "slice");
      SetInts(slice, "starts", {-1});
      SetInts(slice, "ends", {INT64_MAX});
      SetInts(slice, "axes", {0});
    }
    AxisOp(b, opset, "Squeeze", "last_step", "last", 0);
    AddOutput(b, "seq");
    AddOutput(b, "last");
    ExpectSameOutputs(b.Bytes(), XOnly(6), 2, 0);
    EXPECT_EQ(RunPass(b.Bytes()).rewritten, 2);
  }
}

// onnxmltools (DTLN): Y -> Transpose(2,1,0,3) -> Squeeze(1) is already [N,T,H]; the states
// are graph inputs unsqueezed to [1,N,H] and come back squeezed.
TEST(RecurrentLayout, OnnxmltoolsChainWithStates) {
  ModelBuilder b(11);
  AddX(b, 6);
  AddInput(b, "h0", onnx::TensorProto::FLOAT, {{"N", 0}, {"", 4}});
  AddInput(b, "c0", onnx::TensorProto::FLOAT, {{"N", 0}, {"", 4}});
  Transpose(b, "x", "x_tm", {1, 0, 2});
  AxisOp(b, 11, "Unsqueeze", "h0", "h0_u", 0);
  AxisOp(b, 11, "Unsqueeze", "c0", "c0_u", 0);
  Recurrent(b, {.op = "LSTM", .input_size = 6, .hidden = 4}, "rec", "x_tm", {"", "h0_u", "c0_u"},
            {"Y", "Y_h", "Y_c"});
  Transpose(b, "Y", "Y_t", {2, 1, 0, 3});
  AxisOp(b, 11, "Squeeze", "Y_t", "seq", 1);
  AxisOp(b, 11, "Squeeze", "Y_h", "h", 0);
  AxisOp(b, 11, "Squeeze", "Y_c", "c", 0);
  AddOutput(b, "seq");
  AddOutput(b, "h");
  AddOutput(b, "c");
  ExpectSameOutputs(b.Bytes(), {{"x", {-1, kT, 6}}, {"h0", {-1, 4}}, {"c0", {-1, 4}}}, 2, 0);
}

// --- The benchmark models (Keras-style exports in shared/models/bench). -------------------------

TEST(RecurrentLayout, BenchModelsLoseEveryTranspose) {
  const fs::path bench = fs::path(SEQRT_SHARED_DIR) / "models" / "bench";
  ASSERT_TRUE(fs::exists(bench)) << "shared material absent: no benchmark models at " << bench;
  const std::vector<std::pair<std::string, int>> cases = {{"bilstm_tagger", 3},
                                                          {"kws_lstm", 3},
                                                          {"kws_gru", 3},
                                                          {"seed_simplernn", 3},
                                                          {"big_lstm", 2}};
  for (const auto& [name, transposes] : cases) {
    SCOPED_TRACE(name);
    std::ifstream in(bench / (name + ".onnx"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    auto session = Session::LoadFromBytes(bytes);
    ASSERT_TRUE(session.ok()) << session.status();
    ASSERT_EQ(session->inputs().size(), 1u);
    const int64_t features = session->inputs()[0].shape.at(2).value;
    ExpectSameOutputs(bytes, {{session->inputs()[0].name, {-1, 7, features}}}, transposes, 0);
  }
}

}  // namespace
}  // namespace seqrt::testing
