// Training throughput of the built-in trainer: samples/s for one epoch of mini-batch training
// (forward, BPTT, Adam) of RNN(128) → Dense(10), T = 50, batch 32, 32 features, for LSTM, GRU
// (reset_after true and false), SimpleRNN and a Bidirectional LSTM, on each backend
// (auto / onednn / reference) and 1 or 2 threads: the backends side by side in one run are
// what TrainBackend::kAuto's per-layer choice (trainer/recurrent_layer.cc) is based on.
//   seqrt_bench_trainer [--benchmark_filter=lstm128]   (the samples/s column)
#include <cstdint>
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "seqrt/train.h"

namespace {

seqrt::TrainingData RandomData(int64_t n, int64_t t, int64_t f, int64_t classes) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(-1, 1);
  seqrt::Tensor x(seqrt::DType::kFloat, {n, t, f});
  seqrt::Tensor y(seqrt::DType::kInt64, {n});
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = u(gen);
  for (int64_t i = 0; i < n; ++i) y.data_as<int64_t>()[i] = i % classes;
  return *seqrt::MakeTrainingData(std::move(x), std::move(y));
}

// Args: threads, backend (0 auto, 1 onednn, 2 reference).
void BM_TrainEpoch(benchmark::State& state, const char* layers) {
  constexpr int64_t kSamples = 640, kSteps = 50, kFeatures = 32, kClasses = 10;
  const seqrt::TrainingData data = RandomData(kSamples, kSteps, kFeatures, kClasses);
  auto model = seqrt::TrainableModel::Create(kFeatures, *seqrt::ParseLayerList(layers),
                                             seqrt::TargetKind::kClasses, kClasses, 1);
  if (!model.ok()) {
    state.SkipWithError(std::string(model.status().message()).c_str());
    return;
  }
  static constexpr seqrt::TrainBackend kBackends[] = {
      seqrt::TrainBackend::kAuto, seqrt::TrainBackend::kOnednn, seqrt::TrainBackend::kReference};
  static constexpr const char* kNames[] = {"auto", "onednn", "reference"};
  seqrt::TrainOptions opt;
  opt.epochs = 1;
  opt.batch_size = 32;
  opt.threads = static_cast<int>(state.range(0));
  opt.backend = kBackends[state.range(1)];
  state.SetLabel(kNames[state.range(1)]);
  // One untimed epoch: primitive creation (oneDNN JIT) and first-touch allocations.
  if (auto h = model->Fit(data, opt); !h.ok()) {
    state.SkipWithError(std::string(h.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    auto h = model->Fit(data, opt);
    if (!h.ok()) state.SkipWithError(std::string(h.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations() * kSamples);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kSamples), benchmark::Counter::kIsRate);
}

// Backends vary fastest, so each layer's backends sit next to each other in the output.
void Grid(benchmark::internal::Benchmark* b) {
  b->ArgNames({"threads", "backend"});
  for (int threads : {1, 2})
    for (int backend : {0, 1, 2}) b->Args({threads, backend});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_TrainEpoch, lstm128, "lstm:128,dense:10")->Apply(Grid);
BENCHMARK_CAPTURE(BM_TrainEpoch, gru128, "gru:128,dense:10")->Apply(Grid);
BENCHMARK_CAPTURE(BM_TrainEpoch, gru128_v1, "gru-v1:128,dense:10")->Apply(Grid);
BENCHMARK_CAPTURE(BM_TrainEpoch, rnn128, "rnn:128,dense:10")->Apply(Grid);
BENCHMARK_CAPTURE(BM_TrainEpoch, bilstm64, "bilstm:64,dense:10")->Apply(Grid);

}  // namespace

BENCHMARK_MAIN();
