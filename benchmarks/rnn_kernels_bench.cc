// Each recurrent kernel on the same inputs: cells LSTM / GRU(linear_before_reset=1) / tanh
// RNN, batch 1 and 64, T = 100, hidden 128 / 256 / 1024 (input size = hidden), plus the
// layer shapes of the bench models (kws_*: I=40 H=256). One thread (OMP_NUM_THREADS=1 is
// forced) unless SEQRT_BENCH_THREADS says otherwise. A kernel that declines is skipped.
// Results and the crossover they justify: benchmarks/RESULTS.md.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <string>

#include "benchmarks/rnn_harness.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/reference/rnn_reference.h"

namespace {

using seqrt::bench::RnnConfig;
using seqrt::bench::RnnHarness;

struct KernelChoice {
  const char* name;
  seqrt::ops::KernelFactory factory;
};
const KernelChoice kKernels[] = {{"onednn_rnn", seqrt::ops::MakeOnednnRnnKernel},
                                 {"matmul_cell", seqrt::ops::MakeMatmulCellRnnKernel},
                                 {"reference", seqrt::ops::MakeReferenceRecurrentKernel}};

int Threads() {
  const char* t = std::getenv("SEQRT_BENCH_THREADS");
  return t ? std::atoi(t) : 1;
}

void RunCase(benchmark::State& state, RnnConfig c, seqrt::ops::KernelFactory factory) {
  c.threads = Threads();
  RnnHarness h(c);
  absl::Status s = h.Prepare(factory);
  if (!s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  for (auto _ : state) {
    s = h.Run();
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
  }
  const double flops = 2.0 * c.dirs() * c.gates() * c.H * (c.I + c.H) * c.T * c.N;
  state.counters["GFLOP/s"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void RegisterAll() {
  struct Cell {
    const char* label;
    const char* op;
    bool lbr;
    const char* direction;
  } cells[] = {{"LSTM", "LSTM", false, "forward"},
               {"GRUlbr", "GRU", true, "forward"},
               {"RNN", "RNN", false, "forward"},
               {"BiLSTM", "LSTM", false, "bidirectional"}};
  struct Shape {
    int64_t n, i, h;
  } shapes[] = {{1, 128, 128}, {1, 256, 256}, {1, 1024, 1024}, {64, 128, 128}, {64, 256, 256},
                {64, 1024, 1024}, {1, 40, 256}, {64, 40, 256}, {1, 512, 1024}, {64, 512, 1024},
                {1, 64, 128}, {64, 64, 128}, {1, 26, 128}, {64, 26, 128}};
  for (const Cell& cell : cells)
    for (const Shape& sh : shapes)
      for (const KernelChoice& k : kKernels) {
        const double work = double(sh.n) * sh.h * (sh.i + sh.h);
        // The reference kernel is the oracle, not a contender: only time it where it is quick.
        if (std::string(k.name) == "reference" && work > 1e6) continue;
        RnnConfig c;
        c.op = cell.op;
        c.linear_before_reset = cell.lbr;
        c.direction = cell.direction;
        c.T = 100;
        c.N = sh.n;
        c.I = sh.i;
        c.H = sh.h;
        c.y = true;
        c.yh = c.yc = true;
        const std::string name = std::string(cell.label) + "/N" + std::to_string(sh.n) + "/I" +
                                 std::to_string(sh.i) + "/H" + std::to_string(sh.h) + "/" + k.name;
        benchmark::RegisterBenchmark(name.c_str(), RunCase, c, k.factory)
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.3);
      }
}

}  // namespace

int main(int argc, char** argv) {
  omp_set_num_threads(Threads());
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
