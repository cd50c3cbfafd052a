// A fast (non-reference) recurrent kernel must be chosen for the configurations Keras-style
// exporters produce: forward and bidirectional LSTM, GRU with linear_before_reset=1, tanh
// RNN, in layouts 0 and 1. A silent fallback to the reference kernel fails here.
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

struct Case {
  std::string op;
  std::string direction;
  int layout;
  bool linear_before_reset;
  int64_t batch;
};

std::string CaseName(const Case& c) {
  return c.op + "_" + c.direction + "_layout" + std::to_string(c.layout) + "_n" + std::to_string(c.batch);
}

class RecurrentKernelChoiceTest : public ::testing::TestWithParam<Case> {};

TEST_P(RecurrentKernelChoiceTest, ChoosesAFastKernel) {
  const Case& c = GetParam();
  const int64_t T = 10, I = 8, H = 16;
  const int64_t D = c.direction == "bidirectional" ? 2 : 1;
  const int64_t G = c.op == "RNN" ? 1 : c.op == "GRU" ? 3 : 4;
  auto values = [](int64_t n) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>((i * 7) % 23 - 11);
    return v;
  };
  testing::ModelBuilder b(c.layout == 1 ? 14 : 13);
  const std::vector<int64_t> x_dims = c.layout == 0 ? std::vector<int64_t>{T, -1, I} : std::vector<int64_t>{-1, T, I};
  b.Input("X", onnx::TensorProto::FLOAT, x_dims);
  b.Initializer("W", {D, G * H, I}, values(D * G * H * I));
  b.Initializer("R", {D, G * H, H}, values(D * G * H * H));
  b.Initializer("B", {D, 2 * G * H}, values(D * 2 * G * H));
  onnx::NodeProto* node = b.Node(c.op, {"X", "W", "R", "B"}, {"Y", "Y_h"}, "rec");
  auto set_int = [&](const char* name, int64_t v) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  };
  set_int("hidden_size", H);
  if (c.layout == 1) set_int("layout", 1);
  if (c.op == "GRU") set_int("linear_before_reset", c.linear_before_reset ? 1 : 0);
  auto* dir = node->add_attribute();
  dir->set_name("direction");
  dir->set_type(onnx::AttributeProto::STRING);
  dir->set_s(c.direction);
  b.Output("Y", onnx::TensorProto::FLOAT,
           c.layout == 0 ? std::vector<int64_t>{T, D, -1, H} : std::vector<int64_t>{-1, T, D, H});
  b.Output("Y_h", onnx::TensorProto::FLOAT,
           c.layout == 0 ? std::vector<int64_t>{D, -1, H} : std::vector<int64_t>{-1, D, H});

  absl::StatusOr<Session> session = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(session.ok()) << session.status();
  const Dims x = c.layout == 0 ? Dims{T, c.batch, I} : Dims{c.batch, T, I};
  absl::StatusOr<PlanInfo> plan = session->DescribePlan({{"X", x}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  bool found = false;
  for (const PlannedNode& n : plan->nodes) {
    if (n.op_type != c.op) continue;
    found = true;
    EXPECT_NE(n.kernel, "reference") << CaseName(c) << " fell back to the reference kernel";
    EXPECT_FALSE(n.kernel.empty());
  }
  EXPECT_TRUE(found) << "no " << c.op << " node in the plan";
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (int layout : {0, 1})
    for (int64_t batch : {1, 64}) {
      cases.push_back({"LSTM", "forward", layout, false, batch});
      cases.push_back({"LSTM", "bidirectional", layout, false, batch});
      cases.push_back({"GRU", "forward", layout, true, batch});
      cases.push_back({"RNN", "forward", layout, false, batch});
    }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Keras, RecurrentKernelChoiceTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return CaseName(info.param); });

// The oneDNN-or-cell choice follows the ISA of the cell's kernels (ops/onednn/rnn_onednn.cc,
// PreferredOverMatmulCell): a large LSTM (H 1024) at batch 64 goes to oneDNN's primitive with
// AVX2 kernels (measured faster on Zen3) and stays on the matmul cell with AVX-512 ones
// (faster on Zen 4); at batch 8 the cell takes it with either.
TEST(RecurrentKernelChoice, FollowsTheIsaMeasurements) {
  if (std::getenv("SEQRT_RNN_ONEDNN_MIN_BATCH") || std::getenv("SEQRT_RNN_ONEDNN_MIN_HIDDEN"))
    GTEST_SKIP() << "the thresholds are overridden in the environment";
  const int64_t T = 2, I = 8, H = 1024, G = 4;
  std::vector<float> w(G * H * I, 0.01f), r(G * H * H, 0.001f);
  testing::ModelBuilder b(13);
  b.Input("X", onnx::TensorProto::FLOAT, {T, -1, I});
  b.Initializer("W", {1, G * H, I}, w);
  b.Initializer("R", {1, G * H, H}, r);
  onnx::NodeProto* node = b.Node("LSTM", {"X", "W", "R"}, {"Y"}, "rec");
  auto* a = node->add_attribute();
  a->set_name("hidden_size");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(H);
  b.Output("Y", onnx::TensorProto::FLOAT, {T, 1, -1, H});
  struct Want { const char* isa; int64_t batch; const char* kernel; };
  for (const Want& want : {Want{"avx2", 64, "onednn_rnn"}, Want{"avx2", 8, "matmul_cell"},
                           Want{"avx512", 64, "matmul_cell"}, Want{"avx512", 8, "matmul_cell"}}) {
    SessionOptions options;
    options.isa = want.isa;
    options.threads = 1;
    absl::StatusOr<Session> session = Session::LoadFromBytes(b.Bytes(), options);
    if (!session.ok() && session.status().message().find("this CPU lacks") != std::string::npos) continue;
    ASSERT_TRUE(session.ok()) << session.status();
    absl::StatusOr<PlanInfo> plan = session->DescribePlan({{"X", Dims{T, want.batch, I}}});
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->isa, want.isa);
    for (const PlannedNode& n : plan->nodes) {
      if (n.op_type == "LSTM") {
        EXPECT_EQ(n.kernel, want.kernel) << want.isa << " batch " << want.batch;
      }
    }
  }
}

}  // namespace
}  // namespace seqrt
