// Turning an ISA name (SessionOptions::isa, SEQRT_ISA, `--isa`) into an Isa this CPU can run.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "ops/simd/isa.h"

namespace seqrt::ops::simd {

// `requested` is "", "auto", "baseline", "avx2" or "avx512". "" means: SEQRT_ISA if set, else
// the best. An unknown name, or an ISA this CPU lacks, is an InvalidArgument error that says
// which and what the CPU has.
absl::StatusOr<Isa> ResolveIsa(std::string_view requested);

}  // namespace seqrt::ops::simd
