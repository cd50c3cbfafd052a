// The packed_matmul kernel (MatMul / Gemm against constant 2-D weights on seqrt's packed
// GEMM) against a double-precision triple loop written here, over the shapes its code paths
// split on: N a multiple of 16 (written in place) or not (staged), more rows than one staging
// block, K not a multiple of the k step, transB, row biases, and A of rank 1 and 3. Also that
// it declines what it does not handle, so the next kernel in the list takes the node.
#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/onednn/matmul_packed.h"
#include "tests/recurrent_harness.h"

namespace seqrt {
namespace {

using testing::RecurrentCase;

Tensor RandomTensor(std::mt19937& rng, const Dims& dims) {
  Tensor t(DType::kFloat, dims);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

struct Case {
  std::string op;     // "MatMul" or "Gemm"
  Dims a, b;          // A and B as given to the node
  bool trans_b = false;
  std::optional<Dims> c;  // Gemm's C (a row bias)
};

// Y = A · op(B) (+ C) in double from the flattened rows of A.
std::vector<double> Expected(const Case& k, const Tensor& a, const Tensor& b, const Tensor* c) {
  const int64_t K = k.a.back();
  const int64_t N = k.trans_b ? k.b[0] : k.b[1];
  const int64_t M = a.num_elements() / K;
  std::vector<double> y(M * N, 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = c ? c->data_as<float>()[n] : 0.0;
      for (int64_t i = 0; i < K; ++i) {
        const float bv = k.trans_b ? b.data_as<float>()[n * K + i] : b.data_as<float>()[i * N + n];
        s += static_cast<double>(a.data_as<float>()[m * K + i]) * bv;
      }
      y[m * N + n] = s;
    }
  return y;
}

RecurrentCase MakeCase(const Case& k, std::mt19937& rng, bool b_constant = true) {
  RecurrentCase rc;
  rc.node.name = "dense";
  rc.node.op_type = k.op;
  rc.node.opset = 13;
  rc.node.inputs = {1, 2};
  rc.node.outputs = {3};
  if (k.trans_b) rc.node.attrs.Set("transB", int64_t{1});
  rc.inputs = {RandomTensor(rng, k.a), RandomTensor(rng, k.b)};
  rc.constant = {false, b_constant};
  if (k.c) {
    rc.node.inputs.push_back(4);
    rc.inputs.push_back(RandomTensor(rng, *k.c));
    rc.constant.push_back(true);
  }
  return rc;
}

TEST(PackedMatMul, MatchesDoublePrecisionProduct) {
  const std::vector<Case> cases = {
      {"MatMul", {1, 256}, {256, 12}},          // the kws heads at batch 1: staged, one row
      {"MatMul", {64, 256}, {256, 12}},         // batch 64
      {"MatMul", {300, 37}, {37, 20}},          // > one staging block, K % 4 != 0
      {"MatMul", {13, 40}, {40, 32}},           // N a multiple of 16: written in place
      {"MatMul", {7}, {7, 5}},                  // rank-1 A
      {"MatMul", {2, 9, 33}, {33, 17}},         // rank-3 A flattens into rows
      {"Gemm", {5, 19}, {19, 48}},              // no C
      {"Gemm", {6, 64}, {10, 64}, true, Dims{10}},       // transB, bias [N]
      {"Gemm", {257, 3}, {3, 7}, false, Dims{1, 7}},     // bias [1, N], staged twice
  };
  std::mt19937 rng(7);
  for (const Case& k : cases) {
    SCOPED_TRACE(absl::StrCat(k.op, " A", DimsToString(k.a), " B", DimsToString(k.b), k.trans_b ? " transB" : ""));
    RecurrentCase rc = MakeCase(k, rng);
    const ops::KernelFactory factory = k.op == "MatMul" ? &ops::MakePackedMatMul : &ops::MakePackedGemm;
    auto run = testing::RunRecurrentKernel(factory, rc);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->kernel_name, "packed_matmul");
    const Tensor& y = *run->outputs[0];
    const std::vector<double> want =
        Expected(k, *rc.inputs[0], *rc.inputs[1], rc.inputs.size() > 2 ? &*rc.inputs[2] : nullptr);
    ASSERT_EQ(y.num_elements(), static_cast<int64_t>(want.size()));
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(y.data_as<float>()[i], want[i], 1e-5 + 1e-5 * std::fabs(want[i])) << "element " << i;
  }
}

TEST(PackedMatMul, DeclinesWhatItDoesNotHandle) {
  std::mt19937 rng(3);
  auto declines = [&](RecurrentCase rc, ops::KernelFactory factory) {
    auto run = testing::RunRecurrentKernel(factory, rc);
    return !run.ok() && absl::IsUnimplemented(run.status());
  };
  EXPECT_TRUE(declines(MakeCase({"MatMul", {4, 8}, {8, 3}}, rng, /*b_constant=*/false), &ops::MakePackedMatMul));
  EXPECT_TRUE(declines(MakeCase({"MatMul", {2, 4, 8}, {2, 8, 3}}, rng), &ops::MakePackedMatMul));  // batched B
  RecurrentCase alpha = MakeCase({"Gemm", {4, 8}, {8, 3}}, rng);
  alpha.node.attrs.Set("alpha", 0.5f);
  EXPECT_TRUE(declines(alpha, &ops::MakePackedGemm));
  EXPECT_TRUE(declines(MakeCase({"Gemm", {4, 8}, {8, 3}, false, Dims{4, 3}}, rng), &ops::MakePackedGemm));  // full C
  // A big product with 20 of 32 computed columns used (oneDNN measured faster), but not 32 of 32.
  EXPECT_TRUE(declines(MakeCase({"MatMul", {2048, 128}, {128, 20}}, rng), &ops::MakePackedMatMul));
  EXPECT_FALSE(declines(MakeCase({"MatMul", {2048, 128}, {128, 32}}, rng), &ops::MakePackedMatMul));
}

}  // namespace
}  // namespace seqrt
