// The recurrent gate math (ops/onednn/rnn_gates.h) and its activation functions as templates
// over a vector type V (one per ISA; see kernels_avx512.cc for the interface). Included only by
// the per-ISA kernel files, in an unnamed namespace like gemm_impl.h.
//
// exp uses a Cody-Waite range reduction and a degree-6 polynomial (about 1 ulp on the reduced
// range); sigmoid and tanh are built on it with a Newton-refined reciprocal, so every result
// stays within ~2e-7 absolute of std::exp/std::tanh, well inside the kernels' 1e-5 budget.
// Rows are padded to multiples of 8 floats, which need not be whole vectors of a wide ISA:
// the last part of a row goes through V's partial load and store.
#pragma once

#include <cstdint>

#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

#ifndef SEQRT_INLINE
#define SEQRT_INLINE __attribute__((always_inline)) inline
#endif

// Runs body(j, load, store) over [0, n) one vector at a time; load/store address the vector
// at a pointer (whole vectors, then one partial vector for the tail).
template <class V, class Body>
SEQRT_INLINE void Lanes(int64_t n, Body body) {
  using T = typename V::T;
  int64_t j = 0;
  for (; j + V::kLanes <= n; j += V::kLanes)
    body(j, [](const float* p) { return V::Load(p); }, [](float* p, T x) { V::Store(p, x); });
  if (j < n) {
    const int rest = static_cast<int>(n - j);
    body(j, [rest](const float* p) { return V::LoadN(p, rest); }, [rest](float* p, T x) { V::StoreN(p, x, rest); });
  }
}

// v = f(v) over n floats.
template <class V, class F>
SEQRT_INLINE void MapInPlace(float* v, int64_t n, F f) {
  Lanes<V>(n, [&](int64_t j, auto ld, auto st) { st(v + j, f(ld(v + j))); });
}

template <class V>
SEQRT_INLINE typename V::T Exp(typename V::T x) {
  using T = typename V::T;
  // Clamp so that 2^n stays a normal float (n in [-126, 127]).
  x = V::Min(V::Max(x, V::Set1(-87.3f)), V::Set1(88.3f));
  const T n = V::Round(V::Mul(x, V::Set1(1.44269504088896341f)));
  // r = x - n*ln2, ln2 split in a high part exact in float and a low correction.
  T r = V::Fnmadd(n, V::Set1(0.693359375f), x);
  r = V::Fnmadd(n, V::Set1(-2.12194440e-4f), r);
  T p = V::Set1(1.9875691500e-4f);
  p = V::Fmadd(p, r, V::Set1(1.3981999507e-3f));
  p = V::Fmadd(p, r, V::Set1(8.3334519073e-3f));
  p = V::Fmadd(p, r, V::Set1(4.1665795894e-2f));
  p = V::Fmadd(p, r, V::Set1(1.6666665459e-1f));
  p = V::Fmadd(p, r, V::Set1(5.0000001201e-1f));
  const T r2 = V::Mul(r, r);
  p = V::Fmadd(p, r2, V::Add(r, V::Set1(1.f)));
  return V::Mul(p, V::Pow2(n));
}

// 1/d from the hardware estimate and one Newton step (relative error ~1e-7): a full division's
// throughput is several times lower, and the gate math does one per gate value (on Zen 4 a
// zmm division here made kws_lstm at batch 1 ~10 % slower).
template <class V>
SEQRT_INLINE typename V::T Reciprocal(typename V::T d) {
  const typename V::T r = V::Rcp(d);
  return V::Mul(r, V::Fnmadd(d, r, V::Set1(2.f)));
}

template <class V>
SEQRT_INLINE typename V::T Sigmoid(typename V::T x) {
  return Reciprocal<V>(V::Add(V::Set1(1.f), Exp<V>(V::Sub(V::Zero(), x))));
}

// tanh(|x|) = (1 - e) / (1 + e) with e = exp(-2|x|) in (0, 1]: no overflow, no cancellation
// beyond one ulp of 1; the sign is put back afterwards.
template <class V>
SEQRT_INLINE typename V::T Tanh(typename V::T x) {
  using T = typename V::T;
  const T e = Exp<V>(V::Mul(V::Abs(x), V::Set1(-2.f)));
  const T one = V::Set1(1.f);
  return V::CopySign(V::Mul(V::Sub(one, e), Reciprocal<V>(V::Add(one, e))), x);
}

