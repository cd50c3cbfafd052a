// The micro-kernels of the matmul cell and the packed GEMM, one table per instruction set.
//
// The same template sources (gemm_impl.h, gates_impl.h) are instantiated once per ISA, each in
// its own translation unit built with that ISA's compiler flags (kernels_avx512.cc,
// kernels_avx2.cc, kernels_baseline.cc) over a small vector type for that ISA's registers, so
// the path a machine cannot run is the same code as the one it runs. Callers pick a table with
// KernelsFor(isa) and pass it in GemmOptions / GateParams.
//
// This header is what those wide-ISA files include, so it holds plain data and declarations
// only: an inline function defined here (or in anything it includes) could be emitted by an
// AVX-512 file and picked by the linker for every caller, crashing CPUs without AVX-512
// (tests/simd_isolation_test checks the objects for such shared symbols).
#pragma once

#include <cstdint>

#include "ops/recurrent_activation.h"
#include "ops/simd/isa.h"

namespace seqrt::ops::simd {

inline constexpr int kPanel = 16;    // columns per packed panel, whatever the ISA
inline constexpr int kRowBlock = 6;  // rows of A per micro-kernel tile
// The micro-kernel takes k in steps of kKStep; packed A and B are zero-padded to a multiple
// of it so it needs no remainder loop (one made GCC spill accumulators in the main loop).
inline constexpr int kKStep = 4;

struct KernelTable;

struct GemmOptions {
  // Added to every row of C (padded_cols floats), or null.
  const float* bias = nullptr;
  // Walk the column blocks last to first. When B is larger than L2, alternating the direction
  // from one call to the next starts each call on the blocks the previous call left in L2.
  bool reverse_blocks = false;
  // Add the product into C instead of overwriting it.
  bool accumulate = false;
  // A is already in packed form, [PaddedK(k)][m] with m <= kRowBlock: used as is (lda and
  // the scratch are ignored).
  bool a_packed = false;
  // Floats between B's panels, when `b` addresses rows [k0, k0 + k) of a B packed with a
  // larger K (PaddedK(K) * kPanel); 0 for a B packed with this call's k.
  int64_t b_panel_stride = 0;
  // Which ISA's kernels run the product; null: KernelsFor(DefaultIsa()).
  const KernelTable* kernels = nullptr;
};

// Gate math parameters of one direction of an ONNX RNN / GRU / LSTM (ops/onednn/rnn_gates.h).
struct GateParams {
  const RecurrentActivation* f = nullptr;     // gates (sigmoid by default)
  const RecurrentActivation* g = nullptr;     // candidate (tanh)
  const RecurrentActivation* hact = nullptr;  // LSTM output activation (tanh)
  bool has_clip = false;
  float clip = 0.f;
  bool input_forget = false;     // LSTM: f = 1 - i
  const float* peep = nullptr;   // LSTM: [3·hp] (i, o, f), or null without peepholes
  const float* rbh = nullptr;    // GRU linear_before_reset: Rbh [hp]
  const KernelTable* kernels = nullptr;  // null: KernelsFor(DefaultIsa())
};

// The functions behind ops/onednn/rnn_gemm.h and rnn_gates.h (documented there), for one ISA.
struct KernelTable {
  Isa isa;
  void (*gemm)(int64_t m, int64_t k, int64_t panels, const float* a, int64_t lda, const float* b, float* c,
               int64_t ldc, float* a_pack, const GemmOptions& options);
  void (*activate)(const RecurrentActivation& a, float* v, int64_t n);
  void (*rnn_row)(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp);
  void (*lstm_row)(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp,
                   int64_t stride);
  void (*gru_lbr_row)(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp, int64_t stride);
  void (*gru_zr_row)(const GateParams& p, const float* xw, float* rec, const float* h, float* rh, int64_t hp);
  void (*gru_h_row)(const GateParams& p, const float* xw, const float* z, const float* rec_h, float* h, int64_t hp);
};

const KernelTable& KernelsFor(Isa isa);
const KernelTable& Avx512Kernels();
const KernelTable& Avx2Kernels();
const KernelTable& BaselineKernels();

// Rows of A the GEMM packs per chunk for a depth of k (isa.cc: shared by every ISA and by
// the scratch-size query, which runs before an ISA is known).
int64_t RowChunk(int64_t k);

}  // namespace seqrt::ops::simd
