#include "ops/onednn/rnn_gates.h"

namespace seqrt::ops::rnn {
namespace {

const simd::KernelTable& Kernels(const GateParams& p) {
  return p.kernels ? *p.kernels : simd::KernelsFor(simd::DefaultIsa());
}

}  // namespace

void ActivateBlock(const RecurrentActivation& a, float* v, int64_t n) {
  simd::KernelsFor(simd::DefaultIsa()).activate(a, v, n);
}

void RnnRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp) {
  Kernels(p).rnn_row(p, xw, rec, h, hp);
}

void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp) {
  Kernels(p).lstm_row(p, xw, rec, h, c, tmp, hp, hp);
}

void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp,
             int64_t stride) {
  Kernels(p).lstm_row(p, xw, rec, h, c, tmp, hp, stride);
}

void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp) {
  Kernels(p).gru_lbr_row(p, xw, rec, h, hp, hp);
}

void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp, int64_t stride) {
  Kernels(p).gru_lbr_row(p, xw, rec, h, hp, stride);
}

void GruZrRow(const GateParams& p, const float* xw, float* rec, const float* h, float* rh, int64_t hp) {
  Kernels(p).gru_zr_row(p, xw, rec, h, rh, hp);
}

void GruHRow(const GateParams& p, const float* xw, const float* z, const float* rec_h, float* h, int64_t hp) {
  Kernels(p).gru_h_row(p, xw, z, rec_h, h, hp);
}

}  // namespace seqrt::ops::rnn
