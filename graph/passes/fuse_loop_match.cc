// Loop-matching scaffolding shared by the SimpleRNN, GRU and LSTM fusions.
//
// The rewrite is only sound when the Loop computes exactly what the recurrent op computes, so
// the matcher is strict: every body node must play a known role (cell, time counter, stop
// condition, identity pass-through, weight slicing), the weights must be constants the caller
// cannot override, and the trip count and condition must let the Loop run over the whole time
// axis of the gathered input (reading past it would make the Loop fail, so "at least T steps"
// means "exactly T steps").
#include "graph/passes/fuse_loop_match.h"

#include <algorithm>

#include "graph/passes/fuse_loop_ir.h"

namespace seqrt::graph::fuse {

LoopBody::LoopBody(const OuterView& outer, const Node& loop, const Graph& body)
    : outer_(outer), loop_(loop), body_(body), producer_(Producers(body)) {}

const Node* LoopBody::Producer(ValueId v) const {
  if (v == kNoValue || producer_[v] < 0) return nullptr;
  return &body_.nodes[producer_[v]];
}

const Node* LoopBody::Op(ValueId v, const char* op_type, int num_inputs) const {
  const Node* p = Producer(v);
  if (p == nullptr || !IsOnnx(*p, op_type)) return nullptr;
  if (num_inputs >= 0 && p->num_inputs() != num_inputs) return nullptr;
  for (ValueId in : p->inputs)
    if (in == kNoValue) return nullptr;
  return p;
}

void LoopBody::Claim(const Node* n) { claimed_.insert(IndexOf(n)); }

ValueId LoopBody::StripIdentity(ValueId v) {
  for (const Node* p = Op(v, "Identity", 1); p != nullptr; p = Op(v, "Identity", 1)) {
    Claim(p);
    v = p->inputs[0];
  }
  return v;
}

ValueId LoopBody::StripCast(ValueId v) {
  for (const Node* p = Producer(v); p != nullptr && (IsOnnx(*p, "Cast") || IsOnnx(*p, "Identity"));
       p = Producer(v)) {
    Claim(p);
    v = p->inputs[0];
  }
  return v;
}

ValueId LoopBody::OuterOf(ValueId v) const {
  for (size_t i = 0; i < body_.captures.size(); ++i)
    if (body_.captures[i] == v && i < loop_.implicit_inputs.size()) return loop_.implicit_inputs[i];
  for (int slot : passthrough_slots_)
    if (body_.inputs[2 + slot] == v) return loop_.inputs[2 + slot];
  return kNoValue;
}

bool LoopBody::ClassifySlots() {
  const int k = static_cast<int>(body_.inputs.size()) - 2;
  if (k < 1 || loop_.num_inputs() != k + 2 || !loop_.HasInput(0)) return false;
  scans_ = static_cast<int>(body_.outputs.size()) - 1 - k;
  if (scans_ < 0 || scans_ > 1 || static_cast<int>(loop_.outputs.size()) != k + scans_) return false;
  for (int slot = 0; slot < k; ++slot) {
    const ValueId in = body_.inputs[2 + slot];
    const ValueId out = StripIdentity(body_.outputs[1 + slot]);
    if (out == in) {
      passthrough_slots_.push_back(slot);
      continue;
    }
    const Node* add = Op(out, "Add", 2);
    if (add != nullptr && IsScalarZero(outer_.Constant(loop_.inputs[2 + slot]))) {
      const int other = add->inputs[0] == in ? 1 : add->inputs[1] == in ? 0 : -1;
      if (other >= 0 && ScalarInt(Constant(add->inputs[other])) == 1) {
        Claim(add);
        counter_slots_.push_back(slot);
        counter_outputs_.push_back(out);
        continue;
      }
    }
    state_slots_.push_back(slot);
  }
  return !state_slots_.empty();
}

ValueId LoopBody::StateOut(int slot) { return StripIdentity(body_.outputs[1 + slot]); }

ValueId LoopBody::ScanOut() {
  if (scans_ != 1) return kNoValue;
  return StripIdentity(body_.outputs.back());
}

const Tensor* LoopBody::Constant(ValueId v) {
  if (v == kNoValue) return nullptr;
  if (const Tensor* t = body_.value(v).constant.get()) {
    for (ValueId in : body_.inputs)
      if (in == v) return nullptr;  // a body input with a default can still be fed
    return t;
  }
  if (ValueId o = OuterOf(v); o != kNoValue) return outer_.Constant(o);
  auto it = folded_.find(v);
  if (it != folded_.end()) return it->second.get();
  std::shared_ptr<const Tensor> t = Fold(v);
  if (t == nullptr) return nullptr;
  folded_[v] = t;
  return t.get();
}

// Evaluates the weight-side glue exporters leave in bodies (Keras' bias unstacking, the
// recurrent kernel's column slices) when its data input is constant.
std::shared_ptr<const Tensor> LoopBody::Fold(ValueId v) {
  const Node* p = Producer(v);
  if (p == nullptr || !p->domain.empty() || p->inputs.empty() || p->inputs[0] == kNoValue) return nullptr;
  const std::string& op = p->op_type;
  if (op != "Identity" && op != "Squeeze" && op != "Unsqueeze" && op != "Split" && op != "Slice" &&
      op != "Gather" && op != "Transpose")
    return nullptr;
  const Tensor* in = Constant(p->inputs[0]);
  if (in == nullptr || in->dtype() != DType::kFloat) return nullptr;
  auto constant = [this](ValueId c) { return Constant(c); };
  const Dims& d = in->dims();
  const int rank = static_cast<int>(d.size());
  std::shared_ptr<Tensor> out;
  if (op == "Identity") {
    out = std::make_shared<Tensor>(*in);
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    std::vector<int64_t> axes;
    if (p->opset >= 13 && p->HasInput(1)) {
      auto a = IntList(Constant(p->inputs[1]));
      if (!a) return nullptr;
      axes = *a;
    } else {
      axes = p->attrs.GetInts("axes", {});
    }
    Dims nd;
    if (op == "Squeeze") {
      std::set<int> drop;
      for (int64_t a : axes) {
        auto ax = Axis(a, rank);
        if (!ax || d[*ax] != 1) return nullptr;
        drop.insert(*ax);
      }
      for (int i = 0; i < rank; ++i)
        if (axes.empty() ? d[i] != 1 : !drop.count(i)) nd.push_back(d[i]);
    } else {
      const int out_rank = rank + static_cast<int>(axes.size());
      std::set<int> add;
      for (int64_t a : axes) {
        auto ax = Axis(a, out_rank);
        if (!ax) return nullptr;
        add.insert(*ax);
      }
      for (int i = 0, j = 0; i < out_rank; ++i) nd.push_back(add.count(i) ? 1 : d[j++]);
    }
    out = std::make_shared<Tensor>(*in);
    out->Reshape(nd);
  } else if (op == "Split") {
    auto axis = Axis(p->attrs.GetInt("axis", 0), rank);
    if (!axis) return nullptr;
    auto sizes = SplitSizes(*p, d[*axis], constant);
    if (!sizes) return nullptr;
    int64_t lo = 0;
    for (size_t k = 0; k < p->outputs.size(); ++k) {
      if (p->outputs[k] == v) {
        std::vector<int64_t> start(rank, 0);
        Dims size = d;
        start[*axis] = lo;
        size[*axis] = (*sizes)[k];
        out = std::make_shared<Tensor>(CropBox(*in, start, size));
        break;
      }
      lo += (*sizes)[k];
    }
  } else if (op == "Slice") {
    auto args = ReadSlice(*p, constant);
    if (!args) return nullptr;
    std::vector<int64_t> start(rank, 0);
    Dims size = d;
    for (size_t i = 0; i < args->axes.size(); ++i) {
      auto ax = Axis(args->axes[i], rank);
      if (!ax || args->steps[i] != 1) return nullptr;
      const int64_t n = d[*ax];
      auto clamp = [n](int64_t e) { return std::clamp<int64_t>(e < 0 ? e + n : e, 0, n); };
      start[*ax] = clamp(args->starts[i]);
      size[*ax] = std::max<int64_t>(0, clamp(args->ends[i]) - start[*ax]);
    }
    out = std::make_shared<Tensor>(CropBox(*in, start, size));
  } else if (op == "Gather") {
    auto axis = Axis(p->attrs.GetInt("axis", 0), rank);
    const Tensor* idx = p->num_inputs() == 2 ? Constant(p->inputs[1]) : nullptr;
    auto i = ScalarInt(idx);
    if (!axis || !i || !idx->dims().empty() || *i < -d[*axis] || *i >= d[*axis]) return nullptr;
    std::vector<int64_t> start(rank, 0);
    Dims size = d;
    start[*axis] = *i < 0 ? *i + d[*axis] : *i;
    size[*axis] = 1;
    out = std::make_shared<Tensor>(CropBox(*in, start, size));
    Dims nd = d;
    nd.erase(nd.begin() + *axis);
    out->Reshape(nd);
  } else if (op == "Transpose") {
    std::vector<int64_t> perm = p->attrs.GetInts("perm", {1, 0});
    if (rank != 2 || perm != std::vector<int64_t>{1, 0}) return nullptr;
    out = std::make_shared<Tensor>(DType::kFloat, Dims{d[1], d[0]});
    for (int64_t r = 0; r < d[0]; ++r)
      for (int64_t c = 0; c < d[1]; ++c)
        out->data_as<float>()[c * d[0] + r] = in->data_as<float>()[r * d[1] + c];
  }
  if (out != nullptr) Claim(p);
  return out;
}

bool LoopBody::IsStepIndex(ValueId v) const {
  if (v == body_.inputs[0]) return true;
  for (int slot : counter_slots_)
    if (v == body_.inputs[2 + slot]) return true;
  return false;
}

bool LoopBody::IsStepInput(ValueId v) {
  const Node* gather = Op(v, "Gather", 2);
  if (gather == nullptr || !IsStepIndex(gather->inputs[1])) return false;
  const int64_t axis = gather->attrs.GetInt("axis", 0);
  if (axis != 0 && axis != 1) return false;
  const ValueId x = OuterOf(gather->inputs[0]);
  if (x == kNoValue || (x_ != kNoValue && (x != x_ || axis != time_axis_))) return false;
  const Shape& xs = outer_.ShapeOf(x);
  if (xs.rank_known && xs.rank() != 3) return false;
  x_ = x;
  time_axis_ = static_cast<int>(axis);
  Claim(gather);
  return true;
}

bool LoopBody::FlattenAffine(ValueId v, Affine* out) {
  if (const Node* add = Op(v, "Add", 2)) {
    Claim(add);
    return FlattenAffine(add->inputs[0], out) && FlattenAffine(add->inputs[1], out);
  }
  // h.R squeezed before it is added: Squeeze without axes drops only 1-sized dims, which
  // broadcasting in the sum puts back, so the sum is unchanged.
  // (A [N, 1] product would squeeze to [N] and broadcast to [N, N]: only wider ones qualify.)
  if (const Node* sq = Op(v, "Squeeze", 1); sq != nullptr && !sq->attrs.Has("axes")) {
    const Node* mm = Op(sq->inputs[0], "MatMul", 2);
    const Tensor* w = mm != nullptr ? Constant(mm->inputs[1]) : nullptr;
    if (!IsFloatMatrix(w) || w->dims()[1] < 2) return false;
    Claim(sq);
    return FlattenAffine(sq->inputs[0], out);
  }
  if (const Node* mm = Op(v, "MatMul", 2)) {
    const Tensor* w = Constant(mm->inputs[1]);
    if (!IsFloatMatrix(w)) return false;
    Claim(mm);
    out->products.push_back({mm->inputs[0], std::make_shared<const Tensor>(*w)});
    return true;
  }
  if (const Node* gemm = Op(v, "Gemm")) {
    if (gemm->num_inputs() < 2 || gemm->num_inputs() > 3) return false;
    if (gemm->attrs.GetFloat("alpha", 1.f) != 1.f || gemm->attrs.GetFloat("beta", 1.f) != 1.f ||
        gemm->attrs.GetInt("transA", 0) != 0)
      return false;
    const Tensor* w = Constant(gemm->inputs[1]);
    if (!IsFloatMatrix(w)) return false;
    auto weight = std::make_shared<Tensor>(*w);
    if (gemm->attrs.GetInt("transB", 0) != 0) {
      const Dims& d = w->dims();
      Tensor t(DType::kFloat, {d[1], d[0]});
      for (int64_t r = 0; r < d[0]; ++r)
        for (int64_t c = 0; c < d[1]; ++c)
          t.data_as<float>()[c * d[0] + r] = w->data_as<float>()[r * d[1] + c];
      *weight = std::move(t);
    }
    Claim(gemm);
    out->products.push_back({gemm->inputs[0], std::move(weight)});
    return gemm->num_inputs() == 2 || FlattenAffine(gemm->inputs[2], out);
  }
  const Tensor* b = Constant(v);
  if (b == nullptr || b->dtype() != DType::kFloat) return false;
  out->biases.push_back(b);
  return true;
}

bool LoopBody::MatchAffine(ValueId v, Affine* out) {
  *out = Affine();
  return FlattenAffine(v, out);
}

bool LoopBody::MatchProjection(ValueId v, ValueId h_in, Projection* out) {
  Affine a;
  if (!MatchAffine(v, &a)) return false;
  *out = Projection();
  for (const AffineProduct& p : a.products) {
    std::shared_ptr<const Tensor>* slot = p.left == h_in ? &out->recurrent : &out->kernel;
    if (*slot != nullptr) return false;  // a second x_t or h product is not a gate projection
    if (slot == &out->kernel && !IsStepInput(p.left)) return false;
    const int64_t cols = p.weight->dims()[1];
    if (out->width != 0 && cols != out->width) return false;
    out->width = cols;
    *slot = p.weight;
  }
  if (out->width == 0) return false;
  out->bias.assign(out->width, 0.f);
  for (const Tensor* b : a.biases) {
    std::vector<float> v;
    if (!ReadVector(b, out->width, &v)) return false;
    for (int64_t i = 0; i < out->width; ++i) out->bias[i] += v[i];
  }
  return true;
}

ValueId LoopBody::BlockSource(ValueId v) const {
  const Node* p = Producer(v);
  if (p == nullptr || !p->domain.empty() || (p->op_type != "Split" && p->op_type != "Slice") ||
      p->inputs.empty())
    return kNoValue;
  return p->inputs[0];
}

bool LoopBody::MatchColumnBlock(ValueId v, int64_t width, ColumnBlock* out) {
  const Node* p = Producer(v);
  if (p == nullptr || !p->domain.empty() || p->inputs.empty() || p->inputs[0] == kNoValue) return false;
  auto constant = [this](ValueId c) { return Constant(c); };
  if (p->op_type == "Split") {
    const int64_t axis = p->attrs.GetInt("axis", 0);
    if (axis != 1 && axis != -1) return false;
    auto sizes = SplitSizes(*p, width, constant);
    if (!sizes) return false;
    int64_t lo = 0;
    for (size_t k = 0; k < p->outputs.size(); ++k) {
      if (p->outputs[k] == v) {
        *out = {p->inputs[0], lo, lo + (*sizes)[k]};
        Claim(p);
        return true;
      }
      lo += (*sizes)[k];
    }
    return false;
  }
  if (p->op_type == "Slice") {
    auto args = ReadSlice(*p, constant);
    if (!args) return false;
    ColumnBlock b{p->inputs[0], 0, width};
    for (size_t i = 0; i < args->axes.size(); ++i) {
      if (args->steps[i] != 1) return false;
      const int64_t s = args->starts[i], e = args->ends[i];
      if (args->axes[i] == 0 || args->axes[i] == -2) {
        if (s != 0 || e < kToEnd) return false;  // every row (batch entry) must stay
      } else if (args->axes[i] == 1 || args->axes[i] == -1) {
        auto clamp = [width](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + width : x, 0, width); };
        b.lo = clamp(s);
        b.hi = std::max(b.lo, clamp(e));
      } else {
        return false;
      }
    }
    *out = b;
    Claim(p);
    return true;
  }
  return false;
}

