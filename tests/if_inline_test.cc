// If nodes whose condition folds at plan time (a test on the input's shape, as exporters
// write around RNNs) are replaced by the taken branch; Ifs on run-time conditions stay
// dynamic steps. Either way the results must be those of the If's semantics: expected
// values here are computed by hand, and the folded-condition model is also checked against
// the same graph with the condition fed as an input (the dynamic If path), in repeated
// Runs and in a stream, with both branches taken alternately.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/stream.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

constexpr int kFloat = onnx::TensorProto::FLOAT;
constexpr int kInt64 = onnx::TensorProto::INT64;
constexpr int kBool = onnx::TensorProto::BOOL;

void SetType(onnx::ValueInfoProto* vi, const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  for (int64_t d : dims) {
    if (d < 0) tt->mutable_shape()->add_dim()->set_dim_param("T");
    else tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& in,
                         const std::vector<std::string>& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out[0] + "_node");
  for (const auto& i : in) n->add_input(i);
  for (const auto& o : out) n->add_output(o);
  return n;
}

void Int64Constant(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims,
                   const std::vector<int64_t>& values) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(kInt64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
}

void AttachBranch(onnx::NodeProto* node, const std::string& attr, onnx::GraphProto g) {
  auto* a = node->add_attribute();
  a->set_name(attr);
  a->set_type(onnx::AttributeProto::GRAPH);
  *a->mutable_g() = std::move(g);
}

// y = If(c) then { If(Size(x) == 2) then { -x } else { x - 1 } } else { x * w }, x [T, 1, 2].
// With `shape_cond`, c = (T == 1) is computed from x's shape (foldable at plan time, the
// nested condition too); otherwise c is a graph input, so the If runs as a dynamic step.
// With `rnn`, y then goes through an RNN (hidden 2, tanh) starting from input h0 [1, 1, 2];
// its Y and final state hN are the outputs (state I/O the way silero-vad exports it).
std::string IfModel(bool shape_cond, bool rnn) {
  testing::ModelBuilder b(13);
  b.Input("x", kFloat, {-1, 1, 2});
  if (!shape_cond) b.Input("c", kBool, {});
  b.Initializer("w", {2}, {2.f, -3.f});
  b.Initializer("one", {}, {1.f});
  onnx::GraphProto* g = b.proto().mutable_graph();
  if (shape_cond) {
    Int64Constant(g, "zero_i", {}, {0});
    Int64Constant(g, "one_i", {}, {1});
    AddNode(g, "Shape", {"x"}, {"x_shape"});
    AddNode(g, "Gather", {"x_shape", "zero_i"}, {"x_steps"});
    AddNode(g, "Equal", {"x_steps", "one_i"}, {"c"});
  }
  onnx::GraphProto then_b, else_b, inner_then, inner_else;
  then_b.set_name("then");
  Int64Constant(&then_b, "two_i", {}, {2});
  AddNode(&then_b, "Size", {"x"}, {"x_size"});
  AddNode(&then_b, "Equal", {"x_size", "two_i"}, {"c_inner"});
  inner_then.set_name("inner_then");
  AddNode(&inner_then, "Neg", {"x"}, {"neg"});
  SetType(inner_then.add_output(), "neg", kFloat, {-1, 1, 2});
  inner_else.set_name("inner_else");
  AddNode(&inner_else, "Sub", {"x", "one"}, {"less"});
  SetType(inner_else.add_output(), "less", kFloat, {-1, 1, 2});
  auto* inner = AddNode(&then_b, "If", {"c_inner"}, {"then_y"});
  AttachBranch(inner, "then_branch", inner_then);
  AttachBranch(inner, "else_branch", inner_else);
  SetType(then_b.add_output(), "then_y", kFloat, {-1, 1, 2});
  else_b.set_name("else");
  AddNode(&else_b, "Mul", {"x", "w"}, {"scaled"});
  SetType(else_b.add_output(), "scaled", kFloat, {-1, 1, 2});
  auto* node = AddNode(g, "If", {"c"}, {"y"});
  AttachBranch(node, "then_branch", then_b);
  AttachBranch(node, "else_branch", else_b);
  if (!rnn) {
    b.Output("y", kFloat, {-1, 1, 2});
    return b.Bytes();
  }
  b.Initializer("W", {1, 2, 2}, {0.5f, -0.25f, 0.75f, 0.1f});
  b.Initializer("R", {1, 2, 2}, {0.2f, -0.4f, 0.3f, 0.6f});
  b.Input("h0", kFloat, {1, 1, 2});
  auto* r = b.Node("RNN", {"y", "W", "R", "", "", "h0"}, {"Y", "hN"}, "rnn");
  auto* hs = r->add_attribute();
  hs->set_name("hidden_size");
  hs->set_type(onnx::AttributeProto::INT);
  hs->set_i(2);
  b.Output("Y", kFloat, {-1, 1, 1, 2});
  b.Output("hN", kFloat, {1, 1, 2});
  return b.Bytes();
}

