// matmul_cell at batch 1 with several threads: a one-directional layer on the two-step path
// splits its unit blocks over the threads (RunDirectionUnitSplit), which pace each other
// through progress counters. Every case here is compared with the reference kernel (one
// thread) within the differential test's tolerance: RNN, GRU with both linear_before_reset
// values, LSTM with and without peepholes; forward, reverse and bidirectional (the latter two
// cells and bidirectional layers take the other paths, which must stay right at 2 threads);
// full and short sequence_lens; both layouts; T across several projection chunks; hidden
// sizes split evenly and unevenly (3 blocks over 2 workers, 5 over 3).
#include <cmath>
#include <cstdlib>
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

constexpr double kTol = 1e-5;  // as tests/recurrent_differential_test.cc

// Sets an environment variable for one scope (the kernel reads it in Prepare).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    if (old) old_ = old;
    had_ = old != nullptr;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, old_.c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

Tensor Uniform(std::mt19937& gen, const Dims& dims, double scale) {
  Tensor t(DType::kFloat, dims);
  std::uniform_real_distribution<double> u(-scale, scale);
  for (int64_t k = 0; k < t.num_elements(); ++k) t.data_as<float>()[k] = static_cast<float>(u(gen));
  return t;
}

struct Config {
  std::string op;  // RNN, GRU, LSTM
  int lbr = 0;     // GRU linear_before_reset
  bool peepholes = false;
  std::string direction;
  int64_t T, I, H;
  int layout = 0;
  int32_t len = -1;  // sequence_lens[0], or -1 for no sequence_lens input
  bool initial_state = true;
};

std::string Describe(const Config& c) {
  return absl::StrCat(c.op, c.op == "GRU" ? absl::StrCat(" lbr=", c.lbr) : "", c.peepholes ? " peepholes" : "",
                      " ", c.direction, " T=", c.T, " I=", c.I, " H=", c.H, " layout=", c.layout,
                      c.len >= 0 ? absl::StrCat(" len=", c.len) : "", c.initial_state ? " initial state" : "");
}

RecurrentCase MakeCase(const Config& cfg, uint32_t seed) {
  std::mt19937 gen(seed);
  const int64_t D = cfg.direction == "bidirectional" ? 2 : 1;
  const int64_t G = cfg.op == "RNN" ? 1 : cfg.op == "GRU" ? 3 : 4;
  const int64_t N = 1, T = cfg.T, I = cfg.I, H = cfg.H;
  RecurrentCase c;
  graph::Node& n = c.node;
  n.name = "rec";
  n.op_type = cfg.op;
  n.opset = 14;
  n.attrs.Set("direction", cfg.direction);
  n.attrs.Set("hidden_size", H);
  if (cfg.layout) n.attrs.Set("layout", int64_t{1});
  if (cfg.op == "GRU") n.attrs.Set("linear_before_reset", int64_t{cfg.lbr});
  const Dims state_dims = cfg.layout ? Dims{N, D, H} : Dims{D, N, H};
  c.inputs.resize(cfg.op == "LSTM" ? 8 : 6);
  c.inputs[ops::kRecX] = Uniform(gen, cfg.layout ? Dims{N, T, I} : Dims{T, N, I}, 1.0);
  c.inputs[ops::kRecW] = Uniform(gen, {D, G * H, I}, 1.0 / std::sqrt(double(I)));
  c.inputs[ops::kRecR] = Uniform(gen, {D, G * H, H}, 1.0 / std::sqrt(double(H)));
  c.inputs[ops::kRecB] = Uniform(gen, {D, 2 * G * H}, 0.5);
  if (cfg.len >= 0) {
    Tensor lens(DType::kInt32, {N});
    lens.data_as<int32_t>()[0] = cfg.len;
    c.inputs[ops::kRecSequenceLens] = std::move(lens);
  }
  if (cfg.initial_state) {
    c.inputs[ops::kRecInitialH] = Uniform(gen, state_dims, 1.0);
    if (cfg.op == "LSTM") c.inputs[ops::kRecInitialC] = Uniform(gen, state_dims, 1.0);
  }
  if (cfg.peepholes) c.inputs[ops::kRecP] = Uniform(gen, {D, 3 * H}, 0.5);
  while (!c.inputs.back()) c.inputs.pop_back();
  for (size_t i = 0; i < c.inputs.size(); ++i) n.inputs.push_back(c.inputs[i] ? static_cast<int>(i) : graph::kNoValue);
  // Weights and lengths are initializers, as in real models: the two-step path needs them constant.
  c.constant.assign(c.inputs.size(), false);
  for (int i : {ops::kRecW, ops::kRecR, ops::kRecB, ops::kRecP, ops::kRecSequenceLens})
    if (i < static_cast<int>(c.inputs.size())) c.constant[i] = true;
  const int outputs = cfg.op == "LSTM" ? 3 : 2;
  for (int o = 0; o < outputs; ++o) n.outputs.push_back(100 + o);
  return c;
}

