// Which vector instruction set the hand-written micro-kernels (ops/simd/) use.
//
// The library as a whole is built for plain x86-64; only the per-ISA kernel files are built
// with wider instruction sets, and one of them is chosen at run time: the best the CPU has,
// unless SEQRT_ISA or SessionOptions::isa asks for a lower one (tests and benchmarks run every
// lower path on any machine that way). oneDNN dispatches its own kernels separately.
#pragma once

// No includes with inline code: the per-ISA kernel files include this (kernel_table.h).

namespace seqrt::ops::simd {

enum class Isa {
  kBaseline,  // SSE2, which every x86-64 CPU has
  kAvx2,      // AVX2 + FMA
  kAvx512,    // AVX-512 F/BW/VL/DQ
};

// "baseline", "avx2", "avx512".
const char* IsaName(Isa isa);

// The best ISA this CPU (and its OS, which must save the wider registers) supports.
Isa BestIsa();

// What kernels prepared without a session use: SEQRT_ISA when set and valid, else the best
// (resolve_isa.h reports an invalid SEQRT_ISA to Session::Load). Read once per process.
Isa DefaultIsa();

}  // namespace seqrt::ops::simd