bool LoopBody::MatchActivation(ValueId v, CellActivation* act, ValueId* arg) {
  const Node* p = Producer(v);
  if (p == nullptr || !p->domain.empty() || p->num_inputs() != 1 || p->inputs[0] == kNoValue) return false;
  if (p->op_type == "Sigmoid" || p->op_type == "Tanh" || p->op_type == "Relu") {
    *act = {p->op_type, 0.f, 0.f};
  } else if (p->op_type == "HardSigmoid") {
    *act = {p->op_type, p->attrs.GetFloat("alpha", 0.2f), p->attrs.GetFloat("beta", 0.5f)};
  } else {
    return false;
  }
  Claim(p);
  *arg = p->inputs[0];
  return true;
}

// cond_out is true after every step t < T-1: an And of `step < bound` tests with bound >= T.
bool LoopBody::ConditionHoldsForAllSteps(ValueId v) {
  const Node* p = Producer(StripIdentity(v));
  if (p == nullptr || p->num_inputs() != 2) return false;
  Claim(p);
  if (p->op_type == "And")
    return ConditionHoldsForAllSteps(p->inputs[0]) && ConditionHoldsForAllSteps(p->inputs[1]);
  if (p->op_type != "Less" && p->op_type != "Greater") return false;
  ValueId step = StripCast(p->op_type == "Less" ? p->inputs[0] : p->inputs[1]);
  ValueId bound = StripCast(p->op_type == "Less" ? p->inputs[1] : p->inputs[0]);
  // The step may be read before (t) or after (t + 1) the counter's increment.
  bool is_step = IsStepIndex(step);
  for (ValueId out : counter_outputs_) is_step = is_step || step == out;
  if (!is_step) return false;
  if (const Tensor* c = body_.value(bound).constant.get()) {
    auto n = ScalarNumber(c);
    auto len = outer_.UpperLength(x_, time_axis_);
    return n && len && *n >= static_cast<double>(*len);
  }
  const ValueId outer_bound = OuterOf(bound);
  return outer_bound != kNoValue && outer_.CoversLength(outer_bound, x_, time_axis_);
}

