// Fast RNN / GRU / LSTM kernels against the reference kernel, on seeded random
// configurations: each kernel object is built from its own factory on the same graph::Node,
// prepared with the same PrepareContext and run on the same inputs (tests/recurrent_harness.h),
// so the planner's choice never hides a kernel. Every fast kernel must either decline
// (Unimplemented from Prepare) or match the reference within 1e-5 + 1e-5*|reference|, and
// must accept at least 100 configurations (so a kernel that declines everything fails).
#include <cmath>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/reference/rnn_reference.h"
#include "tests/recurrent_harness.h"

namespace seqrt::testing {
namespace {

constexpr int kConfigs = 320;
constexpr double kTol = 1e-5;

struct FastKernel {
  const char* label;
  ops::KernelFactory factory;
};
// Plug every fast recurrent kernel in here.
const FastKernel kFastKernels[] = {
    {"onednn_rnn", &ops::MakeOnednnRnnKernel},
    // Long sequences run in chunks with the states handed on; 3 steps per chunk (or the
    // largest divisor of T below it) puts every T > 3 of these configurations through it.
    {"onednn_rnn in chunks",
     [](const graph::Node& node) { return ops::MakeOnednnRnnKernelInChunks(node, 3); }},
    {"matmul_cell", &ops::MakeMatmulCellRnnKernel},
};

class Random {
 public:
  explicit Random(uint32_t seed) : gen_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }  // [lo, hi]
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen_); }
  bool Chance(double p) { return Uniform(0, 1) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Int(0, static_cast<int>(v.size()) - 1)]; }

 private:
  std::mt19937 gen_;
};

Tensor RandomTensor(Random& rng, DType dtype, const Dims& dims, double scale) {
  Tensor t(dtype, dims);
  for (int64_t k = 0; k < t.num_elements(); ++k) {
    const double v = rng.Uniform(-scale, scale);
    if (dtype == DType::kDouble) t.data_as<double>()[k] = v;
    else t.data_as<float>()[k] = static_cast<float>(v);
  }
  return t;
}

Tensor ToDouble(const Tensor& t) {
  if (t.dtype() != DType::kFloat) return t;
  Tensor d(DType::kDouble, t.dims());
  for (int64_t k = 0; k < t.num_elements(); ++k) d.data_as<double>()[k] = t.data_as<float>()[k];
  return d;
}

struct ActivationChoice {
  std::string name;
  double alpha_lo, alpha_hi, beta_lo, beta_hi;  // hi < lo: the function takes no such parameter
};
const std::vector<ActivationChoice> kActivationChoices = {
    {"Relu", 1, 0, 1, 0},          {"Tanh", 1, 0, 1, 0},          {"Sigmoid", 1, 0, 1, 0},
    {"Affine", 0.5, 1.2, -0.5, 0.5}, {"LeakyRelu", 0.01, 0.5, 1, 0}, {"ThresholdedRelu", 0, 1, 1, 0},
    {"ScaledTanh", 0.5, 1.5, 0.5, 2}, {"HardSigmoid", 0.1, 0.5, 0.3, 0.7}, {"Elu", 0.5, 1.5, 1, 0},
    {"Softsign", 1, 0, 1, 0},      {"Softplus", 1, 0, 1, 0},
};

