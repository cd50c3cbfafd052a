// `seqrt perf MODEL`: latency and memory the way onnxruntime_perf_test reports them.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "seqrt/session.h"
#include "tools/cli_common.h"
#include "tools/commands.h"
#include "tools/perf_varied.h"
#include "tools/stream_cli.h"

namespace seqrt::tools {
namespace {

constexpr char kCommand[] = "perf";
constexpr int64_t kDefaultRuns = 100;
// A progress line appears only once the measured runs have lasted this long.
constexpr double kProgressAfterSeconds = 2.0;

std::string Usage() {
  return absl::StrCat(
      "usage: seqrt perf MODEL [-r N | -t SECONDS] [-x THREADS] [-o LEVEL] [--warmup N] [--shape NAME=DIMS ...]\n"
      "                  [-f DIM:VALUE ...] [-I] [-S SEED] [--input NAME=FILE ...] [--json]\n"
      "\n"
      "Measures like onnxruntime_perf_test: session creation time, first-run time, then the\n"
      "latency of repeated runs (mean, min, p50, p90, p95, p99, max), throughput (runs/s and,\n"
      "when an input has a time dim, sequence steps/s = batch x time steps per second), peak\n"
      "resident memory and the memory plan (arena_bytes, naive_bytes, live_peak_bytes).\n"
      "\n"
      "  -r, --runs N           measured runs (default ", kDefaultRuns, ")\n"
      "  -t, --time SECONDS     run for this long instead of a fixed count\n"
      "  --warmup N             unmeasured runs after the first run (default 0)\n"
      "  --json                 print one JSON object: session_create_ms, first_run_ms, runs,\n"
      "                         latency_ms {mean,min,p50,p90,p95,p99,max}, throughput_per_s,\n"
      "                         sequence_steps_per_s (with a time dim), peak_rss_bytes,\n"
      "                         rss_growth_bytes, arena_bytes, naive_bytes, live_peak_bytes, threads, isa\n"
      "  --lengths-file FILE    varied-length mode: one session, one call per length listed in\n"
      "                         FILE (the time dim of the time input; seeded inputs per call);\n"
      "                         prints JSON {session_create_ms, first_ms[], warm_ms[], rss_*}\n"
      "  --repeat-warm          (varied) run each call twice; the second is the warm one\n"
      "  --save-every K         (varied) write outputs of every K-th call to --output-dir\n"
      "  --output-dir DIR       (varied) where --save-every writes callC_NAME.npy\n"
      "  --stream N             measure a seqrt::Stream fed chunks of N time steps instead: per-chunk\n"
      "                         latency percentiles and steps/s (-r counts passes over the input)\n"
      "  --frame-ms MS          with --stream: input time per step, for the real-time factor\n",
      kStreamOptionsHelp, kInputOptionsHelp, kSessionOptionsHelp);
}

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0)];
}

}  // namespace

