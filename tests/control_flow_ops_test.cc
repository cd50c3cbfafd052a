// Loop, If and Scan on small hand-built models: semantics the ONNX node tests leave out
// (outer-scope values, zero iterations, scan axes and directions, branch shapes that differ)
// and the bad-input errors, which must name the node.
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kInt64 = onnx::TensorProto::INT64;
constexpr int kBool = onnx::TensorProto::BOOL;

void SetType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type,
             const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

// A body graph built node by node, attached to a node as a graph attribute.
struct Body {
  onnx::GraphProto g;
  explicit Body(const std::string& name) { g.set_name(name); }
  Body& In(const std::string& name, int type, const std::vector<int64_t>& dims) {
    SetType(g.add_input(), name, type, dims);
    return *this;
  }
  Body& Out(const std::string& name, int type, const std::vector<int64_t>& dims) {
    SetType(g.add_output(), name, type, dims);
    return *this;
  }
  Body& Node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out) {
    auto* n = g.add_node();
    n->set_op_type(op);
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return *this;
  }
  void AttachTo(onnx::NodeProto* node, const std::string& attr) const {
    auto* a = node->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = g;
  }
};

void IntAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void IntsAttr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

std::vector<float> Floats(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.num_elements()}; }

// Loop: acc += x (an outer value) each iteration; each iteration also emits acc * 1 as a scan
// output. M comes in as a graph input.
testing::ModelBuilder AccumulateLoop(bool with_m, bool with_cond) {
  testing::ModelBuilder b(13);
  b.Input("m", kInt64, {});
  b.Input("cond", kBool, {});
  b.Input("x", kFloat, {2});
  b.Input("acc0", kFloat, {2});
  Body body("loop_body");
  body.In("i", kInt64, {}).In("c_in", kBool, {}).In("acc", kFloat, {2});
  body.Node("Add", {"acc", "x"}, {"acc_next"}).Node("Identity", {"c_in"}, {"c_out"});
  body.Node("Identity", {"acc_next"}, {"scan"});
  body.Out("c_out", kBool, {}).Out("acc_next", kFloat, {2}).Out("scan", kFloat, {2});
  auto* loop = b.Node("Loop", {with_m ? "m" : "", with_cond ? "cond" : "", "acc0"}, {"acc_final", "scans"}, "my_loop");
  body.AttachTo(loop, "body");
  b.Output("acc_final", kFloat, {2});
  b.Output("scans", kFloat, {-1, 2});
  return b;
}

struct LoopInputs {
  int64_t m = 3;
  bool cond = true;
  float x[2] = {1, 10};
  float acc0[2] = {0, 0};
  NamedInputs Named() {
    return {{"m", TensorView(DType::kInt64, {}, &m)},
            {"cond", TensorView(DType::kBool, {}, &cond)},
            {"x", TensorView(x, {2})},
            {"acc0", TensorView(acc0, {2})}};
  }
};

TEST(Loop, TripCountCarriedValuesAndScanOutputs) {
  auto s = Session::LoadFromBytes(AccumulateLoop(true, true).Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  LoopInputs in;
  auto out = s->Run(in.Named());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(3, 30));
  EXPECT_EQ((*out)[1].dims(), (Dims{3, 2}));
  EXPECT_THAT(Floats((*out)[1]), ElementsAre(1, 10, 2, 20, 3, 30));
  // Zero iterations: carried values come back unchanged, scan outputs are empty.
  in.m = 0;
  out = s->Run(in.Named());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(0, 0));
  EXPECT_EQ((*out)[1].dims(), (Dims{0, 2}));
  // A false initial cond also skips the body.
  in.m = 5;
  in.cond = false;
  out = s->Run(in.Named());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(0, 0));
}