// A random node and inputs. About 60% are "plain" (float32, constant weights, default
// activations, no clip / input_forget / short rows): what oneDNN can express.
// Batch sizes are drawn from [min_batch, max_batch].
// T is drawn from [1, max_time].
RecurrentCase RandomCase(Random& rng, std::string* summary, int64_t min_batch = 1, int64_t max_batch = 7,
                         const std::vector<int64_t>& hidden_sizes = {}, int64_t max_time = 20) {
  const std::string op = rng.Pick<std::string>({"RNN", "GRU", "LSTM"});
  const std::string direction = rng.Pick<std::string>({"forward", "reverse", "bidirectional"});
  const bool plain = rng.Chance(0.6);
  const int D = direction == "bidirectional" ? 2 : 1;
  const int G = op == "RNN" ? 1 : op == "GRU" ? 3 : 4;
  const int per_dir = op == "RNN" ? 1 : op == "GRU" ? 2 : 3;
  const int64_t N = rng.Int(min_batch, max_batch), T = rng.Int(1, static_cast<int>(max_time)), I = rng.Int(1, 64);
  const int64_t H = hidden_sizes.empty() ? rng.Int(1, 64) : rng.Pick<int64_t>(hidden_sizes);
  const int layout = rng.Chance(0.4) ? 1 : 0;
  const DType dtype = !plain && rng.Chance(0.2) ? DType::kDouble : DType::kFloat;

  RecurrentCase c;
  graph::Node& n = c.node;
  n.name = "rec";
  n.op_type = op;
  n.opset = layout ? 14 : rng.Pick<int64_t>({7, 14, 17});
  n.attrs.Set("direction", direction);
  if (rng.Chance(0.85)) n.attrs.Set("hidden_size", H);
  if (layout) n.attrs.Set("layout", int64_t{1});
  if (op == "GRU") n.attrs.Set("linear_before_reset", int64_t{rng.Chance(0.5)});
  if (op == "RNN" && plain && rng.Chance(0.4))
    n.attrs.Set("activations", std::vector<std::string>(D, rng.Pick<std::string>({"Relu", "Sigmoid", "Tanh"})));
  if (!plain) {
    if (rng.Chance(0.6)) {
      std::vector<std::string> names;
      std::vector<float> alphas, betas;
      for (int k = 0; k < per_dir * D; ++k) {
        const ActivationChoice& a = rng.Pick(kActivationChoices);
        names.push_back(a.name);
        if (a.alpha_lo <= a.alpha_hi) alphas.push_back(static_cast<float>(rng.Uniform(a.alpha_lo, a.alpha_hi)));
        if (a.beta_lo <= a.beta_hi) betas.push_back(static_cast<float>(rng.Uniform(a.beta_lo, a.beta_hi)));
      }
      n.attrs.Set("activations", names);
      if (!alphas.empty()) n.attrs.Set("activation_alpha", alphas);
      if (!betas.empty()) n.attrs.Set("activation_beta", betas);
    }
    if (rng.Chance(0.35)) n.attrs.Set("clip", static_cast<float>(rng.Uniform(0.3, 5)));
    if (op == "LSTM" && rng.Chance(0.3)) n.attrs.Set("input_forget", int64_t{1});
  }

  const Dims x_dims = layout ? Dims{N, T, I} : Dims{T, N, I};
  const Dims state_dims = layout ? Dims{N, D, H} : Dims{D, N, H};
  c.inputs.resize(op == "LSTM" ? 8 : 6);
  c.inputs[ops::kRecX] = RandomTensor(rng, dtype, x_dims, 1.0);
  c.inputs[ops::kRecW] = RandomTensor(rng, dtype, {D, G * H, I}, 1.0 / std::sqrt(double(I)));
  c.inputs[ops::kRecR] = RandomTensor(rng, dtype, {D, G * H, H}, 1.0 / std::sqrt(double(H)));
  if (rng.Chance(0.75)) c.inputs[ops::kRecB] = RandomTensor(rng, dtype, {D, 2 * G * H}, 0.5);
  if (rng.Chance(0.3)) {
    // Plain configs list full lengths (still expressible); others have short rows.
    Tensor lens(DType::kInt32, {N});
    for (int64_t k = 0; k < N; ++k) lens.data_as<int32_t>()[k] = plain ? T : rng.Int(0, T);
    c.inputs[ops::kRecSequenceLens] = std::move(lens);
  }
  if (rng.Chance(0.5)) c.inputs[ops::kRecInitialH] = RandomTensor(rng, dtype, state_dims, 1.0);
  if (op == "LSTM" && rng.Chance(0.5)) c.inputs[ops::kRecInitialC] = RandomTensor(rng, dtype, state_dims, 1.0);
  if (op == "LSTM" && rng.Chance(0.4)) c.inputs[ops::kRecP] = RandomTensor(rng, dtype, {D, 3 * H}, 0.5);
  while (!c.inputs.empty() && !c.inputs.back()) c.inputs.pop_back();
  for (size_t i = 0; i < c.inputs.size(); ++i) n.inputs.push_back(c.inputs[i] ? static_cast<int>(i) : graph::kNoValue);

  // Weights (and constant lengths) are initializers in real models; sometimes they are not.
  const bool constant_weights = plain || rng.Chance(0.7);
  c.constant.assign(c.inputs.size(), false);
  for (int i : {ops::kRecW, ops::kRecR, ops::kRecB, ops::kRecP, ops::kRecSequenceLens})
    if (i < static_cast<int>(c.inputs.size())) c.constant[i] = constant_weights;

  const int num_outputs = op == "LSTM" ? 3 : 2;
  bool any = false;
  for (int o = 0; o < num_outputs; ++o) {
    const bool present = plain ? true : rng.Chance(0.7);
    n.outputs.push_back(present ? 100 + o : graph::kNoValue);
    any |= present;
  }
  if (!any) n.outputs[0] = 100;

  *summary = absl::StrCat(op, " ", direction, " layout=", layout, " N=", N, " T=", T, " I=", I, " H=", H,
                          " ", std::string(DTypeName(dtype)), plain ? " plain" : " exotic",
                          constant_weights ? "" : " non-constant-weights");
  for (const auto& [name, value] : n.attrs.all()) {
    if (name == "clip" || name == "input_forget" || name == "activations") absl::StrAppend(summary, " ", name);
  }
  return c;
}

