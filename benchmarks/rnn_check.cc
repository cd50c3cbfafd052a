// Quick differential check of the fast recurrent kernels against the reference kernel over
// seeded random configurations (the thorough one is tests/recurrent_differential_test.cc).
// Usage: seqrt_rnn_check [configs=300] [seed=1]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "benchmarks/rnn_harness.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/reference/rnn_reference.h"

using seqrt::bench::RnnConfig;
using seqrt::bench::RnnHarness;

namespace {

RnnConfig RandomConfig(std::mt19937& rng, uint32_t seed) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  RnnConfig c;
  const char* ops[] = {"RNN", "GRU", "LSTM"};
  c.op = ops[pick(3)];
  c.T = 1 + pick(20);
  c.N = 1 + pick(7);
  c.I = 1 + pick(64);
  c.H = 1 + pick(64);
  const char* dirs[] = {"forward", "reverse", "bidirectional"};
  c.direction = dirs[pick(3)];
  c.layout = pick(2);
  c.linear_before_reset = pick(2);
  c.bias = pick(4) != 0;
  c.peephole = pick(2);
  c.init_h = pick(2);
  c.init_c = pick(2);
  c.y = pick(4) != 0;
  c.yh = pick(2);
  c.yc = pick(2);
  c.const_weights = pick(4) != 0;
  c.seed = seed;
  if (pick(3) == 0) {
    c.seq_lens.resize(c.N);
    for (auto& v : c.seq_lens) v = pick(4) == 0 ? static_cast<int32_t>(c.T) : pick(static_cast<int>(c.T) + 1);
  }
  if (pick(4) == 0) c.clip = 0.1f + 2.f * (rng() % 1000) / 1000.f;
  if (c.op == "LSTM" && pick(4) == 0) c.input_forget = true;
  if (pick(3) == 0) {
    const char* acts[] = {"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu",
                          "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"};
    const int per = c.op == "RNN" ? 1 : c.op == "GRU" ? 2 : 3;
    for (int i = 0; i < per * c.dirs(); ++i) c.activations.push_back(acts[pick(11)]);
  }
  return c;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + ",";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const int configs = argc > 1 ? std::atoi(argv[1]) : 300;
  const uint32_t seed0 = argc > 2 ? std::atoi(argv[2]) : 1;
  std::mt19937 rng(seed0);
  struct Fast {
    const char* name;
    seqrt::ops::KernelFactory factory;
    int accepted = 0, failed = 0;
  } fast[] = {{"onednn_rnn", seqrt::ops::MakeOnednnRnnKernel},
              {"matmul_cell", seqrt::ops::MakeMatmulCellRnnKernel}};
  for (int k = 0; k < configs; ++k) {
    const RnnConfig c = RandomConfig(rng, seed0 * 100000 + k);
    RnnHarness ref(c);
    absl::Status s = ref.Prepare(seqrt::ops::MakeReferenceRecurrentKernel);
    if (s.ok()) s = ref.Run();
    if (!s.ok()) {
      std::printf("config %d: reference failed: %s [%s]\n", k, std::string(s.message()).c_str(), Join(c.activations).c_str());
      continue;
    }
    for (Fast& f : fast) {
      RnnHarness h(c);
      s = h.Prepare(f.factory);
      if (absl::IsUnimplemented(s)) continue;
      if (s.ok()) s = h.Run();
      if (!s.ok()) {
        std::printf("config %d %s: error %s\n", k, f.name, std::string(s.message()).c_str());
        ++f.failed;
        continue;
      }
      ++f.accepted;
      double worst = 0;
      int where_o = -1;
      int64_t where_e = -1;
      for (int o = 0; o < 3; ++o) {
        const auto& a = h.outputs()[o];
        const auto& b = ref.outputs()[o];
        if (a.raw_data() == nullptr || b.raw_data() == nullptr) continue;
        for (int64_t e = 0; e < a.num_elements(); ++e) {
          const float x = a.data_as<float>()[e], y = b.data_as<float>()[e];
          const double excess = std::abs(x - y) - (1e-5 + 1e-5 * std::abs(y));
          if (std::isnan(x) && std::isnan(y)) continue;
          if (!(excess <= worst) || std::isnan(x) != std::isnan(y)) {
            worst = std::isnan(excess) ? 1e9 : excess;
            where_o = o;
            where_e = e;
          }
        }
      }
      if (worst > 0) {
        ++f.failed;
        std::printf("config %d %s MISMATCH out %d elem %lld: %g vs %g | op=%s T=%lld N=%lld I=%lld H=%lld dir=%s layout=%d lbr=%d clip=%d if=%d seq=%d acts=%s peep=%d\n",
                    k, f.name, where_o, (long long)where_e, h.outputs()[where_o].data_as<float>()[where_e],
                    ref.outputs()[where_o].data_as<float>()[where_e], c.op.c_str(), (long long)c.T,
                    (long long)c.N, (long long)c.I, (long long)c.H, c.direction.c_str(), c.layout,
                    c.linear_before_reset, c.clip.has_value(), c.input_forget, !c.seq_lens.empty(),
                    Join(c.activations).c_str(), c.peephole);
      }
    }
  }
  int bad = 0;
  for (const Fast& f : fast) {
    std::printf("%s: accepted %d of %d, failed %d\n", f.name, f.accepted, configs, f.failed);
    bad += f.failed;
  }
  return bad == 0 ? 0 : 1;
}
