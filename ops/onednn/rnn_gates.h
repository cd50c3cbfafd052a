// The gate math of one batch row of an ONNX RNN / GRU / LSTM step, for the matmul cell.
//
// Each function works on padded rows (hp = hidden size rounded up to 8; built per ISA in
// ops/simd/gates_impl.h, dispatched through GateParams::kernels) in passes over whole
// gate blocks: an activation is applied to a block with one switch per block, not per vector,
// so the inner loops are branch-free and the row (a few KB) stays in L1 between passes.
// Gate blocks keep ONNX order (LSTM i,o,f,c; GRU z,r,h). `xw` is the input projection row
// (X·Wᵀ with both biases folded in, except GRU linear_before_reset's Rbh), `rec` the
// recurrent product row (h·Rᵀ), which the functions overwrite as scratch.
#pragma once

#include <cstdint>

#include "ops/recurrent_activation.h"
#include "ops/simd/kernel_table.h"

namespace seqrt::ops::rnn {

// Activations, clip, peepholes, GRU's Rbh, and which ISA's kernels run (ops/simd/kernel_table.h).
using simd::GateParams;

// Applies `a` in place to n floats (n a multiple of 8).
void ActivateBlock(const RecurrentActivation& a, float* v, int64_t n);

// h = f(xw + rec).
void RnnRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp);

// LSTM: c and h updated in place; `tmp` is hp floats of scratch.
void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp);
// The same for `hp` units whose gate blocks in xw, rec and p.peep lie `stride` floats apart
// (a block of units inside a wider row).
void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp,
             int64_t stride);

// GRU with linear_before_reset: hh = g(xw_h + r ⊙ (rec_h + Rbh)); h = hh + z ⊙ (h − hh).
void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp);
void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp, int64_t stride);

// GRU without linear_before_reset, in two halves around the h gate's own product:
// first z and r (z left activated in rec's z block, rh = r ⊙ h), then, once rec_h = rh·R_hᵀ
// is known, hh = g(xw_h + rec_h) and h = hh + z ⊙ (h − hh).
void GruZrRow(const GateParams& p, const float* xw, float* rec, const float* h, float* rh, int64_t hp);
void GruHRow(const GateParams& p, const float* xw, const float* z, const float* rec_h, float* h, int64_t hp);

}  // namespace seqrt::ops::rnn