int RunPerfCommand(const Args& args) {
  ArgParser parser;
  AddInputOptions(parser);
  AddSessionOptions(parser);
  AddStreamOptions(parser);
  parser.Option("runs", 'r').Option("time", 't').Option("warmup").Flag("json").Option("stream").Option("frame-ms");
  parser.Option("lengths-file").Option("save-every").Option("output-dir").Flag("repeat-warm");
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (parser.help()) {
    std::fputs(Usage().c_str(), stdout);
    return kExitOk;
  }
  if (parser.positional().size() != 1) return UsageError(kCommand, "expected exactly one MODEL");
  if (parser.has("runs") && parser.has("time")) return UsageError(kCommand, "give -r or -t, not both");
  auto spec = ParseInputSpec(parser);
  if (!spec.ok()) return UsageError(kCommand, std::string(spec.status().message()));
  auto session_options = ParseSessionOptions(parser);
  if (!session_options.ok()) return UsageError(kCommand, std::string(session_options.status().message()));
  if (parser.has("lengths-file"))
    return RunVariedPerf(kCommand, parser.positional()[0], parser, *spec, *session_options);
  auto runs_opt = parser.GetInt("runs", kDefaultRuns, 1);
  auto seconds_opt = parser.GetDouble("time", 0, 0);
  auto warmup_opt = parser.GetInt("warmup", 0, 0);
  for (const absl::Status& s : {runs_opt.status(), seconds_opt.status(), warmup_opt.status()})
    if (!s.ok()) return UsageError(kCommand, std::string(s.message()));
  const bool timed = parser.has("time");
  if (timed && *seconds_opt <= 0) return UsageError(kCommand, "-t needs a positive number of seconds");

  if (parser.has("stream")) {
    auto chunk = parser.GetInt("stream", 1, 1);
    auto frame_ms = parser.GetDouble("frame-ms", 0, 0);
    for (const absl::Status& s : {chunk.status(), frame_ms.status()})
      if (!s.ok()) return UsageError(kCommand, std::string(s.message()));
    if (timed) return UsageError(kCommand, "--stream counts passes with -r, not -t");
    auto session = LoadSession(parser.positional()[0], *session_options);
    if (!session.ok()) return ModelError(kCommand, session.status());
    auto inputs = PrepareInputs(*session, *spec);
    if (!inputs.ok()) return ModelError(kCommand, inputs.status());
    auto stream_options = ParseStreamOptions(parser);
    if (!stream_options.ok()) return UsageError(kCommand, std::string(stream_options.status().message()));
    return PerfStreamMode(*session, *stream_options, *inputs, *chunk, *frame_ms,
                          parser.has("runs") ? *runs_opt : 10, parser.has("json"));
  }
  if (parser.has("frame-ms")) return UsageError(kCommand, "--frame-ms needs --stream");

  using Clock = std::chrono::steady_clock;
  const int64_t rss_before = CurrentRssBytes();
  const auto load_start = Clock::now();
  auto session = LoadSession(parser.positional()[0], *session_options);
  if (!session.ok()) return ModelError(kCommand, session.status());
  const double create_ms = Ms(Clock::now() - load_start);
  auto inputs = PrepareInputs(*session, *spec);
  if (!inputs.ok()) return ModelError(kCommand, inputs.status());
  const NamedInputs views = inputs->views();

  const auto first_start = Clock::now();
  if (auto r = session->Run(views); !r.ok()) return ModelError(kCommand, r.status());
  const double first_ms = Ms(Clock::now() - first_start);
  for (int64_t i = 0; i < *warmup_opt; ++i)
    if (auto r = session->Run(views); !r.ok()) return ModelError(kCommand, r.status());

  const bool progress = isatty(STDERR_FILENO) != 0;
  std::vector<double> latencies;
  const auto bench_start = Clock::now();
  auto last_progress = bench_start;
  bool progress_shown = false;
  for (int64_t i = 0;; ++i) {
    const double elapsed = Ms(Clock::now() - bench_start) / 1000.0;
    if (timed ? elapsed >= *seconds_opt && i > 0 : i >= *runs_opt) break;
    const auto t0 = Clock::now();
    if (auto r = session->Run(views); !r.ok()) return ModelError(kCommand, r.status());
    const auto t1 = Clock::now();
    latencies.push_back(Ms(t1 - t0));
    if (progress && elapsed >= kProgressAfterSeconds && Ms(t1 - last_progress) >= 250) {
      last_progress = t1;
      progress_shown = true;
      const double mean = std::accumulate(latencies.begin(), latencies.end(), 0.0) / latencies.size();
      const std::string target = timed ? absl::StrFormat("%.1f/%.1f s", elapsed, *seconds_opt)
                                       : absl::StrCat(latencies.size(), "/", *runs_opt, " runs");
      std::fprintf(stderr, "\r\033[K  %s, mean %.3f ms", target.c_str(), mean);
      std::fflush(stderr);
    }
  }
  if (progress_shown) std::fputs("\r\033[K", stderr);
  const int64_t rss_end = CurrentRssBytes();
  const int64_t peak_rss = PeakRssBytes();

  auto plan = session->DescribePlan(inputs->dims());
  if (!plan.ok()) return ModelError(kCommand, plan.status());

  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  const double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / sorted.size();
  const double measured_s = std::accumulate(sorted.begin(), sorted.end(), 0.0) / 1000.0;
  const double throughput = measured_s > 0 ? sorted.size() / measured_s : 0;
  // Time steps per run: every dim of the time input except its last (features): N x T.
  int time_input = -1;
  const int time_dim = FindTimeDim(*session, &time_input);
  double steps_per_run = 0;
  if (time_dim >= 0) {
    const Dims& d = inputs->tensors[time_input].second.dims();
    steps_per_run = d.size() == 1 ? static_cast<double>(d[0]) : 1.0;
    for (size_t k = 0; k + 1 < d.size(); ++k) steps_per_run *= static_cast<double>(d[k]);
  }

  if (parser.has("json")) {
    nlohmann::json j;
    j["session_create_ms"] = create_ms;
    j["first_run_ms"] = first_ms;
    j["runs"] = sorted.size();
    j["latency_ms"] = {{"mean", mean},
                       {"min", sorted.front()},
                       {"p50", Percentile(sorted, 0.50)},
                       {"p90", Percentile(sorted, 0.90)},
                       {"p95", Percentile(sorted, 0.95)},
                       {"p99", Percentile(sorted, 0.99)},
                       {"max", sorted.back()}};
    j["throughput_per_s"] = throughput;
    if (time_dim >= 0) j["sequence_steps_per_s"] = throughput * steps_per_run;
    j["peak_rss_bytes"] = peak_rss;
    j["rss_growth_bytes"] = rss_end - rss_before;
    j["arena_bytes"] = plan->arena_bytes;
    j["naive_bytes"] = plan->naive_bytes;
    j["live_peak_bytes"] = plan->live_peak_bytes;
    j["threads"] = session_options->threads > 0 ? session_options->threads : DefaultThreads();
    j["isa"] = plan->isa;
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("model: %s  inputs:", parser.positional()[0].c_str());
  for (const auto& [name, t] : inputs->tensors) std::printf(" %s=%s", name.c_str(), DimsToString(t.dims()).c_str());
  std::printf("  threads: %d  isa: %s\n", session_options->threads > 0 ? session_options->threads : DefaultThreads(),
              plan->isa.c_str());
  std::printf("Session creation time: %.3f ms\n", create_ms);
  std::printf("First run time: %.3f ms\n", first_ms);
  std::printf("Runs: %zu\n", sorted.size());
  std::printf("Average latency: %.3f ms\n", mean);
  std::printf("Min / P50 / P90 / P95 / P99 / Max latency: %.3f / %.3f / %.3f / %.3f / %.3f / %.3f ms\n",
              sorted.front(), Percentile(sorted, 0.5), Percentile(sorted, 0.9), Percentile(sorted, 0.95),
              Percentile(sorted, 0.99), sorted.back());
  std::printf("Throughput: %.2f runs/s", throughput);
  if (time_dim >= 0) std::printf(", %.0f sequence steps/s", throughput * steps_per_run);
  std::printf("\nPeak resident memory: %.1f MiB (growth since before session creation: %.1f MiB)\n",
              peak_rss / 1048576.0, (rss_end - rss_before) / 1048576.0);
  std::printf("Memory plan: arena_bytes %lld, naive_bytes %lld, live_peak_bytes %lld\n",
              static_cast<long long>(plan->arena_bytes), static_cast<long long>(plan->naive_bytes),
              static_cast<long long>(plan->live_peak_bytes));
  return kExitOk;
}

}  // namespace seqrt::tools
