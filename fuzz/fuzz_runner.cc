#include "fuzz/fuzz_runner.h"

#include <chrono>
#include <string>
#include <vector>

#include "seqrt/session.h"

namespace seqrt::fuzz {
namespace {

// Small limits keep every execution fast and far below libFuzzer's RSS limit: a model asking
// for more must be refused by the caps, not allocated.
constexpr int64_t kMaxMemoryBytes = int64_t{64} << 20;
constexpr int64_t kMaxInputBytes = int64_t{1} << 20;
constexpr int64_t kMaxLoopIterations = 1000;
constexpr int64_t kFreeDim = 2;  // symbolic and unknown dims

// Deterministic data: small values, so index-like inputs (Gather, Slice...) stay mostly in range
// and the run goes deep instead of stopping at the first bounds check.
void Fill(Tensor& t) {
  const int64_t n = t.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const int v = static_cast<int>(i % 3);
    switch (t.dtype()) {
      case DType::kFloat: t.data_as<float>()[i] = 0.25f * static_cast<float>(v) - 0.25f; break;
      case DType::kDouble: t.data_as<double>()[i] = 0.5 * v - 0.5; break;
      case DType::kInt64: t.data_as<int64_t>()[i] = v; break;
      case DType::kInt32: t.data_as<int32_t>()[i] = v; break;
      case DType::kBool: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v & 1); break;
      case DType::kFloat16: t.data_as<uint16_t>()[i] = Float16(0.5f * static_cast<float>(v)).bits; break;
      default: static_cast<uint8_t*>(t.raw_data())[i * DTypeSize(t.dtype())] = static_cast<uint8_t>(v); break;
    }
  }
}

}  // namespace

void LoadAndRunOnce(const uint8_t* data, size_t size) {
  SessionOptions options;
  options.threads = 1;
  options.max_memory_bytes = kMaxMemoryBytes;
  options.max_loop_iterations = kMaxLoopIterations;
  absl::StatusOr<Session> session =
      Session::LoadFromBytes(std::string(reinterpret_cast<const char*>(data), size), options);
  if (!session.ok()) return;

  std::vector<Tensor> tensors;
  NamedInputs inputs;
  tensors.reserve(session->inputs().size());
  int64_t total = 0;
  for (const ValueInfo& vi : session->inputs()) {
    if (!IsSupportedDType(vi.dtype)) return;
    Dims dims;
    for (const DimInfo& d : vi.shape) dims.push_back(d.known() ? d.value : kFreeDim);
    int64_t n = 1;
    for (int64_t d : dims)
      if (d > kMaxInputBytes || __builtin_mul_overflow(n, d, &n)) return;
    total += n * static_cast<int64_t>(DTypeSize(vi.dtype));
    if (n > kMaxInputBytes || total > kMaxInputBytes) return;  // the caller's data, not the model's
    tensors.emplace_back(vi.dtype, dims);
    Fill(tensors.back());
  }
  for (size_t i = 0; i < tensors.size(); ++i) inputs.emplace_back(session->inputs()[i].name, tensors[i].view());
  RunOptions run_options;
  run_options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  (void)session->Run(inputs, run_options);
  // A second run exercises the cached plan and the pooled run state.
  (void)session->Run(inputs, run_options);
}

}  // namespace seqrt::fuzz