// One ONNX recurrent activation on a vector. The switch is on a per-gate constant, so the
// branch predictor makes it free next to the exp.
template <class V>
typename V::T Activate(const RecurrentActivation& a, typename V::T x) {
  using K = RecurrentActivation::Kind;
  using T = typename V::T;
  const T zero = V::Zero();
  const T alpha = V::Set1(a.alpha);
  const T beta = V::Set1(a.beta);
  switch (a.kind) {
    case K::kSigmoid: return Sigmoid<V>(x);
    case K::kTanh: return Tanh<V>(x);
    case K::kRelu: return V::Max(x, zero);
    case K::kAffine: return V::Fmadd(alpha, x, beta);
    case K::kLeakyRelu: return V::Select(V::Lt(x, zero), V::Mul(alpha, x), x);
    case K::kThresholdedRelu: return V::Select(V::Gt(x, alpha), x, zero);
    case K::kScaledTanh: return V::Mul(alpha, Tanh<V>(V::Mul(beta, x)));
    case K::kHardSigmoid: return V::Min(V::Set1(1.f), V::Max(zero, V::Fmadd(alpha, x, beta)));
    case K::kElu: return V::Select(V::Lt(x, zero), V::Mul(alpha, V::Sub(Exp<V>(x), V::Set1(1.f))), x);
    case K::kSoftsign: return V::Div(x, V::Add(V::Set1(1.f), V::Abs(x)));
    case K::kSoftplus: {
      // Rare: lane by lane with libm (log1p keeps small results accurate).
      alignas(64) float v[V::kLanes];
      V::Store(v, x);
      for (float& f : v) f = f > 30.f ? f : __builtin_log1pf(__builtin_expf(f));
      return V::Load(v);
    }
  }
  return x;
}

template <class V>
void ActivateBlockImpl(const RecurrentActivation& a, float* v, int64_t n) {
  // The common kinds get their own loops so the compiler keeps constants in registers; the
  // rest go through the per-vector switch.
  using K = RecurrentActivation::Kind;
  using T = typename V::T;
  switch (a.kind) {
    case K::kSigmoid: MapInPlace<V>(v, n, [](T x) { return Sigmoid<V>(x); }); return;
    case K::kTanh: MapInPlace<V>(v, n, [](T x) { return Tanh<V>(x); }); return;
    case K::kRelu: MapInPlace<V>(v, n, [](T x) { return V::Max(x, V::Zero()); }); return;
    default: MapInPlace<V>(v, n, [&](T x) { return Activate<V>(a, x); }); return;
  }
}

template <class V>
SEQRT_INLINE typename V::T ClipTo(const GateParams& gp, typename V::T v) {
  return gp.has_clip ? V::Min(V::Max(v, V::Set1(-gp.clip)), V::Set1(gp.clip)) : v;
}

// dst = clip(dst + a [+ p ⊙ c]) over n floats; `p` may be null (no peephole term).
template <class V>
SEQRT_INLINE void AddClip(const GateParams& gp, float* dst, const float* a, const float* p, const float* c,
                          int64_t n) {
  Lanes<V>(n, [&](int64_t j, auto ld, auto st) {
    typename V::T v = V::Add(ld(dst + j), ld(a + j));
    if (p) v = V::Fmadd(ld(p + j), ld(c + j), v);
    st(dst + j, ClipTo<V>(gp, v));
  });
}

template <class V>
void RnnRowImpl(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp) {
  AddClip<V>(p, rec, xw, nullptr, nullptr, hp);
  ActivateBlockImpl<V>(*p.f, rec, hp);
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) { st(h + j, ld(rec + j)); });
}

