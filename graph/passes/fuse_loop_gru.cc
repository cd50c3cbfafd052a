// Keras GRU cell (implementation 2, as tf2onnx leaves it in a Loop body), gates z, r, h:
//   xs = x_t.K + b_x                       -> Split into x_z, x_r, x_h
//   reset_after=True:  rs = h.R + b_r      -> column slices r_z, r_r, r_h
//                      hh = g(x_h + r * r_h)
//   reset_after=False: rs = h.R[:, :2H]    -> r_z, r_r
//                      hh = g(x_h + (r * h).R[:, 2H:])
//   z = f(x_z + r_z), r = f(x_r + r_r), h' = z * h + (1 - z) * hh
// ONNX GRU uses the same gate order (z, r, h) and the same mix Ht = (1 - z) * hh + z * H(t-1);
// linear_before_reset=1 is exactly reset_after=True, 0 is reset_after=False (Rbh outside r).
#include "graph/passes/fuse_loop_gru.h"

#include <algorithm>
#include <map>

namespace seqrt::graph::fuse {
namespace {

class GruMatcher {
 public:
  explicit GruMatcher(LoopBody& body) : b_(body) {}

  std::optional<FusedCell> Match() {
    if (b_.state_slots().size() != 1) return std::nullopt;
    slot_ = b_.state_slots()[0];
    h_in_ = b_.StateIn(slot_);
    const ValueId h_new = b_.StateOut(slot_);
    if (b_.has_scan() && b_.ScanOut() != h_new) return std::nullopt;
    ValueId z = kNoValue, hh = kNoValue;
    if (!MatchMix(h_new, &z, &hh)) return std::nullopt;

    // z = f(x_z + r_z): its two blocks tell which value is the input side and which the recurrent one.
    CellActivation f, g;
    ValueId pre_z = kNoValue, pre_h = kNoValue;
    if (!b_.MatchActivation(z, &f, &pre_z) || !b_.MatchActivation(hh, &g, &pre_h)) return std::nullopt;
    if (!FindSides(pre_z)) return std::nullopt;
    if (!Gate(pre_z, 0)) return std::nullopt;

    // hh = g(x_h + reset term); the reset term shows which GRU variant this is.
    const Node* add = b_.Op(pre_h, "Add", 2);
    if (add == nullptr) return std::nullopt;
    b_.Claim(add);
    int xi = -1;
    for (int i = 0; i < 2 && xi < 0; ++i)
      if (b_.BlockSource(add->inputs[i]) == xs_) xi = i;
    if (xi < 0 || !Block(add->inputs[xi], xs_, x_.width, 2)) return std::nullopt;
    ValueId r = kNoValue;
    if (!MatchResetTerm(add->inputs[1 - xi], &r)) return std::nullopt;
    CellActivation fr;
    ValueId pre_r = kNoValue;
    if (!b_.MatchActivation(r, &fr, &pre_r) || !(fr == f) || !Gate(pre_r, 1)) return std::nullopt;
    return Build(f, g);
  }

 private:
  // h' = z * h + (1 - z) * hh, either operand order anywhere.
  bool MatchMix(ValueId h_new, ValueId* z, ValueId* hh) {
    const Node* add = b_.Op(h_new, "Add", 2);
    if (add == nullptr) return false;
    for (int i = 0; i < 2; ++i) {
      const Node* keep = b_.Op(add->inputs[i], "Mul", 2);
      const Node* take = b_.Op(add->inputs[1 - i], "Mul", 2);
      if (keep == nullptr || take == nullptr) continue;
      const int hi = keep->inputs[0] == h_in_ ? 0 : keep->inputs[1] == h_in_ ? 1 : -1;
      if (hi < 0) continue;
      const ValueId zz = keep->inputs[1 - hi];
      for (int j = 0; j < 2; ++j) {
        const Node* sub = b_.Op(take->inputs[j], "Sub", 2);
        if (sub == nullptr || sub->inputs[1] != zz) continue;
        const Tensor* one = b_.Constant(sub->inputs[0]);
        if (one == nullptr || one->num_elements() != 1 || !IsAllFloat(one, 1.f)) continue;
        for (const Node* n : {add, keep, take, sub}) b_.Claim(n);
        *z = zz;
        *hh = take->inputs[1 - j];
        return true;
      }
    }
    return false;
  }

