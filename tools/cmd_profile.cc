// `seqrt profile MODEL`: where a run's time goes, per node, and a Chrome trace of every node run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "seqrt/session.h"
#include "tools/cli_common.h"
#include "tools/commands.h"

namespace seqrt::tools {
namespace {

constexpr char kCommand[] = "profile";
constexpr int64_t kDefaultRuns = 10;

std::string Usage() {
  return absl::StrCat(
      "usage: seqrt profile MODEL [--input NAME=FILE ...] [--shape NAME=DIMS ...] [-f DIM:VALUE ...] [-S SEED]\n"
      "                     [-o LEVEL] [-x THREADS] [-r N] [--warmup N] [--trace FILE.json]\n"
      "\n"
      "Runs the model N times with per-node timing and prints one row per node (op type, node\n"
      "name, kernel, calls, total ms, mean ms, % of run time), slowest first. --trace writes every\n"
      "node execution as Chrome trace JSON (open in Perfetto or chrome://tracing).\n"
      "\n",
      kInputOptionsHelp, kSessionOptionsHelp,
      "  -r, --runs N           profiled runs (default ", kDefaultRuns, ")\n"
      "  --warmup N             unprofiled runs first (default 1)\n"
      "  --trace FILE           write the Chrome trace here\n");
}

struct NodeTotals {
  std::string op_type, kernel;
  int64_t calls = 0;
  int64_t total_ns = 0;
};

}  // namespace

int RunProfileCommand(const Args& args) {
  ArgParser parser;
  AddInputOptions(parser);
  AddSessionOptions(parser);
  parser.Option("runs", 'r').Option("warmup").Option("trace");
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (parser.help()) {
    std::fputs(Usage().c_str(), stdout);
    return kExitOk;
  }
  if (parser.positional().size() != 1) return UsageError(kCommand, "expected exactly one MODEL");
  auto spec = ParseInputSpec(parser);
  if (!spec.ok()) return UsageError(kCommand, std::string(spec.status().message()));
  auto session_options = ParseSessionOptions(parser);
  if (!session_options.ok()) return UsageError(kCommand, std::string(session_options.status().message()));
  auto runs = parser.GetInt("runs", kDefaultRuns, 1);
  if (!runs.ok()) return UsageError(kCommand, std::string(runs.status().message()));
  auto warmup = parser.GetInt("warmup", 1, 0);
  if (!warmup.ok()) return UsageError(kCommand, std::string(warmup.status().message()));
  const std::string trace_path = parser.get("trace");

  auto session = LoadSession(parser.positional()[0], *session_options);
  if (!session.ok()) return ModelError(kCommand, session.status());
  auto inputs = PrepareInputs(*session, *spec);
  if (!inputs.ok()) return ModelError(kCommand, inputs.status());
  const NamedInputs views = inputs->views();
  for (int64_t i = 0; i < *warmup; ++i)
    if (auto r = session->Run(views); !r.ok()) return ModelError(kCommand, r.status());

  using Clock = std::chrono::steady_clock;
  const auto origin = Clock::now();
  std::map<std::string, NodeTotals> totals;  // by node name
  std::vector<std::string> first_seen;       // execution order, to break ties
  int64_t run_total_ns = 0;
  nlohmann::json events = nlohmann::json::array();
  for (int64_t run = 0; run < *runs; ++run) {
    std::vector<ProfileEvent> profile;
    RunOptions options;
    options.profile = &profile;
    const auto t0 = Clock::now();
    if (auto r = session->Run(views, options); !r.ok()) return ModelError(kCommand, r.status());
    const auto t1 = Clock::now();
    const int64_t run_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    const int64_t run_start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t0 - origin).count();
    run_total_ns += run_ns;
    // Trace timestamps are microseconds; node events nest inside their run's event.
    events.push_back({{"name", absl::StrCat("run ", run)}, {"cat", "run"}, {"ph", "X"},
                      {"ts", run_start_ns / 1000.0}, {"dur", run_ns / 1000.0}, {"pid", 1}, {"tid", 1},
                      {"args", {{"run", run}}}});
    for (size_t i = 0; i < profile.size(); ++i) {
      const ProfileEvent& e = profile[i];
      // Unnamed nodes are told apart by their place in the execution order.
      const std::string key = e.node_name.empty() ? absl::StrCat(e.op_type, "#", i) : e.node_name;
      NodeTotals& n = totals[key];
      if (n.calls == 0) first_seen.push_back(key);
      n.op_type = e.op_type;
      n.kernel = e.kernel;
      ++n.calls;
      n.total_ns += e.duration_ns;
      events.push_back({{"name", key}, {"cat", "node"}, {"ph", "X"},
                        {"ts", (run_start_ns + e.start_ns) / 1000.0}, {"dur", e.duration_ns / 1000.0},
                        {"pid", 1}, {"tid", 1},
                        {"args", {{"op_type", e.op_type}, {"kernel", e.kernel}, {"run", run}}}});
    }
  }

  if (!trace_path.empty()) {
    nlohmann::json trace = {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
    std::ofstream out(trace_path);
    out << trace.dump() << "\n";
    if (!out) return ModelError(kCommand, absl::PermissionDeniedError(absl::StrCat(trace_path, ": cannot be written")));
  }

  std::vector<std::string> order = first_seen;
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return totals[a].total_ns > totals[b].total_ns; });
  std::printf("%lld runs, mean run %.3f ms", static_cast<long long>(*runs), run_total_ns / 1e6 / *runs);
  std::printf(", inputs:");
  for (const auto& [name, t] : inputs->tensors) std::printf(" %s=%s", name.c_str(), DimsToString(t.dims()).c_str());
  if (auto plan = session->DescribePlan(inputs->dims()); plan.ok()) std::printf(", isa: %s", plan->isa.c_str());
  std::printf("\n%-16s %-32s %-18s %6s %10s %10s %7s\n", "op", "node", "kernel", "calls", "total ms", "mean ms",
              "% run");
  int64_t nodes_ns = 0;
  for (const std::string& name : order) {
    const NodeTotals& n = totals[name];
    nodes_ns += n.total_ns;
    std::printf("%-16s %-32s %-18s %6lld %10.3f %10.4f %6.1f%%\n", n.op_type.c_str(), name.c_str(), n.kernel.c_str(),
                static_cast<long long>(n.calls), n.total_ns / 1e6, n.total_ns / 1e6 / n.calls,
                run_total_ns > 0 ? 100.0 * n.total_ns / run_total_ns : 0.0);
  }
  std::printf("nodes account for %.1f%% of run time (the rest: runtime overhead, output copies)\n",
              run_total_ns > 0 ? 100.0 * nodes_ns / run_total_ns : 0.0);
  if (!trace_path.empty()) std::printf("trace written to %s (%zu events)\n", trace_path.c_str(), events.size());
  return kExitOk;
}

}  // namespace seqrt::tools