// The If's semantics, by hand.
std::vector<float> Expected(const std::vector<float>& x) {
  const int64_t steps = static_cast<int64_t>(x.size()) / 2;
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (steps == 1) y[i] = x.size() == 2 ? -x[i] : x[i] - 1;
    else y[i] = x[i] * (i % 2 == 0 ? 2.f : -3.f);
  }
  return y;
}

std::vector<float> Values(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.num_elements()}; }

std::vector<float> Steps(int64_t steps, float base) {
  std::vector<float> x(steps * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = base + 0.5f * static_cast<float>(i) - 1.f;
  return x;
}

TEST(IfInline, ShapeConditionIsInlinedAtPlanTime) {
  auto s = Session::LoadFromBytes(IfModel(/*shape_cond=*/true, /*rnn=*/false));
  ASSERT_TRUE(s.ok()) << s.status();
  for (int64_t steps : {1, 3}) {
    auto info = s->DescribePlan({{"x", {steps, 1, 2}}});
    ASSERT_TRUE(info.ok()) << info.status();
    for (const PlannedNode& n : info->nodes) EXPECT_NE(n.op_type, "If") << n.name << " at T=" << steps;
  }
}

TEST(IfInline, BothBranchesAlternatelyInRepeatedRuns) {
  auto folded = Session::LoadFromBytes(IfModel(/*shape_cond=*/true, /*rnn=*/false));
  auto dynamic = Session::LoadFromBytes(IfModel(/*shape_cond=*/false, /*rnn=*/false));
  ASSERT_TRUE(folded.ok()) << folded.status();
  ASSERT_TRUE(dynamic.ok()) << dynamic.status();
  int call = 0;
  for (int64_t steps : {1, 3, 1, 2, 1, 3, 3, 1}) {
    const std::vector<float> x = Steps(steps, static_cast<float>(call++));
    TensorView xv(x.data(), {steps, 1, 2});
    auto got = folded->Run({{"x", xv}});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(Values((*got)[0]), Expected(x)) << "T=" << steps << " call " << call;
    bool c = steps == 1;
    auto ref = dynamic->Run({{"x", xv}, {"c", TensorView(DType::kBool, {}, &c)}});
    ASSERT_TRUE(ref.ok()) << ref.status();
    EXPECT_EQ(Values((*got)[0]), Values((*ref)[0])) << "T=" << steps;
  }
}

// A stream's chunks keep their shape, so two streams on one session (chunks of 1 and of 3
// steps) take the two branches; their chunks alternate, each stream carrying its own state.
TEST(IfInline, StreamedChunksTakeBothBranchesLikeTheDynamicIf) {
  auto folded = Session::LoadFromBytes(IfModel(/*shape_cond=*/true, /*rnn=*/true));
  auto dynamic = Session::LoadFromBytes(IfModel(/*shape_cond=*/false, /*rnn=*/true));
  ASSERT_TRUE(folded.ok()) << folded.status();
  ASSERT_TRUE(dynamic.ok()) << dynamic.status();
  StreamOptions opts;
  opts.state_bindings = {{"hN", "h0"}};
  std::vector<Stream> fast, ref;
  for (int k = 0; k < 2; ++k) {
    auto f = folded->OpenStream(opts);
    ASSERT_TRUE(f.ok()) << f.status();
    fast.push_back(*std::move(f));
    auto r = dynamic->OpenStream(opts);
    ASSERT_TRUE(r.ok()) << r.status();
    ref.push_back(*std::move(r));
  }
  const int64_t chunk_steps[2] = {1, 3};
  for (int call = 0; call < 12; ++call) {
    const int k = call % 2;
    const int64_t steps = chunk_steps[k];
    if (call == 6) {
      fast[k].Reset();
      ref[k].Reset();
    }
    const std::vector<float> x = Steps(steps, 0.25f * static_cast<float>(call));
    TensorView xv(x.data(), {steps, 1, 2});
    auto got = fast[k].Run({{"x", xv}});
    ASSERT_TRUE(got.ok()) << got.status();
    bool c = steps == 1;
    auto want = ref[k].Run({{"x", xv}, {"c", TensorView(DType::kBool, {}, &c)}});
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_EQ(got->size(), want->size());
    for (size_t o = 0; o < got->size(); ++o) {
      ASSERT_EQ((*got)[o].dims(), (*want)[o].dims());
      const std::vector<float> g = Values((*got)[o]), w = Values((*want)[o]);
      for (size_t i = 0; i < g.size(); ++i)
        EXPECT_NEAR(g[i], w[i], 1e-6f) << "call " << call << " output " << o << " element " << i;
    }
  }
}

}  // namespace
}  // namespace seqrt