// tf2onnx threads weights through the loop as carried values the body returns untouched:
// the node still outputs them, and the body keeps reading them every iteration.
TEST(Loop, CarriedValueReturnedUntouched) {
  testing::ModelBuilder b(13);
  b.Input("m", kInt64, {});
  b.Input("w", kFloat, {2});
  b.Input("acc0", kFloat, {2});
  Body body("loop_body");
  body.In("i", kInt64, {}).In("c_in", kBool, {}).In("w_in", kFloat, {2}).In("acc", kFloat, {2});
  body.Node("Add", {"acc", "w_in"}, {"acc_next"}).Node("Identity", {"c_in"}, {"c_out"});
  body.Out("c_out", kBool, {}).Out("w_in", kFloat, {2}).Out("acc_next", kFloat, {2});
  auto* loop = b.Node("Loop", {"m", "", "w", "acc0"}, {"w_final", "acc_final"}, "weights_loop");
  body.AttachTo(loop, "body");
  b.Output("w_final", kFloat, {2});
  b.Output("acc_final", kFloat, {2});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  int64_t m = 4;
  float w[2] = {1, 2}, acc0[2] = {0, 100};
  auto out = s->Run({{"m", TensorView(DType::kInt64, {}, &m)}, {"w", TensorView(w, {2})}, {"acc0", TensorView(acc0, {2})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(1, 2));
  EXPECT_THAT(Floats((*out)[1]), ElementsAre(4, 108));
}

TEST(Loop, NeitherTripCountNorCondIsAnError) {
  auto s = Session::LoadFromBytes(AccumulateLoop(false, false).Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  LoopInputs in;
  auto out = s->Run(in.Named());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("Loop node 'my_loop'"));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("never end"));
}

TEST(Loop, BodyNotMatchingCarriedValuesIsAnError) {
  testing::ModelBuilder b(13);
  b.Input("m", kInt64, {});
  b.Input("acc0", kFloat, {2});
  Body body("loop_body");
  body.In("i", kInt64, {}).In("c_in", kBool, {});  // the carried value is missing
  body.Node("Identity", {"c_in"}, {"c_out"});
  body.Out("c_out", kBool, {});
  auto* loop = b.Node("Loop", {"m", "", "acc0"}, {"acc_final"}, "bad_loop");
  body.AttachTo(loop, "body");
  b.Output("acc_final", kFloat, {2});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("Loop node 'bad_loop'"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("the body takes 2 inputs"));
}

TEST(Loop, UnknownOuterNameIsAnError) {
  testing::ModelBuilder b(13);
  b.Input("m", kInt64, {});
  b.Input("acc0", kFloat, {2});
  Body body("loop_body");
  body.In("i", kInt64, {}).In("c_in", kBool, {}).In("acc", kFloat, {2});
  body.Node("Add", {"acc", "no_such_value"}, {"acc_next"}).Node("Identity", {"c_in"}, {"c_out"});
  body.Out("c_out", kBool, {}).Out("acc_next", kFloat, {2});
  auto* loop = b.Node("Loop", {"m", "", "acc0"}, {"acc_final"}, "outer_ref_loop");
  body.AttachTo(loop, "body");
  b.Output("acc_final", kFloat, {2});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("outer_ref_loop"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("no_such_value"));
}

// If whose branches return outer values of different shapes.
testing::ModelBuilder ShapeChangingIf(bool then_first) {
  testing::ModelBuilder b(13);
  b.Input("c", kBool, {});
  b.Input("a", kFloat, {2});
  b.Input("b", kFloat, {3});
  Body then_b("then"), else_b("else");
  then_b.Node("Identity", {"a"}, {"ta"}).Out("ta", kFloat, {2});
  else_b.Node("Neg", {"b"}, {"eb"}).Out("eb", kFloat, {3});
  auto* node = b.Node("If", {"c"}, {"y"}, "my_if");
  if (then_first) {
    then_b.AttachTo(node, "then_branch");
    else_b.AttachTo(node, "else_branch");
  } else {
    else_b.AttachTo(node, "else_branch");
    then_b.AttachTo(node, "then_branch");
  }
  b.Output("y", kFloat, {-1});
  return b;
}

void CheckShapeChangingIf(bool then_first) {
  auto s = Session::LoadFromBytes(ShapeChangingIf(then_first).Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  bool c = true;
  float a[2] = {1, 2}, bv[3] = {3, 4, 5};
  NamedInputs in = {{"c", TensorView(DType::kBool, {}, &c)}, {"a", TensorView(a, {2})}, {"b", TensorView(bv, {3})}};
  auto out = s->Run(in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(1, 2));
  c = false;
  out = s->Run(in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(-3, -4, -5));
}

TEST(If, BranchesWithOuterValuesAndDifferentShapes) { CheckShapeChangingIf(/*then_first=*/false); }

// PyTorch writes then_branch before else_branch: captures must still reach the right branch.
TEST(If, BranchesInFileOrderThenElse) { CheckShapeChangingIf(/*then_first=*/true); }

TEST(If, BranchesDisagreeingInOutputCountIsAnError) {
  testing::ModelBuilder b(13);
  b.Input("c", kBool, {});
  b.Input("a", kFloat, {2});
  Body then_b("then"), else_b("else");
  then_b.Node("Identity", {"a"}, {"t1"}).Node("Neg", {"a"}, {"t2"}).Out("t1", kFloat, {2}).Out("t2", kFloat, {2});
  else_b.Node("Neg", {"a"}, {"e1"}).Out("e1", kFloat, {2});
  auto* node = b.Node("If", {"c"}, {"y"}, "bad_if");
  else_b.AttachTo(node, "else_branch");
  then_b.AttachTo(node, "then_branch");
  b.Output("y", kFloat, {2});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("If node 'bad_if'"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("disagree in output count"));
}

// Scan (opset 11): running sum over axis 1 of x [2, T], read backwards, outputs stacked on
// axis 1.
testing::ModelBuilder SumScan(const std::vector<int64_t>& y_dims) {
  testing::ModelBuilder b(11);
  b.Input("s0", kFloat, {2});
  b.Input("x", kFloat, {2, 3});
  b.Input("y", kFloat, y_dims);
  Body body("scan_body");
  body.In("s", kFloat, {2}).In("xt", kFloat, {2}).In("yt", kFloat, {2});
  body.Node("Add", {"s", "xt"}, {"s_next"}).Node("Identity", {"s_next"}, {"out"});
  body.Out("s_next", kFloat, {2}).Out("out", kFloat, {2});
  auto* scan = b.Node("Scan", {"s0", "x", "y"}, {"s_final", "outs"}, "my_scan");
  body.AttachTo(scan, "body");
  IntAttr(scan, "num_scan_inputs", 2);
  IntsAttr(scan, "scan_input_axes", {1, 1});
  IntsAttr(scan, "scan_input_directions", {1, 0});
  IntsAttr(scan, "scan_output_axes", {-1});
  b.Output("s_final", kFloat, {2});
  b.Output("outs", kFloat, {2, 3});
  return b;
}

TEST(Scan, AxesAndDirections) {
  auto s = Session::LoadFromBytes(SumScan({2, 3}).Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  float s0[2] = {0, 0}, x[6] = {1, 2, 3, 10, 20, 30}, y[6] = {};
  auto out = s->Run({{"s0", TensorView(s0, {2})}, {"x", TensorView(x, {2, 3})}, {"y", TensorView(y, {2, 3})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Floats((*out)[0]), ElementsAre(6, 60));
  EXPECT_EQ((*out)[1].dims(), (Dims{2, 3}));
  EXPECT_THAT(Floats((*out)[1]), ElementsAre(3, 5, 6, 30, 50, 60));
}

TEST(Scan, InconsistentSequenceLengthsIsAnError) {
  auto s = Session::LoadFromBytes(SumScan({2, 4}).Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("Scan node 'my_scan'"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("disagree on the sequence length"));
}

}  // namespace
}  // namespace seqrt
