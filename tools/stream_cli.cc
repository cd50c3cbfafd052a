#include "tools/stream_cli.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tools/tensor_print.h"

namespace seqrt::tools {
namespace {

constexpr char kRun[] = "run";
constexpr char kPerf[] = "perf";
// --check passes when every stitched output is within this of the full run, relative to the
// output's largest magnitude (float32 sums in another order).
constexpr double kCheckTolerance = 1e-5;

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(const std::vector<double>& sorted, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0)];
}

// Outer x axis x inner blocks of a row-major tensor around `axis`.
void Split(const Dims& d, int axis, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int k = 0; k < axis; ++k) *outer *= d[k];
  for (size_t k = axis + 1; k < d.size(); ++k) *inner *= d[k];
}

}  // namespace

const char kStreamOptionsHelp[] =
    "  --bind OUT=IN          with --stream: feed output OUT of one chunk to input IN of the next\n"
    "  --no-auto-bind         with --stream: no automatic state pairing (state/stateN, h_in/h_out...)\n";

void AddStreamOptions(ArgParser& parser) { parser.Option("bind").Flag("no-auto-bind"); }

absl::StatusOr<StreamOptions> ParseStreamOptions(const ArgParser& parser) {
  StreamOptions o;
  o.auto_bind_state = !parser.has("no-auto-bind");
  for (const std::string& b : parser.all("bind")) {
    const size_t eq = b.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == b.size())
      return absl::InvalidArgumentError(absl::StrCat("--bind wants OUTPUT=INPUT, got '", b, "'"));
    o.state_bindings.emplace_back(b.substr(0, eq), b.substr(eq + 1));
  }
  return o;
}

Tensor SliceAlongAxis(const Tensor& t, int axis, int64_t start, int64_t len) {
  Dims dims = t.dims();
  const int64_t full = dims[axis];
  dims[axis] = len;
  Tensor out(t.dtype(), dims);
  int64_t outer, inner;
  Split(t.dims(), axis, &outer, &inner);
  const size_t es = DTypeSize(t.dtype());
  const char* src = static_cast<const char*>(t.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + o * len * inner * es, src + (o * full + start) * inner * es, len * inner * es);
  return out;
}

Tensor ConcatAlongAxis(const std::vector<Tensor>& parts, int axis) {
  Dims dims = parts[0].dims();
  dims[axis] = 0;
  for (const Tensor& p : parts) dims[axis] += p.dims()[axis];
  Tensor out(parts[0].dtype(), dims);
  int64_t outer, inner;
  Split(dims, axis, &outer, &inner);
  const size_t es = DTypeSize(out.dtype());
  char* dst = static_cast<char*>(out.raw_data());
  int64_t offset = 0;
  for (const Tensor& p : parts) {
    const int64_t len = p.dims()[axis];
    const char* src = static_cast<const char*>(p.raw_data());
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + (o * dims[axis] + offset) * inner * es, src + o * len * inner * es, len * inner * es);
    offset += len;
  }
  return out;
}

absl::StatusOr<ChunkAxis> FindChunkAxis(const Stream& stream, const PreparedInputs& inputs) {
  ChunkAxis a;
  const StreamInfo& info = stream.info();
  if (!info.time_input.empty()) {
    a.input = info.time_input;
    a.axis = info.time_axis;
  } else {
    // Called once per chunk: cut the first non-state input along its last axis.
    for (const auto& [name, t] : inputs.tensors) {
      bool bound = false;
      for (const auto& [out, in] : info.state_bindings) bound |= in == name;
      if (!bound && !t.dims().empty()) {
        a.input = name;
        a.axis = static_cast<int>(t.dims().size()) - 1;
        break;
      }
    }
    if (a.input.empty()) return absl::InvalidArgumentError("no input to cut into chunks");
  }
  for (const auto& [name, t] : inputs.tensors)
    if (name == a.input) a.length = t.dims()[a.axis];
  return a;
}