template <class V>
void LstmRowImpl(const GateParams& p, const float* xw, float* rec, float* h, float* c, float* tmp, int64_t hp,
                 int64_t stride) {
  using T = typename V::T;
  float* gi = rec;
  float* go = rec + stride;
  float* gf = rec + 2 * stride;
  float* gc = rec + 3 * stride;
  if (p.peep == nullptr && stride == hp) {
    AddClip<V>(p, rec, xw, nullptr, nullptr, 4 * hp);
    ActivateBlockImpl<V>(*p.f, rec, 3 * hp);  // i, o, f are adjacent
  } else if (p.peep == nullptr) {
    for (int g = 0; g < 4; ++g) AddClip<V>(p, rec + g * stride, xw + g * stride, nullptr, nullptr, hp);
    for (int g = 0; g < 3; ++g) ActivateBlockImpl<V>(*p.f, rec + g * stride, hp);
  } else {
    AddClip<V>(p, gi, xw, p.peep, c, hp);
    AddClip<V>(p, gf, xw + 2 * stride, p.peep + 2 * stride, c, hp);
    AddClip<V>(p, gc, xw + 3 * stride, nullptr, nullptr, hp);
    ActivateBlockImpl<V>(*p.f, gi, hp);
    if (!p.input_forget) ActivateBlockImpl<V>(*p.f, gf, hp);
  }
  ActivateBlockImpl<V>(*p.g, gc, hp);
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) {
    const T i = ld(gi + j);
    const T f = p.input_forget ? V::Sub(V::Set1(1.f), i) : ld(gf + j);
    const T cn = V::Fmadd(f, ld(c + j), V::Mul(i, ld(gc + j)));
    st(c + j, cn);
    st(tmp + j, cn);
  });
  if (p.peep != nullptr) {
    // The output gate's peephole looks at the new cell.
    AddClip<V>(p, go, xw + stride, p.peep + stride, c, hp);
    ActivateBlockImpl<V>(*p.f, go, hp);
  }
  ActivateBlockImpl<V>(*p.hact, tmp, hp);
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) { st(h + j, V::Mul(ld(go + j), ld(tmp + j))); });
}

template <class V>
void GruLbrRowImpl(const GateParams& p, const float* xw, float* rec, float* h, int64_t hp, int64_t stride) {
  using T = typename V::T;
  for (int g = 0; g < 2; ++g) {
    AddClip<V>(p, rec + g * stride, xw + g * stride, nullptr, nullptr, hp);
    ActivateBlockImpl<V>(*p.f, rec + g * stride, hp);
  }
  const float* z = rec;
  const float* r = rec + stride;
  float* gh = rec + 2 * stride;
  const float* xh = xw + 2 * stride;
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) {
    const T lin = V::Add(ld(gh + j), ld(p.rbh + j));
    st(gh + j, ClipTo<V>(p, V::Fmadd(ld(r + j), lin, ld(xh + j))));
  });
  ActivateBlockImpl<V>(*p.g, gh, hp);
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) {
    const T hh = ld(gh + j);
    // (1 - z)·hh + z·h = hh + z·(h - hh)
    st(h + j, V::Fmadd(ld(z + j), V::Sub(ld(h + j), hh), hh));
  });
}

template <class V>
void GruZrRowImpl(const GateParams& p, const float* xw, float* rec, const float* h, float* rh, int64_t hp) {
  AddClip<V>(p, rec, xw, nullptr, nullptr, 2 * hp);
  ActivateBlockImpl<V>(*p.f, rec, 2 * hp);
  const float* r = rec + hp;
  Lanes<V>(hp, [&](int64_t j, auto ld, auto st) { st(rh + j, V::Mul(ld(r + j), ld(h + j))); });
}

template <class V>
void GruHRowImpl(const GateParams& p, const float* xw, const float* z, const float* rec_h, float* h, int64_t hp) {
  using T = typename V::T;
  const float* xh = xw + 2 * hp;
  // hh is built in a block of its own: h's old value is still needed after the activation.
  alignas(64) float hh_block[64];
  for (int64_t j0 = 0; j0 < hp; j0 += 64) {
    const int64_t n = hp - j0 < 64 ? hp - j0 : 64;
    Lanes<V>(n, [&](int64_t j, auto ld, auto st) {
      st(hh_block + j, ClipTo<V>(p, V::Add(ld(xh + j0 + j), ld(rec_h + j0 + j))));
    });
    ActivateBlockImpl<V>(*p.g, hh_block, n);
    Lanes<V>(n, [&](int64_t j, auto ld, auto st) {
      const T hh = ld(hh_block + j);
      st(h + j0 + j, V::Fmadd(ld(z + j0 + j), V::Sub(ld(h + j0 + j), hh), hh));
    });
  }
}

}  // namespace
}  // namespace seqrt::ops::simd