// matmul_cell at `threads` threads against the reference, on every output.
void ExpectMatchesReference(const Config& cfg, uint32_t seed, int threads) {
  const RecurrentCase c = MakeCase(cfg, seed);
  const std::string what = absl::StrCat(Describe(cfg), ", ", threads, " thread(s)");
  auto ref = RunRecurrentKernel(&ops::MakeReferenceRecurrentKernel, c);
  ASSERT_TRUE(ref.ok()) << what << ": reference failed: " << ref.status();
  auto fast = RunRecurrentKernel(&ops::MakeMatmulCellRnnKernel, c, threads);
  ASSERT_TRUE(fast.ok()) << what << ": matmul_cell failed: " << fast.status();
  for (size_t o = 0; o < ref->outputs.size(); ++o) {
    if (!ref->outputs[o]) continue;
    ASSERT_TRUE(fast->outputs[o].has_value()) << what << ", output " << o;
    const std::string why = CompareRecurrentOutput(*fast->outputs[o], *ref->outputs[o], kTol, kTol);
    EXPECT_TRUE(why.empty()) << what << ", output " << o << ": " << why;
  }
}

struct Cell {
  std::string op;
  int lbr;
  bool peepholes;
};
const Cell kCells[] = {{"RNN", 0, false}, {"GRU", 0, false}, {"GRU", 1, false}, {"LSTM", 0, false}, {"LSTM", 0, true}};

// Every cell x direction x (no lengths, full length, short length), small hidden sizes with
// the split forced on (by default it runs only for recurrent weights from 512 KiB on).
TEST(RecurrentUnitSplit, MatchesReferenceAtTwoThreads) {
  ScopedEnv force("SEQRT_RNN_UNIT_SPLIT", "1");
  uint32_t seed = 20261204;
  for (const Cell& cell : kCells) {
    for (const char* direction : {"forward", "reverse", "bidirectional"}) {
      for (int32_t len : {-1, 70, 41, 1, 0}) {
        for (int64_t H : {64, 96}) {
          Config cfg{cell.op, cell.lbr, cell.peepholes, direction, 70, 24, H};
          cfg.len = len;
          cfg.layout = (seed & 1) != 0;
          cfg.initial_state = (seed & 2) != 0;
          ExpectMatchesReference(cfg, seed++, 2);
        }
      }
    }
  }
}

// Odd and even T around the sweep parity and the projection chunk (32 steps), T = 1 and 2.
TEST(RecurrentUnitSplit, MatchesReferenceAcrossSequenceLengths) {
  ScopedEnv force("SEQRT_RNN_UNIT_SPLIT", "1");
  uint32_t seed = 20261205;
  for (int64_t T : {1, 2, 3, 31, 32, 33, 64, 65}) {
    for (const Cell& cell : {kCells[0], kCells[2], kCells[4]}) {
      Config cfg{cell.op, cell.lbr, cell.peepholes, seed & 1 ? "reverse" : "forward", T, 17, 128};
      cfg.initial_state = (seed & 2) != 0;
      ExpectMatchesReference(cfg, seed++, 2);
    }
  }
}

// Uneven splits and more workers than cores: 5 blocks over 3 workers (sizes 1, 2, 2 with an
// idle position), 3 blocks over 3 (one each), 2 blocks at 3 threads (capped to 2 workers).
TEST(RecurrentUnitSplit, MatchesReferenceAtThreeThreads) {
  ScopedEnv force("SEQRT_RNN_UNIT_SPLIT", "1");
  uint32_t seed = 20261206;
  for (int64_t H : {160, 96, 64}) {
    for (const Cell& cell : {kCells[0], kCells[2], kCells[4]}) {
      Config cfg{cell.op, cell.lbr, cell.peepholes, seed & 1 ? "reverse" : "forward", 45, 9, H};
      cfg.len = seed & 2 ? 38 : -1;
      ExpectMatchesReference(cfg, seed++, 3);
    }
  }
}

// Without an override: LSTM(256) and GRU(256) (1 MiB and 768 KiB of recurrent weights, the
// bench models' sizes) take the split by default.
TEST(RecurrentUnitSplit, MatchesReferenceWithDefaultChoice) {
  uint32_t seed = 20261207;
  for (const Cell& cell : {kCells[3], kCells[2]}) {
    Config cfg{cell.op, cell.lbr, cell.peepholes, "forward", 40, 32, 256};
    ExpectMatchesReference(cfg, seed++, 2);
  }
}

}  // namespace
}  // namespace seqrt::testing
