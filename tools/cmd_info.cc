// `seqrt info MODEL`: what a model is and, with --plan, how seqrt would run it.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "seqrt/session.h"
#include "tools/cli_common.h"
#include "tools/commands.h"

namespace seqrt::tools {
namespace {

constexpr char kCommand[] = "info";
constexpr char kInfoUsage[] =
    "usage: seqrt info MODEL [--json] [--plan] [--shape NAME=DIMS ...] [-f DIM:VALUE ...]\n"
    "\n"
    "Shows the producer, IR version, opsets, inputs and outputs (dtype and symbolic shape),\n"
    "operator histogram, parameter count and bytes, and every operator seqrt does not support.\n"
    "\n"
    "  --json                 print one JSON object instead of text\n"
    "  --plan                 also plan the model for concrete input dims: execution order with\n"
    "                         each node's kernel, and the memory plan (offset, size, lifetime)\n"
    "  --shape NAME=DIMS      input dims for --plan, e.g. x=1x100x40 (repeatable)\n"
    "  -f, --free-dim DIM:VALUE  value of a symbolic dim for --plan (default 1)\n"
    "  -o, --opt-level N      graph optimization level for --plan (default 99)\n"
    "  -x, --threads N        threads the plan is made for (kernel choice depends on it)\n"
    "  --tune                 time the candidate kernels of recurrent nodes for --plan and show\n"
    "                         the timings next to each chosen kernel\n"
    "  --tuning-file FILE     with --tune: reuse decisions saved in FILE and save new ones\n"
    "  --max-memory BYTES     cap on any tensor, arena or plan (default: half of memory)\n"
    "  --isa NAME             instruction set of seqrt's own kernels for --plan: auto, avx512,\n"
    "                         avx2, baseline (default: $SEQRT_ISA, else the best this CPU has)\n";

nlohmann::json ValueJson(const ValueInfo& vi) {
  nlohmann::json shape = nullptr;
  if (vi.has_shape) {
    shape = nlohmann::json::array();
    for (const DimInfo& d : vi.shape) {
      if (d.known()) shape.push_back(d.value);
      else if (!d.symbol.empty()) shape.push_back(d.symbol);
      else shape.push_back(nullptr);
    }
  }
  return {{"name", vi.name}, {"dtype", std::string(DTypeName(vi.dtype))}, {"shape", shape}, {"type", vi.ToString()}};
}

std::string Bytes(int64_t b) {
  if (b >= (int64_t{1} << 20)) return absl::StrFormat("%.2f MiB", b / 1048576.0);
  if (b >= 1024) return absl::StrFormat("%.1f KiB", b / 1024.0);
  return absl::StrCat(b, " B");
}

nlohmann::json PlanJson(const PlanInfo& plan, const std::vector<std::pair<std::string, Dims>>& dims) {
  nlohmann::json j;
  j["input_dims"] = nlohmann::json::object();
  for (const auto& [name, d] : dims) j["input_dims"][name] = d;
  j["nodes"] = nlohmann::json::array();
  for (const PlannedNode& n : plan.nodes)
    j["nodes"].push_back(
        {{"name", n.name}, {"op_type", n.op_type}, {"kernel", n.kernel}, {"kernel_choice", n.kernel_choice},
         {"scratch_bytes", n.scratch_bytes}});
  j["values"] = nlohmann::json::array();
  for (const PlannedValue& v : plan.values) {
    j["values"].push_back({{"name", v.name}, {"offset", v.offset}, {"bytes", v.bytes}, {"first_step", v.first_step},
                           {"last_step", v.last_step}, {"alias_of", v.alias_of},
                           {"kind", std::string(ValueKindName(v.kind))}});
  }
  j["arena_bytes"] = plan.arena_bytes;
  j["isa"] = plan.isa;
  j["naive_bytes"] = plan.naive_bytes;
  j["live_peak_bytes"] = plan.live_peak_bytes;
  j["folded_nodes"] = plan.folded_nodes;
  j["heap_values"] = plan.heap_values;
  return j;
}

void PrintPlan(const PlanInfo& plan, const std::vector<std::pair<std::string, Dims>>& dims) {
  std::printf("\nplan for");
  for (const auto& [name, d] : dims) std::printf(" %s=%s", name.c_str(), DimsToString(d).c_str());
  std::printf(" (%zu steps, %d nodes folded at plan time)\n", plan.nodes.size(), plan.folded_nodes);
  std::printf("  %4s  %-20s %-32s %-20s %s\n", "step", "op", "node", "kernel", "scratch");
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const PlannedNode& n = plan.nodes[i];
    const std::string scratch = n.scratch_bytes ? Bytes(n.scratch_bytes) : "-";
    std::printf("  %4zu  %-20s %-32s %-20s %s%s%s\n", i, n.op_type.c_str(), n.name.c_str(), n.kernel.c_str(),
                scratch.c_str(), n.kernel_choice.empty() ? "" : "  ", n.kernel_choice.c_str());
  }
  std::printf("\nmemory plan\n  %-32s %12s %12s  %s\n", "value", "offset", "bytes", "steps");
  for (const PlannedValue& v : plan.values) {
    // Sequences and optionals are heap objects for one run; their bytes are one element's.
    const bool heap = IsBoxedKind(v.kind);
    const std::string where = heap ? "heap" : v.offset >= 0 ? absl::StrCat(v.offset) : (v.alias_of.empty() ? "-" : "alias");
    const std::string note = heap ? absl::StrCat(" (", std::string(ValueKindName(v.kind)),
                                                 v.bytes ? "; bytes per element" : "; element size known at run time",
                                                 v.alias_of.empty() ? "" : ", same as " + v.alias_of, ")")
                                  : v.alias_of.empty() ? "" : " (view of " + v.alias_of + ")";
    std::printf("  %-32s %12s %12lld  %d..%d%s\n", v.name.c_str(), where.c_str(), static_cast<long long>(v.bytes),
                v.first_step, v.last_step, note.c_str());
  }
  std::printf("  isa %s (seqrt's own vector kernels)\n", plan.isa.c_str());
  std::printf("  arena_bytes %lld (%s), naive_bytes %lld (%s), live_peak_bytes %lld (%s)\n",
              static_cast<long long>(plan.arena_bytes), Bytes(plan.arena_bytes).c_str(),
              static_cast<long long>(plan.naive_bytes), Bytes(plan.naive_bytes).c_str(),
              static_cast<long long>(plan.live_peak_bytes), Bytes(plan.live_peak_bytes).c_str());
  if (plan.heap_values > 0)
    std::printf("  %d sequence/optional value(s) outside the arena, allocated per run\n", plan.heap_values);
}

}  // namespace