bool LoopBody::Finish() {
  if (x_ == kNoValue) return false;
  // The fused op starts from [1, N, H] states: the Loop's must be [N, H] (or zeros, the default).
  for (int slot : state_slots_) {
    const ValueId h0 = loop_.inputs[2 + slot];
    const Shape& s = outer_.ShapeOf(h0);
    if (s.rank_known && s.rank() != 2) return false;
    const Tensor* c = outer_.Constant(h0);
    if (c != nullptr && !IsAllFloat(c, 0.f)) {
      auto batch = outer_.ExactLength(x_, 1 - time_axis_);
      if (c->dims().size() != 2 || !batch || *batch != c->dims()[0]) return false;
    }
  }
  for (int slot : counter_slots_)
    if (outer_.Used(loop_.outputs[slot])) return false;  // the fused op has no step count to give
  if (!outer_.CoversLength(loop_.inputs[0], x_, time_axis_)) return false;
  if (!outer_.KnownTrue(loop_.inputs[1], x_, time_axis_)) return false;
  const ValueId cond_out = body_.outputs[0];
  if (StripIdentity(cond_out) != body_.inputs[1] && !ConditionHoldsForAllSteps(cond_out)) return false;
  return claimed_.size() == body_.nodes.size();  // no op outside the cell's known roles
}

}  // namespace seqrt::graph::fuse
