// `seqrt perf MODEL --lengths-file F`: one session, one call per listed sequence length, the
// way a server sees real traffic. benchmarks/compare_ort runs ONNX Runtime through the same
// stream (ort_runner.mjs --lengths-file), with the same inputs from the same generator.
#include "tools/perf_varied.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tools/cli_common.h"

namespace seqrt::tools {
namespace {

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of the whole process in ms: on a machine shared with other work, wall time per
// call mostly measures the scheduler; ort_runner.mjs reports process.cpuUsage() the same way.
double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace

// Element k of float input `input` at call `call`: a 32-bit integer hash mapped to [-1, 1)
// in steps of 2^-23, exact in float32. ort_runner.mjs computes the same numbers.
float StreamInputValue(uint32_t seed, uint32_t input, uint32_t call, uint32_t k) {
  uint32_t h = ((seed ^ 0x9E3779B9u) * 0x85EBCA6Bu) ^ ((call + 1u) * 0xC2B2AE35u) ^ (k * 0x27D4EB2Fu) ^
               (input * 0x165667B1u);
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return static_cast<float>(static_cast<double>(h >> 8) / 8388608.0 - 1.0);
}

int RunVariedPerf(const std::string& command, const std::string& model, const ArgParser& parser,
                  const InputSpec& spec, const SessionOptions& options) {
  std::vector<int64_t> lengths;
  {
    std::ifstream in(parser.get("lengths-file"));
    if (!in) return UsageError(command, absl::StrCat("cannot read --lengths-file ", parser.get("lengths-file")));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (char& c : text) if (c == ',') c = ' ';
    std::istringstream words(text);
    for (int64_t v; words >> v;) {
      if (v < 1) return UsageError(command, "--lengths-file holds a length below 1");
      lengths.push_back(v);
    }
  }
  if (lengths.empty()) return UsageError(command, "--lengths-file lists no lengths");
  auto save_every = parser.GetInt("save-every", 0, 0);
  if (!save_every.ok()) return UsageError(command, std::string(save_every.status().message()));
  const bool repeat_warm = parser.has("repeat-warm");
  const std::string out_dir = parser.get("output-dir");
  if (*save_every > 0 && out_dir.empty()) return UsageError(command, "--save-every needs --output-dir");

  using Clock = std::chrono::steady_clock;
  const int64_t rss_before = CurrentRssBytes();
  const auto load_start = Clock::now();
  auto session = LoadSession(model, options);
  if (!session.ok()) return ModelError(command, session.status());
  const double create_ms = Ms(Clock::now() - load_start);
  const int64_t rss_created = CurrentRssBytes();
  int time_input = -1;
  const int time_dim = FindTimeDim(*session, &time_input);
  if (time_dim < 0) return ModelError(command, absl::InvalidArgumentError("no input has a time-like symbolic dim"));
  auto base_dims = ResolveInputDims(*session, spec);
  if (!base_dims.ok()) return ModelError(command, base_dims.status());
  for (const ValueInfo& vi : session->inputs())
    if (vi.dtype != DType::kFloat)
      return ModelError(command, absl::InvalidArgumentError(absl::StrCat("input '", vi.name, "' is not float")));

  std::vector<double> first_ms, warm_ms, first_cpu_ms, warm_cpu_ms;
  // One buffer per input, sized for the longest call and viewed per call (as a server reusing
  // its input buffers would, and as the ORT side of compare_ort does): a fresh allocation per
  // call put the harness's malloc churn into the RSS figures (big_lstm batch 8: +68 MiB).
  const int64_t max_length = *std::max_element(lengths.begin(), lengths.end());
  std::vector<Tensor> buffers;
  for (size_t i = 0; i < base_dims->size(); ++i) {
    Dims dims = (*base_dims)[i].second;
    if (static_cast<int>(i) == time_input) dims[time_dim] = max_length;
    buffers.emplace_back(DType::kFloat, dims);
  }
  for (size_t c = 0; c < lengths.size(); ++c) {
    NamedInputs views;
    for (size_t i = 0; i < base_dims->size(); ++i) {
      Dims dims = (*base_dims)[i].second;
      if (static_cast<int>(i) == time_input) dims[time_dim] = lengths[c];
      int64_t elements = 1;
      for (int64_t d : dims) elements *= d;
      float* data = buffers[i].data_as<float>();
      for (int64_t k = 0; k < elements; ++k)
        data[k] = StreamInputValue(static_cast<uint32_t>(spec.seed), static_cast<uint32_t>(i),
                                   static_cast<uint32_t>(c), static_cast<uint32_t>(k));
      views.emplace_back((*base_dims)[i].first, TensorView(data, dims));
    }
    double c0 = ProcessCpuMs();
    auto t0 = Clock::now();
    auto outputs = session->Run(views);
    first_ms.push_back(Ms(Clock::now() - t0));
    first_cpu_ms.push_back(ProcessCpuMs() - c0);
    if (!outputs.ok()) return ModelError(command, outputs.status());
    if (repeat_warm) {
      c0 = ProcessCpuMs();
      t0 = Clock::now();
      auto again = session->Run(views);
      warm_ms.push_back(Ms(Clock::now() - t0));
      warm_cpu_ms.push_back(ProcessCpuMs() - c0);
      if (!again.ok()) return ModelError(command, again.status());
    }
    if (*save_every > 0 && c % static_cast<size_t>(*save_every) == 0) {
      for (size_t o = 0; o < outputs->size(); ++o) {
        const std::string path = absl::StrCat(out_dir, "/call", c, "_", SafeFileName(session->outputs()[o].name), ".npy");
        std::ofstream file(path, std::ios::binary);
        file << SerializeNpy((*outputs)[o]);
        if (!file) return ModelError(command, absl::InternalError(absl::StrCat("cannot write ", path)));
      }
    }
  }
  const int64_t rss_end = CurrentRssBytes();
  const SessionStats st = session->stats();
  nlohmann::json j;
  j["session_create_ms"] = create_ms;
  j["calls"] = lengths.size();
  j["first_ms"] = first_ms;
  j["warm_ms"] = warm_ms;
  j["first_cpu_ms"] = first_cpu_ms;
  j["warm_cpu_ms"] = warm_cpu_ms;
  j["rss_before_bytes"] = rss_before;
  j["rss_after_create_bytes"] = rss_created;
  j["rss_end_bytes"] = rss_end;
  j["cached_plans"] = st.cached_plans;
  j["plans_built"] = st.plans_built;
  j["prepared_states"] = st.prepared_states;
  j["idle_arena_bytes"] = st.idle_arena_bytes;
  std::printf("%s\n", j.dump().c_str());
  return kExitOk;
}

}  // namespace seqrt::tools
