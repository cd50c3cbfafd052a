#include "ops/onednn/rnn_gates.h"

#include <immintrin.h>

#include <cmath>

#include "ops/onednn/rnn_math.h"

namespace seqrt::ops::rnn {
namespace {

using Kind = RecurrentActivation::Kind;

template <typename F>
inline void ForEach8(float* v, int64_t n, F f) {
  for (int64_t j = 0; j < n; j += 8) _mm256_storeu_ps(v + j, f(_mm256_loadu_ps(v + j)));
}

// dst = clip(dst + a [+ p ⊙ c]) over n floats; `p` may be null (no peephole term).
inline void AddClip(const GateParams& gp, float* dst, const float* a, const float* p, const float* c,
                    int64_t n) {
  const bool has_clip = gp.clip.has_value();
  const __m256 hi = _mm256_set1_ps(has_clip ? *gp.clip : 0.f);
  const __m256 lo = _mm256_set1_ps(has_clip ? -*gp.clip : 0.f);
  for (int64_t j = 0; j < n; j += 8) {
    __m256 v = _mm256_add_ps(_mm256_loadu_ps(dst + j), _mm256_loadu_ps(a + j));
    if (p) v = _mm256_fmadd_ps(_mm256_loadu_ps(p + j), _mm256_loadu_ps(c + j), v);
    if (has_clip) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    _mm256_storeu_ps(dst + j, v);
  }
}

inline void Clip(const GateParams& gp, float* v, int64_t n) {
  if (!gp.clip) return;
  const __m256 hi = _mm256_set1_ps(*gp.clip), lo = _mm256_set1_ps(-*gp.clip);
  ForEach8(v, n, [&](__m256 x) { return _mm256_min_ps(_mm256_max_ps(x, lo), hi); });
}

}  // namespace

void ActivateBlock(const RecurrentActivation& a, float* v, int64_t n) {
  // The common kinds get their own loops so the compiler keeps constants in registers; the
  // rest go through the per-vector switch of Activate8.
  switch (a.kind) {
    case Kind::kSigmoid: ForEach8(v, n, [](__m256 x) { return Sigmoid8(x); }); return;
    case Kind::kTanh: ForEach8(v, n, [](__m256 x) { return Tanh8(x); }); return;
    case Kind::kRelu: {
      const __m256 zero = _mm256_setzero_ps();
      ForEach8(v, n, [&](__m256 x) { return _mm256_max_ps(x, zero); });
      return;
    }
    default: ForEach8(v, n, [&](__m256 x) { return Activate8(a, x); }); return;
  }
}

void RnnRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp) {
  AddClip(p, rec, xw, nullptr, nullptr, hp);
  ActivateBlock(*p.f, rec, hp);
  for (int64_t j = 0; j < hp; j += 8) _mm256_storeu_ps(h + j, _mm256_loadu_ps(rec + j));
}

void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp) {
  LstmRow(p, xw, rec, h, c, tmp, hp, hp);
}

void LstmRow(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp,
             int64_t stride) {
  float* gi = rec;
  float* go = rec + stride;
  float* gf = rec + 2 * stride;
  float* gc = rec + 3 * stride;
  if (p.peep == nullptr && stride == hp) {
    AddClip(p, rec, xw, nullptr, nullptr, 4 * hp);
    ActivateBlock(*p.f, rec, 3 * hp);  // i, o, f are adjacent
  } else if (p.peep == nullptr) {
    for (int g = 0; g < 4; ++g) AddClip(p, rec + g * stride, xw + g * stride, nullptr, nullptr, hp);
    for (int g = 0; g < 3; ++g) ActivateBlock(*p.f, rec + g * stride, hp);
  } else {
    AddClip(p, gi, xw, p.peep, c, hp);
    AddClip(p, gf, xw + 2 * stride, p.peep + 2 * stride, c, hp);
    AddClip(p, gc, xw + 3 * stride, nullptr, nullptr, hp);
    ActivateBlock(*p.f, gi, hp);
    if (!p.input_forget) ActivateBlock(*p.f, gf, hp);
  }
  ActivateBlock(*p.g, gc, hp);
  const __m256 one = _mm256_set1_ps(1.f);
  for (int64_t j = 0; j < hp; j += 8) {
    const __m256 i = _mm256_loadu_ps(gi + j);
    const __m256 f = p.input_forget ? _mm256_sub_ps(one, i) : _mm256_loadu_ps(gf + j);
    const __m256 cn = _mm256_fmadd_ps(f, _mm256_loadu_ps(c + j), _mm256_mul_ps(i, _mm256_loadu_ps(gc + j)));
    _mm256_storeu_ps(c + j, cn);
    _mm256_storeu_ps(tmp + j, cn);
  }
  if (p.peep != nullptr) {
    // The output gate's peephole looks at the new cell.
    AddClip(p, go, xw + stride, p.peep + stride, c, hp);
    ActivateBlock(*p.f, go, hp);
  }
  ActivateBlock(*p.hact, tmp, hp);
  for (int64_t j = 0; j < hp; j += 8)
    _mm256_storeu_ps(h + j, _mm256_mul_ps(_mm256_loadu_ps(go + j), _mm256_loadu_ps(tmp + j)));
}