  // pre_z = x_z + r_z: one block of the input projection, one of the recurrent projection.
  bool FindSides(ValueId pre_z) {
    const Node* add = b_.Op(pre_z, "Add", 2);
    if (add == nullptr) return false;
    for (int i = 0; i < 2; ++i) {
      const ValueId a = b_.BlockSource(add->inputs[i]), c = b_.BlockSource(add->inputs[1 - i]);
      if (a == kNoValue || c == kNoValue || a == c) return false;
      Projection pa, pc;
      if (!b_.MatchProjection(a, kNoValue, &pa) || pa.kernel == nullptr || pa.recurrent != nullptr) continue;
      if (!b_.MatchProjection(c, h_in_, &pc) || pc.kernel != nullptr || pc.recurrent == nullptr) return false;
      xs_ = a;
      rs_ = c;
      x_ = pa;
      r_ = pc;
      break;
    }
    if (xs_ == kNoValue || x_.width % 3 != 0) return false;
    h_ = x_.width / 3;
    reset_after_ = r_.width == 3 * h_;
    return (reset_after_ || r_.width == 2 * h_) && r_.recurrent->dims()[0] == h_;
  }

  // `v` is columns [k*H, (k+1)*H) of `source` (of width `width`).
  bool Block(ValueId v, ValueId source, int64_t width, int k) {
    ColumnBlock blk;
    return b_.MatchColumnBlock(v, width, &blk) && blk.source == source && blk.lo == k * h_ &&
           blk.hi == (k + 1) * h_;
  }

  // Gate k's pre-activation: x block k + recurrent block k, in either order.
  bool Gate(ValueId pre, int k) {
    const Node* add = b_.Op(pre, "Add", 2);
    if (add == nullptr) return false;
    b_.Claim(add);
    const int xi = b_.BlockSource(add->inputs[0]) == xs_ ? 0 : 1;
    return Block(add->inputs[xi], xs_, x_.width, k) && Block(add->inputs[1 - xi], rs_, r_.width, k);
  }

  // reset_after: r * r_h. Otherwise (r * h).R_h [+ b].
  bool MatchResetTerm(ValueId v, ValueId* r) {
    if (reset_after_) {
      const Node* mul = b_.Op(v, "Mul", 2);
      if (mul == nullptr) return false;
      b_.Claim(mul);
      const int bi = b_.BlockSource(mul->inputs[0]) == rs_ ? 0 : 1;
      *r = mul->inputs[1 - bi];
      return Block(mul->inputs[bi], rs_, r_.width, 2);
    }
    Affine a;
    if (!b_.MatchAffine(v, &a) || a.products.size() != 1) return false;
    const Node* mul = b_.Op(a.products[0].left, "Mul", 2);
    if (mul == nullptr) return false;
    const int hi = mul->inputs[0] == h_in_ ? 0 : mul->inputs[1] == h_in_ ? 1 : -1;
    if (hi < 0) return false;
    b_.Claim(mul);
    *r = mul->inputs[1 - hi];
    rh_ = a.products[0].weight;
    if (rh_->dims() != Dims{h_, h_}) return false;
    rh_bias_.assign(h_, 0.f);
    for (const Tensor* t : a.biases) {
      std::vector<float> v;
      if (!ReadVector(t, h_, &v)) return false;
      for (int64_t i = 0; i < h_; ++i) rh_bias_[i] += v[i];
    }
    return true;
  }

  FusedCell Build(const CellActivation& f, const CellActivation& g) {
    const int64_t h = h_, feat = x_.kernel->dims()[0];
    FusedCell c;
    c.op_type = "GRU";
    c.hidden = h;
    c.w = Tensor(DType::kFloat, {1, 3 * h, feat});
    c.r = Tensor(DType::kFloat, {1, 3 * h, h});
    c.b = Tensor(DType::kFloat, {1, 6 * h});
    PutTransposedColumns(*x_.kernel, 0, 3 * h, &c.w, 0);
    PutTransposedColumns(*r_.recurrent, 0, r_.width, &c.r, 0);
    float* bias = c.b.data_as<float>();
    std::copy(x_.bias.begin(), x_.bias.end(), bias);
    std::copy(r_.bias.begin(), r_.bias.end(), bias + 3 * h);
    if (!reset_after_) {
      PutTransposedColumns(*rh_, 0, h, &c.r, 2 * h);
      std::copy(rh_bias_.begin(), rh_bias_.end(), bias + 5 * h);
    }
    c.activations = {f, g};
    c.linear_before_reset = reset_after_ ? 1 : 0;
    c.h_slot = slot_;
    return c;
  }

  LoopBody& b_;
  int slot_ = -1;
  ValueId h_in_ = kNoValue, xs_ = kNoValue, rs_ = kNoValue;
  Projection x_, r_;
  int64_t h_ = 0;
  bool reset_after_ = true;
  std::shared_ptr<const Tensor> rh_;  // reset_after=False: R[:, 2H:]
  std::vector<float> rh_bias_;
};

}  // namespace

std::optional<FusedCell> MatchGruCell(LoopBody& body) { return GruMatcher(body).Match(); }

}  // namespace seqrt::graph::fuse