absl::Status RunChunks(Stream& stream, const PreparedInputs& inputs, const ChunkAxis& axis, int64_t chunk,
                       const std::function<void(const ChunkResult&)>& on_chunk) {
  for (int64_t start = 0; start < axis.length; start += chunk) {
    ChunkResult r;
    r.start = start;
    r.steps = std::min(chunk, axis.length - start);
    std::vector<Tensor> pieces;
    pieces.reserve(inputs.tensors.size());
    NamedInputs named;
    for (const auto& [name, t] : inputs.tensors) {
      bool bound = false;
      for (const auto& [out, in] : stream.info().state_bindings) bound |= in == name;
      if (bound) continue;  // the stream starts bound state at zeros and carries it
      if (name == axis.input) {
        pieces.push_back(SliceAlongAxis(t, axis.axis, start, r.steps));
        named.emplace_back(name, pieces.back().view());
      } else {
        named.emplace_back(name, t.view());
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto out = stream.Run(named);
    r.ms = Ms(std::chrono::steady_clock::now() - t0);
    if (!out.ok()) return absl::Status(out.status().code(), absl::StrCat("chunk at step ", start, ": ", out.status().message()));
    r.outputs = std::move(*out);
    on_chunk(r);
  }
  return absl::OkStatus();
}

int RunStreamMode(const Session& session, const StreamOptions& options, const PreparedInputs& inputs, int64_t chunk,
                  bool check, bool print) {
  auto stream = session.OpenStream(options);
  if (!stream.ok()) return ModelError(kRun, stream.status());
  auto axis = FindChunkAxis(*stream, inputs);
  if (!axis.ok()) return ModelError(kRun, axis.status());
  const StreamInfo& info = stream->info();
  std::printf("stream: %s\n", info.ToString().c_str());
  std::printf("chunks of %lld along input '%s' axis %d (%lld steps)\n", static_cast<long long>(chunk),
              axis->input.c_str(), axis->axis, static_cast<long long>(axis->length));
  const auto& outs = session.outputs();
  std::vector<std::vector<Tensor>> parts(outs.size());
  std::vector<Tensor> last;
  absl::Status s = RunChunks(*stream, inputs, *axis, chunk, [&](const ChunkResult& r) {
    std::printf("chunk %lld..%lld (%.3f ms):", static_cast<long long>(r.start),
                static_cast<long long>(r.start + r.steps), r.ms);
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      const Tensor& t = r.outputs[i];
      std::printf(" %s %s", outs[i].name.c_str(), DimsToString(t.dims()).c_str());
      if (t.dtype() == DType::kFloat && t.num_elements() > 0) {
        auto v = t.values<float>();
        std::printf(" [last %.6g]", v[v.size() - 1]);
      }
      if (info.output_time_axis[i] >= 0) parts[i].push_back(t);
    }
    std::printf("\n");
    last = r.outputs;
  });
  if (!s.ok()) return ModelError(kRun, s);
  std::vector<Tensor> stitched(outs.size());
  for (size_t i = 0; i < outs.size(); ++i)
    stitched[i] = info.output_time_axis[i] >= 0 ? ConcatAlongAxis(parts[i], info.output_time_axis[i]) : last[i];
  if (print)
    for (size_t i = 0; i < outs.size(); ++i) std::fputs(FormatTensor(outs[i].name, stitched[i]).c_str(), stdout);
  if (!check) return kExitOk;
  if (info.time_input.empty()) {
    return ModelError(kRun, absl::FailedPreconditionError(
                                "--check: the model is called once per chunk (its state I/O carries the state); "
                                "there is no single full run to compare with"));
  }
  auto full = session.Run(inputs.views());
  if (!full.ok()) return ModelError(kRun, full.status());
  bool ok = true;
  for (size_t i = 0; i < outs.size(); ++i) {
    const Tensor& a = stitched[i];
    const Tensor& b = (*full)[i];
    if (a.dims() != b.dims() || a.dtype() != b.dtype()) {
      std::printf("check %s: stitched %s vs full %s: MISMATCH\n", outs[i].name.c_str(), DimsToString(a.dims()).c_str(),
                  DimsToString(b.dims()).c_str());
      ok = false;
      continue;
    }
    if (a.dtype() != DType::kFloat) {
      const bool same = std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
      std::printf("check %s: %s\n", outs[i].name.c_str(), same ? "identical" : "DIFFERS");
      ok &= same;
      continue;
    }
    double max_diff = 0, max_ref = 0;
    auto av = a.values<float>(), bv = b.values<float>();
    for (size_t k = 0; k < av.size(); ++k) {
      max_diff = std::max(max_diff, std::fabs(static_cast<double>(av[k]) - bv[k]));
      max_ref = std::max(max_ref, std::fabs(static_cast<double>(bv[k])));
    }
    const double rel = max_ref > 0 ? max_diff / max_ref : max_diff;
    const bool pass = rel <= kCheckTolerance;
    std::printf("check %s: max |stitched - full| %.3g (%.3g of max |full|) %s\n", outs[i].name.c_str(), max_diff, rel,
                pass ? "ok" : "FAILED");
    ok &= pass;
  }
  if (!ok) return ModelError(kRun, absl::InternalError("the stitched stream differs from the full run"));
  return kExitOk;
}

int PerfStreamMode(const Session& session, const StreamOptions& options, const PreparedInputs& inputs, int64_t chunk,
                   double frame_ms, int64_t rounds, bool json) {
  auto stream = session.OpenStream(options);
  if (!stream.ok()) return ModelError(kPerf, stream.status());
  auto axis = FindChunkAxis(*stream, inputs);
  if (!axis.ok()) return ModelError(kPerf, axis.status());
  // Round 0 plans the chunk shapes (first chunk and steady); it is not measured.
  std::vector<double> latencies;
  double total_ms = 0;
  int64_t steps = 0;
  for (int64_t round = 0; round <= rounds; ++round) {
    stream->Reset();
    absl::Status s = RunChunks(*stream, inputs, *axis, chunk, [&](const ChunkResult& r) {
      if (round == 0) return;
      latencies.push_back(r.ms);
      total_ms += r.ms;
      steps += r.steps;
    });
    if (!s.ok()) return ModelError(kPerf, s);
  }
  std::sort(latencies.begin(), latencies.end());
  const double steps_per_s = total_ms > 0 ? steps / (total_ms / 1000.0) : 0;
  const double audio_ms = frame_ms > 0 ? steps * frame_ms : 0;
  const double rtf = audio_ms > 0 ? total_ms / audio_ms : 0;
  const double mean = total_ms / latencies.size();
  if (json) {
    nlohmann::json j;
    j["chunk_steps"] = chunk;
    j["chunks"] = latencies.size();
    j["chunk_latency_ms"] = {{"mean", mean},
                             {"min", latencies.front()},
                             {"p50", Percentile(latencies, 0.5)},
                             {"p90", Percentile(latencies, 0.9)},
                             {"p99", Percentile(latencies, 0.99)},
                             {"max", latencies.back()}};
    j["steps_per_s"] = steps_per_s;
    if (frame_ms > 0) j["real_time_factor"] = rtf;
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("stream: %s\n", stream->info().ToString().c_str());
  std::printf("chunks of %lld steps along input '%s' axis %d; %zu chunks measured over %lld rounds\n",
              static_cast<long long>(chunk), axis->input.c_str(), axis->axis, latencies.size(),
              static_cast<long long>(rounds));
  std::printf("Chunk latency mean / P50 / P90 / P99 / Max: %.4f / %.4f / %.4f / %.4f / %.4f ms\n", mean,
              Percentile(latencies, 0.5), Percentile(latencies, 0.9), Percentile(latencies, 0.99), latencies.back());
  std::printf("Throughput: %.0f steps/s (%.4f ms per step)\n", steps_per_s, steps > 0 ? total_ms / steps : 0.0);
  if (frame_ms > 0)
    std::printf("Real-time factor: %.5f (%.1f ms of compute per %.1f ms of input at %.3g ms per step)\n", rtf,
                total_ms, audio_ms, frame_ms);
  return kExitOk;
}

}  // namespace seqrt::tools
