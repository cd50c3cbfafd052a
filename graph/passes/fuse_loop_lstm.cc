// Keras LSTM cell (implementation 2, as tf2onnx leaves it in a Loop body; Keras 3 writes
// x_t.K + h.R as one Gemm whose C is Squeeze(h.R)), gates in Keras order i, f, c, o:
//   zs = x_t.K + h.R + b                  -> Split into z0, z1, z2, z3
//   i = f(z0), f = f(z1), g = act(z2), o = f(z3)
//   c' = f * c + i * g,  h' = o * act(c')
// ONNX LSTM has the same equations with gates in order i, o, f, c, activations [f, g, h].
#include "graph/passes/fuse_loop_lstm.h"

#include <algorithm>

namespace seqrt::graph::fuse {
namespace {

// Keras block of each ONNX gate (i, o, f, c).
constexpr int kKerasBlockOf[4] = {0, 3, 1, 2};

class LstmMatcher {
 public:
  explicit LstmMatcher(LoopBody& body) : b_(body) {}

  std::optional<FusedCell> Match() {
    if (b_.state_slots().size() != 2) return std::nullopt;
    // The hidden state is the slot whose next value is o * act(c').
    for (int a = 0; a < 2 && h_slot_ < 0; ++a) {
      const int hs = b_.state_slots()[a], cs = b_.state_slots()[1 - a];
      const ValueId c_new = b_.StateOut(cs);
      const Node* mul = b_.Op(b_.StateOut(hs), "Mul", 2);
      if (mul == nullptr) continue;
      for (int j = 0; j < 2; ++j) {
        const Node* act = b_.Op(mul->inputs[j], "Tanh", 1);
        if (act == nullptr) act = b_.Op(mul->inputs[j], "Relu", 1);
        if (act == nullptr) act = b_.Op(mul->inputs[j], "Sigmoid", 1);
        if (act != nullptr && act->inputs[0] == c_new) {
          h_slot_ = hs;
          c_slot_ = cs;
          break;
        }
      }
    }
    if (h_slot_ < 0) return std::nullopt;
    h_in_ = b_.StateIn(h_slot_);
    c_in_ = b_.StateIn(c_slot_);
    const ValueId h_new = b_.StateOut(h_slot_), c_new = b_.StateOut(c_slot_);
    if (b_.has_scan() && b_.ScanOut() != h_new) return std::nullopt;

    // h' = o * act_h(c')
    const Node* out_mul = b_.Op(h_new, "Mul", 2);
    if (out_mul == nullptr) return std::nullopt;
    b_.Claim(out_mul);
    CellActivation act_h;
    ValueId arg = kNoValue;
    int ci = -1;
    for (int j = 0; j < 2 && ci < 0; ++j)
      if (b_.MatchActivation(out_mul->inputs[j], &act_h, &arg) && arg == c_new) ci = j;
    if (ci < 0) return std::nullopt;
    ValueId o = out_mul->inputs[1 - ci];

    // c' = f * c + i * g
    const Node* add = b_.Op(c_new, "Add", 2);
    if (add == nullptr) return std::nullopt;
    ValueId f = kNoValue, i = kNoValue, g = kNoValue;
    for (int j = 0; j < 2 && f == kNoValue; ++j) {
      const Node* keep = b_.Op(add->inputs[j], "Mul", 2);
      const Node* write = b_.Op(add->inputs[1 - j], "Mul", 2);
      if (keep == nullptr || write == nullptr) continue;
      const int k = keep->inputs[0] == c_in_ ? 0 : keep->inputs[1] == c_in_ ? 1 : -1;
      if (k < 0) continue;
      for (const Node* n : {add, keep, write}) b_.Claim(n);
      f = keep->inputs[1 - k];
      i = write->inputs[0];
      g = write->inputs[1];
    }
    if (f == kNoValue) return std::nullopt;

    // Each gate is an activation of one column block of the same projection.
    CellActivation act_f, act_i, act_g, act_o;
    ValueId zf, zi, zg, zo;
    if (!b_.MatchActivation(f, &act_f, &zf) || !b_.MatchActivation(i, &act_i, &zi) ||
        !b_.MatchActivation(g, &act_g, &zg) || !b_.MatchActivation(o, &act_o, &zo))
      return std::nullopt;
    zs_ = b_.BlockSource(zf);
    if (zs_ == kNoValue || !b_.MatchProjection(zs_, h_in_, &p_) || p_.kernel == nullptr ||
        p_.recurrent == nullptr || p_.width % 4 != 0)
      return std::nullopt;
    h_ = p_.width / 4;
    if (p_.recurrent->dims() != Dims{h_, 4 * h_}) return std::nullopt;
    // i * g is symmetric: the blocks say which factor is the input gate.
    if (Block(zi, 2) && Block(zg, 0)) {
      std::swap(act_i, act_g);
    } else if (!Block(zi, 0) || !Block(zg, 2)) {
      return std::nullopt;
    }
    if (!Block(zf, 1) || !Block(zo, 3)) return std::nullopt;
    if (!(act_i == act_f) || !(act_o == act_f)) return std::nullopt;
    return Build({act_f, act_g, act_h});
  }

 private:
  bool Block(ValueId v, int k) {
    ColumnBlock blk;
    return b_.MatchColumnBlock(v, p_.width, &blk) && blk.source == zs_ && blk.lo == k * h_ &&
           blk.hi == (k + 1) * h_;
  }

  FusedCell Build(std::vector<CellActivation> acts) {
    const int64_t h = h_, feat = p_.kernel->dims()[0];
    FusedCell c;
    c.op_type = "LSTM";
    c.hidden = h;
    c.w = Tensor(DType::kFloat, {1, 4 * h, feat});
    c.r = Tensor(DType::kFloat, {1, 4 * h, h});
    c.b = Tensor(DType::kFloat, {1, 8 * h});  // all biases summed into Wb; Rb stays zero
    for (int gate = 0; gate < 4; ++gate) {
      const int64_t lo = kKerasBlockOf[gate] * h;
      PutTransposedColumns(*p_.kernel, lo, lo + h, &c.w, gate * h);
      PutTransposedColumns(*p_.recurrent, lo, lo + h, &c.r, gate * h);
      std::copy(p_.bias.begin() + lo, p_.bias.begin() + lo + h, c.b.data_as<float>() + gate * h);
    }
    c.activations = std::move(acts);
    c.h_slot = h_slot_;
    c.c_slot = c_slot_;
    return c;
  }

  LoopBody& b_;
  int h_slot_ = -1, c_slot_ = -1;
  ValueId h_in_ = kNoValue, c_in_ = kNoValue, zs_ = kNoValue;
  Projection p_;
  int64_t h_ = 0;
};

}  // namespace

std::optional<FusedCell> MatchLstmCell(LoopBody& body) { return LstmMatcher(body).Match(); }

}  // namespace seqrt::graph::fuse