void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp) {
  GruLbrRow(p, xw, rec, h, hp, hp);
}

void GruLbrRow(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp, int64_t stride) {
  for (int g = 0; g < 2; ++g) {
    AddClip(p, rec + g * stride, xw + g * stride, nullptr, nullptr, hp);
    ActivateBlock(*p.f, rec + g * stride, hp);
  }
  const float* z = rec;
  const float* r = rec + stride;
  float* gh = rec + 2 * stride;
  const float* xh = xw + 2 * stride;
  for (int64_t j = 0; j < hp; j += 8) {
    const __m256 lin = _mm256_add_ps(_mm256_loadu_ps(gh + j), _mm256_loadu_ps(p.rbh + j));
    _mm256_storeu_ps(gh + j, _mm256_fmadd_ps(_mm256_loadu_ps(r + j), lin, _mm256_loadu_ps(xh + j)));
  }
  Clip(p, gh, hp);
  ActivateBlock(*p.g, gh, hp);
  for (int64_t j = 0; j < hp; j += 8) {
    const __m256 hh = _mm256_loadu_ps(gh + j);
    // (1 - z)·hh + z·h = hh + z·(h - hh)
    _mm256_storeu_ps(h + j, _mm256_fmadd_ps(_mm256_loadu_ps(z + j), _mm256_sub_ps(_mm256_loadu_ps(h + j), hh), hh));
  }
}

void GruZrRow(const GateParams& p, const float* xw, float* rec, const float* h, float* rh, int64_t hp) {
  AddClip(p, rec, xw, nullptr, nullptr, 2 * hp);
  ActivateBlock(*p.f, rec, 2 * hp);
  const float* r = rec + hp;
  for (int64_t j = 0; j < hp; j += 8)
    _mm256_storeu_ps(rh + j, _mm256_mul_ps(_mm256_loadu_ps(r + j), _mm256_loadu_ps(h + j)));
}

void GruHRow(const GateParams& p, const float* xw, const float* z, const float* rec_h, float* h, int64_t hp) {
  const bool has_clip = p.clip.has_value();
  const __m256 hi = _mm256_set1_ps(has_clip ? *p.clip : 0.f);
  const __m256 lo = _mm256_set1_ps(has_clip ? -*p.clip : 0.f);
  const float* xh = xw + 2 * hp;
  // hh is built in h's own row: h's old value is read first, element by element.
  alignas(32) float hh_block[64];
  for (int64_t j0 = 0; j0 < hp; j0 += 64) {
    const int64_t n = hp - j0 < 64 ? hp - j0 : 64;
    for (int64_t j = 0; j < n; j += 8) {
      __m256 v = _mm256_add_ps(_mm256_loadu_ps(xh + j0 + j), _mm256_loadu_ps(rec_h + j0 + j));
      if (has_clip) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
      _mm256_store_ps(hh_block + j, v);
    }
    ActivateBlock(*p.g, hh_block, n);
    for (int64_t j = 0; j < n; j += 8) {
      const __m256 hh = _mm256_load_ps(hh_block + j);
      const __m256 hp_old = _mm256_loadu_ps(h + j0 + j);
      _mm256_storeu_ps(h + j0 + j, _mm256_fmadd_ps(_mm256_loadu_ps(z + j0 + j), _mm256_sub_ps(hp_old, hh), hh));
    }
  }
}

}  // namespace seqrt::ops::rnn