// True when float32 rounding alone cannot decide the result: the reference in float32 and
// in float64 agree well inside the tolerance (rejects ThresholdedRelu on its threshold, and
// states that blow up).
bool WellConditioned(const RecurrentCase& c, const KernelRun& ref32) {
  if (c.inputs[ops::kRecX]->dtype() != DType::kFloat) return true;
  RecurrentCase c64 = c;
  for (auto& t : c64.inputs)
    if (t) t = ToDouble(*t);
  auto ref64 = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c64);
  if (!ref64.ok()) return false;
  for (size_t o = 0; o < ref32.outputs.size(); ++o) {
    if (!ref32.outputs[o]) continue;
    const Tensor& want = *ref64->outputs[o];
    for (int64_t k = 0; k < want.num_elements(); ++k)
      if (!(std::fabs(want.data_as<double>()[k]) < 1e4)) return false;
    if (!CompareRecurrentOutput(ToDouble(*ref32.outputs[o]), want, 2e-6, 2e-6).empty()) return false;
  }
  return true;
}

// Compares every fast kernel, planned for `threads` threads, with the reference (one thread)
// on `configs` well-conditioned random cases; each fast kernel must accept at least
// `min_accepted` of them.
void CompareFastKernelsWithReference(uint64_t seed, int configs, int min_accepted, int64_t min_batch,
                                     int64_t max_batch, const std::vector<int64_t>& hidden_sizes = {},
                                     int threads = 1, int64_t max_time = 20) {
  Random rng(seed);
  std::vector<int> accepted(std::size(kFastKernels), 0);
  int compared = 0, rejected = 0;
  while (compared < configs) {
    std::string summary;
    const RecurrentCase c = RandomCase(rng, &summary, min_batch, max_batch, hidden_sizes, max_time);
    auto ref = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c);
    ASSERT_TRUE(ref.ok()) << summary << ": reference failed: " << ref.status();
    if (!WellConditioned(c, *ref)) {
      ++rejected;
      continue;
    }
    ++compared;
    for (size_t k = 0; k < std::size(kFastKernels); ++k) {
      auto fast = RunRecurrentKernel(kFastKernels[k].factory, c, threads);
      if (!fast.ok()) {
        EXPECT_TRUE(absl::IsUnimplemented(fast.status()))
            << kFastKernels[k].label << " on " << summary << ": " << fast.status();
        continue;
      }
      ++accepted[k];
      for (size_t o = 0; o < ref->outputs.size(); ++o) {
        if (!ref->outputs[o]) continue;
        ASSERT_TRUE(fast->outputs[o].has_value()) << kFastKernels[k].label << " on " << summary;
        const std::string why = CompareRecurrentOutput(*fast->outputs[o], *ref->outputs[o], kTol, kTol);
        EXPECT_TRUE(why.empty()) << kFastKernels[k].label << " (" << fast->kernel_name << ") on " << summary
                                 << ", output " << o << ": " << why;
      }
    }
  }
  for (size_t k = 0; k < std::size(kFastKernels); ++k) {
    std::cout << "[ recurrent ] batch " << min_batch << ".." << max_batch << ", T <= " << max_time << ", "
              << threads << " thread(s): " << kFastKernels[k].label
              << " accepted " << accepted[k] << " of " << compared << " configurations (" << rejected
              << " ill-conditioned draws skipped)\n";
    EXPECT_GE(accepted[k], min_accepted) << kFastKernels[k].label << " declined too many configurations";
  }
}

