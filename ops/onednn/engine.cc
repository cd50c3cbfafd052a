#include "ops/onednn/engine.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace seqrt::ops {

int64_t OnednnPrimitiveCacheCapacity() {
  // oneDNN keeps up to 1024 primitives (their JIT code included) in a process-wide cache of
  // its own. seqrt's plans hold the primitives they use, so that cache mostly keeps the ones
  // of evicted plans: over 400 sequence lengths it grew bilstm_tagger's RSS by ~16 MB at
  // batch 8 (benchmarks/RESULTS.md). A small bound keeps repeat shapes fast and memory flat;
  // a user's own setting (the environment variables oneDNN reads) wins.
  constexpr int kCapacity = 64;
  static const int capacity = [] {
    if (std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY") != nullptr ||
        std::getenv("DNNL_PRIMITIVE_CACHE_CAPACITY") != nullptr)
      return dnnl::get_primitive_cache_capacity();
    dnnl::set_primitive_cache_capacity(kCapacity);
    return kCapacity;
  }();
  return capacity;
}

const dnnl::engine& CpuEngine() {
  // Never destroyed: kernels may outlive static destruction order at exit.
  static const dnnl::engine* engine = [] {
    OnednnPrimitiveCacheCapacity();
    return new dnnl::engine(dnnl::engine::kind::cpu, 0);
  }();
  return *engine;
}

absl::Status DnnlErrorToStatus(const dnnl::error& e, std::string_view where) {
  std::string message = absl::StrCat(std::string(where), ": oneDNN error: ", e.what());
  switch (e.status) {
    case dnnl_unimplemented:
      return absl::UnimplementedError(message);
    case dnnl_invalid_arguments:
      return absl::InvalidArgumentError(message);
    case dnnl_out_of_memory:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status Decline(std::string_view kernel, std::string_view where, std::string_view why) {
  return absl::UnimplementedError(
      absl::StrCat(std::string(where), ": ", std::string(kernel), " declines: ", std::string(why)));
}

absl::Status DeclineOrError(const dnnl::error& e, std::string_view kernel, std::string_view where) {
  absl::Status s = DnnlErrorToStatus(e, where);
  if (absl::IsUnimplemented(s) || absl::IsInvalidArgument(s)) return Decline(kernel, where, e.what());
  return s;
}

bool IsReferenceImplementation(const dnnl::primitive_desc_base& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

}  // namespace seqrt::ops