int RunInfoCommand(const Args& args) {
  ArgParser parser;
  parser.Flag("json").Flag("plan").Option("shape").Option("free-dim", 'f');
  AddSessionOptions(parser);
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (parser.help()) {
    std::fputs(kInfoUsage, stdout);
    return kExitOk;
  }
  if (parser.positional().size() != 1) return UsageError(kCommand, "expected exactly one MODEL");
  const std::string& path = parser.positional()[0];
  auto spec = ParseInputSpec(parser);
  if (!spec.ok()) return UsageError(kCommand, std::string(spec.status().message()));
  auto session_options = ParseSessionOptions(parser);
  if (!session_options.ok()) return UsageError(kCommand, std::string(session_options.status().message()));
  const bool want_plan = parser.has("plan");
  if (!want_plan && (parser.has("shape") || parser.has("free-dim")))
    return UsageError(kCommand, "--shape and -f only apply with --plan");

  auto info = InspectModel(path);
  if (!info.ok()) return ModelError(kCommand, info.status());

  PlanInfo plan;
  std::vector<std::pair<std::string, Dims>> dims;
  if (want_plan) {
    if (!info->unsupported_ops.empty()) {
      return ModelError(kCommand, absl::UnimplementedError(absl::StrCat(
                                      "cannot plan: ", info->unsupported_ops.size(),
                                      " unsupported operator(s), first: ", info->unsupported_ops[0])));
    }
    auto session = LoadSession(path, *session_options);
    if (!session.ok()) return ModelError(kCommand, session.status());
    auto resolved = ResolveInputDims(*session, *spec);
    if (!resolved.ok()) return ModelError(kCommand, resolved.status());
    dims = *resolved;
    auto p = session->DescribePlan(dims);
    if (!p.ok()) return ModelError(kCommand, p.status());
    plan = *p;
  }

  if (parser.has("json")) {
    nlohmann::json j;
    j["model"] = path;
    j["producer_name"] = info->producer_name;
    j["producer_version"] = info->producer_version;
    j["ir_version"] = info->ir_version;
    j["opsets"] = nlohmann::json::object();
    for (const auto& [domain, version] : info->opsets) j["opsets"][domain.empty() ? "ai.onnx" : domain] = version;
    j["inputs"] = nlohmann::json::array();
    for (const ValueInfo& vi : info->inputs) j["inputs"].push_back(ValueJson(vi));
    j["outputs"] = nlohmann::json::array();
    for (const ValueInfo& vi : info->outputs) j["outputs"].push_back(ValueJson(vi));
    j["op_histogram"] = info->op_histogram;
    j["parameter_count"] = info->parameter_count;
    j["parameter_bytes"] = info->parameter_bytes;
    j["unsupported_ops"] = info->unsupported_ops;
    if (want_plan) j["plan"] = PlanJson(plan, dims);
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }

  std::printf("model:      %s\n", path.c_str());
  std::printf("producer:   %s %s\n", info->producer_name.empty() ? "(none)" : info->producer_name.c_str(),
              info->producer_version.c_str());
  std::printf("IR version: %lld\n", static_cast<long long>(info->ir_version));
  std::printf("opsets:    ");
  for (const auto& [domain, version] : info->opsets)
    std::printf(" %s %lld", domain.empty() ? "ai.onnx" : domain.c_str(), static_cast<long long>(version));
  std::printf("\ninputs:\n");
  for (const ValueInfo& vi : info->inputs) std::printf("  %-24s %s\n", vi.name.c_str(), vi.ToString().c_str());
  std::printf("outputs:\n");
  for (const ValueInfo& vi : info->outputs) std::printf("  %-24s %s\n", vi.name.c_str(), vi.ToString().c_str());
  std::printf("parameters: %lld (%s)\n", static_cast<long long>(info->parameter_count),
              Bytes(info->parameter_bytes).c_str());
  int nodes = 0;
  for (const auto& [op, count] : info->op_histogram) nodes += count;
  std::printf("operators:  %d nodes, %zu types\n", nodes, info->op_histogram.size());
  for (const auto& [op, count] : info->op_histogram) std::printf("  %-24s %d\n", op.c_str(), count);
  if (info->unsupported_ops.empty()) {
    std::printf("unsupported operators: none\n");
  } else {
    std::printf("unsupported operators (%zu):\n", info->unsupported_ops.size());
    for (const std::string& u : info->unsupported_ops) std::printf("  %s\n", u.c_str());
  }
  if (want_plan) PrintPlan(plan, dims);
  return kExitOk;
}

}  // namespace seqrt::tools
