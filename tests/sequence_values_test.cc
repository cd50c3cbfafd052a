// Sequence and optional values end to end (issue 15): through the Session API (graph inputs and
// outputs that are sequences, errors for misuse, where they live in the plan), and PyTorch loops
// compiled with torch.jit.script that build their outputs in a Python list, exported to a Loop
// carrying a sequence (tests/exporter_patterns/torch_scripted_loops.py, expected outputs from
// torch in float64), checked with `seqrt test` at rtol 1e-4 / atol 1e-5.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/exporter_pattern_util.h"
#include "tests/model_builder.h"

namespace seqrt::testing {
namespace {

namespace fs = std::filesystem;

// Turns graph input/output `name` of `b` into sequence(tensor(float)) of the given rank
// (unknown dims), as exporters declare sequences.
void MakeSequence(onnx::ValueInfoProto* vi, int rank) {
  auto* tt = vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (int i = 0; i < rank; ++i) shape->add_dim();
}

// x[N,6] -> Relu -> SplitToSequence(split=[2,4], axis=1) -> seq (a graph output)
//                                                        -> ConcatFromSequence(axis=0) -> Relu -> y
std::string SplitModel() {
  ModelBuilder b(13);
  b.Input("x", onnx::TensorProto::FLOAT, {-1, 6});
  b.Output("y", onnx::TensorProto::FLOAT, {});
  auto* seq_out = b.proto().mutable_graph()->add_output();
  seq_out->set_name("seq");
  MakeSequence(seq_out, 2);
  b.proto().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  auto* split = b.proto().mutable_graph()->add_initializer();
  split->set_name("split");
  split->set_data_type(onnx::TensorProto::INT64);
  split->add_dims(2);
  split->add_int64_data(2);
  split->add_int64_data(4);
  b.Node("Relu", {"x"}, {"r"});
  b.Node("SplitToSequence", {"r", "split"}, {"seq"})->add_attribute()->CopyFrom([] {
    onnx::AttributeProto a;
    a.set_name("axis");
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(1);
    return a;
  }());
  auto* concat = b.Node("SequenceAt", {"seq", "pos"}, {"last"});
  (void)concat;
  auto* pos = b.proto().mutable_graph()->add_initializer();
  pos->set_name("pos");
  pos->set_data_type(onnx::TensorProto::INT64);
  pos->add_int64_data(-1);
  b.Node("Relu", {"last"}, {"y"});
  return b.Bytes();
}

TEST(SequenceValues, SplitToSequenceOutputThroughRunValues) {
  auto s = Session::LoadFromBytes(SplitModel());
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->outputs().size(), 2u);
  EXPECT_EQ(s->outputs()[1].kind, ValueKind::kSequence);
  EXPECT_EQ(s->outputs()[1].ToString(), "sequence(float[N,?])");  // N flows in from x
  std::vector<float> x = {-1, 2, 3, -4, 5, 6, 7, 8, -9, 10, 11, 12};
  auto out = s->RunValues({{"x", TensorView(x.data(), {2, 6})}});
  ASSERT_TRUE(out.ok()) << out.status();
  // Expected by hand: relu(x) split at column 2 along axis 1.
  ASSERT_TRUE((*out)[1].is_sequence());
  ASSERT_EQ((*out)[1].sequence_length(), 2u);
  const Tensor& p0 = (*out)[1].element(0);
  const Tensor& p1 = (*out)[1].element(1);
  const Tensor* parts[] = {&p0, &p1};
  EXPECT_EQ(parts[0]->dims(), (Dims{2, 2}));
  EXPECT_EQ(parts[1]->dims(), (Dims{2, 4}));
  EXPECT_EQ(std::vector<float>(parts[0]->values<float>().begin(), parts[0]->values<float>().end()),
            (std::vector<float>{0, 2, 7, 8}));
  EXPECT_EQ(std::vector<float>(parts[1]->values<float>().begin(), parts[1]->values<float>().end()),
            (std::vector<float>{3, 0, 5, 6, 0, 10, 11, 12}));
  ASSERT_TRUE((*out)[0].is_tensor());
  EXPECT_EQ(std::vector<float>((*out)[0].tensor().values<float>().begin(), (*out)[0].tensor().values<float>().end()),
            (std::vector<float>{3, 0, 5, 6, 0, 10, 11, 12}));
}

TEST(SequenceValues, RunRefusesSequenceOutputsClearly) {
  auto s = Session::LoadFromBytes(SplitModel());
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> x(12, 1.0f);
  auto out = s->Run({{"x", TensorView(x.data(), {2, 6})}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("output 'seq' is a sequence of 2 float tensors; use Session::RunValues"),
            std::string::npos)
      << out.status();
}

TEST(SequenceValues, SequencesLiveOutsideTheArenaTensorsStayPlanned) {
  auto s = Session::LoadFromBytes(SplitModel());
  ASSERT_TRUE(s.ok()) << s.status();
  auto plan = s->DescribePlan({{"x", {2, 6}}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->heap_values, 1);  // seq
  bool relu_in_arena = false, seq_on_heap = false;
  for (const PlannedValue& v : plan->values) {
    if (v.name == "r") relu_in_arena = v.offset >= 0 && v.bytes == 2 * 6 * 4;
    if (v.name == "seq") seq_on_heap = v.kind == ValueKind::kSequence && v.offset == -1;
  }
  EXPECT_TRUE(relu_in_arena);
  EXPECT_TRUE(seq_on_heap);
  EXPECT_LE(plan->arena_bytes, plan->live_peak_bytes * 11 / 10 + 64);
}

// seq (input) -> SequenceAt(pos) -> y; SequenceLength -> n
std::string SequenceInputModel() {
  ModelBuilder b(13);
  auto* in = b.proto().mutable_graph()->add_input();
  in->set_name("seq");
  MakeSequence(in, 1);
  b.Input("pos", onnx::TensorProto::INT64, {});
  b.Output("y", onnx::TensorProto::FLOAT, {-1});
  b.Output("n", onnx::TensorProto::INT64, {});
  b.Node("SequenceAt", {"seq", "pos"}, {"y"});
  b.Node("SequenceLength", {"seq"}, {"n"});
  return b.Bytes();
}

TEST(SequenceValues, SequenceInput) {
  auto s = Session::LoadFromBytes(SequenceInputModel());
  ASSERT_TRUE(s.ok()) << s.status();
  Value seq = Value::Sequence(DType::kFloat, {Tensor::FromVector<float>(DType::kFloat, {2}, {1, 2}),
                                              Tensor::FromVector<float>(DType::kFloat, {3}, {3, 4, 5})});
  int64_t pos = 1;
  auto out = s->RunValues({{"seq", ValueView(&seq)}, {"pos", TensorView(DType::kInt64, {}, &pos)}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].tensor().dims(), (Dims{3}));
  EXPECT_EQ((*out)[0].tensor().data_as<float>()[2], 5.0f);
  EXPECT_EQ((*out)[1].tensor().data_as<int64_t>()[0], 2);

  pos = 2;  // out of range: a one-line error naming the node and the bounds
  out = s->RunValues({{"seq", ValueView(&seq)}, {"pos", TensorView(DType::kInt64, {}, &pos)}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("position 2 is outside [-2, 1]"), std::string::npos)
      << out.status();

  std::vector<float> t = {1, 2};  // a tensor where a sequence belongs
  out = s->RunValues({{"seq", TensorView(t.data(), {2})}, {"pos", TensorView(DType::kInt64, {}, &pos)}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("input 'seq' is a sequence; pass it as a seqrt::Value"),
            std::string::npos)
      << out.status();

  Value wrong = Value::Sequence(DType::kFloat, {Tensor::FromVector<float>(DType::kFloat, {2, 1}, {1, 2})});
  out = s->RunValues({{"seq", ValueView(&wrong)}, {"pos", TensorView(DType::kInt64, {}, &pos)}});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("element 0 of input 'seq' has rank 2"), std::string::npos)
      << out.status();
}

TEST(SequenceValues, TensorOpGivenASequenceIsRefusedAtLoad) {
  ModelBuilder b(13);
  auto* in = b.proto().mutable_graph()->add_input();
  in->set_name("seq");
  MakeSequence(in, 1);
  b.Output("y", onnx::TensorProto::FLOAT, {-1});
  b.Node("Relu", {"seq"}, {"y"}, "relu");
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("Relu node 'relu': input 0 is a sequence but Relu takes tensors"),
            std::string::npos)
      << s.status();
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// torch.jit-scripted loops appending to a list: SequenceEmpty -> Loop{SequenceInsert} ->
// ConcatFromSequence / SequenceAt / SequenceLength.
TEST(SequenceValues, TorchScriptedLoopsMatchTorch) {
  const char* cli = std::getenv("SEQRT_CLI");
  ASSERT_NE(cli, nullptr) << "SEQRT_CLI is not set (run through ctest, or export SEQRT_CLI=<build>/seqrt)";
  const std::string out = GenerateExporterPatterns("torch_scripted_loops.py", "torch_scripted_loops");
  ASSERT_FALSE(out.empty());
  for (const std::string name : {"torch_script_lstm_cell_stack", "torch_script_gru_step_cat"}) {
    SCOPED_TRACE(name);
    const fs::path dir = fs::path(out) / name;
    const std::string log = dir.string() + ".test.log";
    const int status = std::system(
        (std::string("'") + cli + "' test --rtol 1e-4 --atol 1e-5 '" + dir.string() + "' > '" + log + "' 2>&1").c_str());
    const std::string text = ReadText(log);
    EXPECT_EQ(status, 0) << text;
    EXPECT_NE(text.find("1 passed, 0 failed"), std::string::npos) << text;

    // The list really is a sequence carried through the Loop, kept outside the arena.
    auto s = Session::Load((dir / "model.onnx").string());
    ASSERT_TRUE(s.ok()) << s.status();
    std::vector<std::pair<std::string, Dims>> dims;
    for (int k = 0;; ++k) {
      const fs::path pb = dir / "test_data_set_0" / ("input_" + std::to_string(k) + ".pb");
      if (!fs::exists(pb)) break;
      std::string input_name;
      auto t = ReadTensorFile(pb.string(), &input_name);
      ASSERT_TRUE(t.ok()) << t.status();
      dims.emplace_back(input_name, t->dims());
    }
    auto plan = s->DescribePlan(dims);
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_EQ(CountOps(*plan, "Loop"), 1);
    EXPECT_GE(plan->heap_values, 2);  // the empty list and the Loop's final list
  }
}

}  // namespace
}  // namespace seqrt::testing
