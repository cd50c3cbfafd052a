#include "ops/simd/isa.h"

#include "ops/simd/resolve_isa.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kBaseline: return "baseline";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "baseline";
}

Isa BestIsa() {
  // libgcc's cpu model checks both the CPUID bits and that the OS enabled the register state
  // (XCR0), so a kernel chosen here cannot fault on a CPU whose OS does not save zmm registers.
  static const Isa best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
      return Isa::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
    return Isa::kBaseline;
  }();
  return best;
}

absl::StatusOr<Isa> ResolveIsa(std::string_view requested) {
  std::string source = "isa";
  if (requested.empty()) {
    const char* env = std::getenv("SEQRT_ISA");
    if (env == nullptr || *env == '\0') return BestIsa();
    requested = env;
    source = "SEQRT_ISA";
  }
  Isa isa;
  if (requested == "auto") return BestIsa();
  if (requested == "baseline") {
    isa = Isa::kBaseline;
  } else if (requested == "avx2") {
    isa = Isa::kAvx2;
  } else if (requested == "avx512") {
    isa = Isa::kAvx512;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(source, " '", std::string(requested),
                                                   "' is not one of auto, avx512, avx2, baseline"));
  }
  if (static_cast<int>(isa) > static_cast<int>(BestIsa()))
    return absl::InvalidArgumentError(absl::StrCat(source, " '", std::string(requested), "' needs an instruction set this CPU lacks (it has ",
                                                   IsaName(BestIsa()), ")"));
  return isa;
}

Isa DefaultIsa() {
  static const Isa isa = [] {
    absl::StatusOr<Isa> resolved = ResolveIsa("");
    return resolved.ok() ? *resolved : BestIsa();
  }();
  return isa;
}

int64_t RowChunk(int64_t k) {
  // Rows of A packed per chunk (at most 512 KB of packed A). Every chunk streams all of B once,
  // so chunks must be large: with 128 KB chunks a batch-64 step of an LSTM(1024) streamed its
  // 16 MB of recurrent weights three times and ran 40 % slower. Per-step products (rows =
  // batch) fit one chunk; only whole-sequence projections over many rows are split.
  const int64_t kk = k > 1 ? k : 1;
  const int64_t rows = (int64_t{1} << 17) / kk / kRowBlock * kRowBlock;
  return rows > kRowBlock ? rows : kRowBlock;
}

const KernelTable& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return Avx512Kernels();
    case Isa::kAvx2: return Avx2Kernels();
    case Isa::kBaseline: break;
  }
  return BaselineKernels();
}

}  // namespace seqrt::ops::simd