TEST(RecurrentDifferential, FastKernelsMatchReference) {
  CompareFastKernelsWithReference(20240611, kConfigs, 100, 1, 7);
}

// Large batches take other code paths in the fast kernels (matmul_cell projects the input per
// step from batch 16 on).
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtLargeBatch) {
  CompareFastKernelsWithReference(20261127, 60, 20, 16, 40);
}

// Batch 1 with hidden sizes of two or more 32-unit blocks: matmul_cell's two-step path
// (RunDirectionTwoSteps), over both sweep directions, odd and even T, T = 1 and 2.
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtBatchOneWithUnitBlocks) {
  CompareFastKernelsWithReference(20261128, 60, 20, 1, 1, {64, 96, 128});
}

// Two threads: matmul_cell splits batch rows from batch 4 (uneven at odd batches: 5 rows as
// 2 + 3) and otherwise runs a bidirectional layer's directions on separate threads.
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtTwoThreads) {
  CompareFastKernelsWithReference(20261203, 120, 40, 2, 7, {}, /*threads=*/2);
}
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtTwoThreadsUnevenBatches) {
  CompareFastKernelsWithReference(20261204, 60, 20, 3, 5, {}, /*threads=*/2);
}
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtTwoThreadsLargeBatch) {
  CompareFastKernelsWithReference(20261205, 40, 12, 17, 33, {}, /*threads=*/2);
}
TEST(RecurrentDifferential, FastKernelsMatchReferenceAtTwoThreadsBatchOneWithUnitBlocks) {
  CompareFastKernelsWithReference(20261206, 40, 12, 1, 1, {64, 96}, /*threads=*/2, /*max_time=*/80);
}

// Sequences longer than matmul_cell's 32-step projection chunk, ending mid-chunk, forward
// and reverse, with short rows, at 1 and 2 threads.
TEST(RecurrentDifferential, FastKernelsMatchReferenceOverSeveralProjectionChunks) {
  CompareFastKernelsWithReference(20261207, 60, 20, 1, 5, {}, /*threads=*/1, /*max_time=*/100);
  CompareFastKernelsWithReference(20261208, 60, 20, 1, 5, {}, /*threads=*/2, /*max_time=*/100);
}

// Bad lengths reach Compute when sequence_lens is not a constant: every kernel that accepts
// the node must refuse them with InvalidArgument, never read out of bounds.
TEST(RecurrentDifferential, FastKernelsRefuseBadSequenceLens) {
  for (int32_t bad : {5, -1}) {
    Random rng(7);
    RecurrentCase c;
    c.node.name = "lstm_1";
    c.node.op_type = "LSTM";
    c.node.opset = 14;
    c.node.attrs.Set("hidden_size", int64_t{5});
    c.node.inputs = {0, 1, 2, graph::kNoValue, 4};
    c.node.outputs = {5, 6, 7};
    c.inputs = {RandomTensor(rng, DType::kFloat, {4, 2, 3}, 1), RandomTensor(rng, DType::kFloat, {1, 20, 3}, 1),
                RandomTensor(rng, DType::kFloat, {1, 20, 5}, 1), std::nullopt, Tensor(DType::kInt32, {2})};
    c.inputs[4]->data_as<int32_t>()[0] = 2;
    c.inputs[4]->data_as<int32_t>()[1] = bad;
    c.constant = {false, true, true, false, false};
    for (const FastKernel& k : kFastKernels) {
      auto run = RunRecurrentKernel(k.factory, c);
      ASSERT_FALSE(run.ok()) << k.label << " accepted sequence_lens " << bad;
      EXPECT_TRUE(absl::IsUnimplemented(run.status()) || absl::IsInvalidArgument(run.status()))
          << k.label << ": " << run.status();
    }
  }
}

}  // namespace
}  // namespace seqrt::testing
