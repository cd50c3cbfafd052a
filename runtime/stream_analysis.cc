// OpenStream's analysis: carried recurrent nodes, the time axis, and the check that every
// node between the time input and the outputs works step by step (so chunking changes
// nothing). The check follows the time axis through the graph by giving it a symbol of its
// own and re-running shape inference; a value that depends on the time input's data is
// "tainted" and is either per-step (has the time axis), as of the last step (Y_h, a
// last-step slice) or of lost axis (a flatten that merged time with other dims).
#include "runtime/stream_analysis.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/infer_graph.h"
#include "ops/recurrent_attrs.h"
#include "ops/registry.h"
#include "seqrt/status.h"

namespace seqrt::runtime {
namespace {

// "LSTM node 'lstm_1'", or for unnamed nodes "LSTM node #3 (output 'Y')".
std::string Describe(const graph::Graph& g, int index) {
  const graph::Node& n = g.nodes[index];
  if (!n.name.empty()) return n.Describe();
  std::string s = absl::StrCat(n.Describe(), " #", index);
  for (graph::ValueId out : n.outputs)
    if (out != graph::kNoValue && !g.value(out).name.empty()) return absl::StrCat(s, " (output '", g.value(out).name, "')");
  return s;
}

bool IsRecurrent(const graph::Node& n) {
  return n.domain.empty() && (n.op_type == "RNN" || n.op_type == "GRU" || n.op_type == "LSTM");
}

// The time position of a recurrent node's X (and Y): 0 time-major, 1 batch-major.
int RecurrentTimeAxis(const graph::Node& n) { return static_cast<int>(n.attrs.GetInt("layout", 0)); }

// Values computed from constants and tensor shapes only (what exporters emit for zero states).
class ShapeOnly {
 public:
  explicit ShapeOnly(const graph::Graph& g) : g_(g), memo_(g.values.size(), -1) {}
  bool operator()(graph::ValueId id) {
    if (id == graph::kNoValue) return true;
    if (memo_[id] >= 0) return memo_[id];
    const graph::Value& v = g_.value(id);
    bool result = false;
    if (v.constant) {
      result = true;
    } else if (v.producer >= 0) {
      const graph::Node& n = g_.nodes[v.producer];
      if (n.op_type == "Shape" || n.op_type == "Size") {
        result = true;
      } else if (n.implicit_inputs.empty()) {
        memo_[id] = 0;  // cycle guard
        result = std::all_of(n.inputs.begin(), n.inputs.end(), [&](graph::ValueId in) { return (*this)(in); });
      }
    }
    memo_[id] = result ? 1 : 0;
    return result;
  }

 private:
  const graph::Graph& g_;
  std::vector<int> memo_;
};

// Does `id` depend on any of `sources` (through data, not only through shapes)?
bool DependsOn(const graph::Graph& g, graph::ValueId id, const std::set<graph::ValueId>& sources) {
  std::vector<graph::ValueId> todo{id};
  std::set<graph::ValueId> seen;
  while (!todo.empty()) {
    graph::ValueId v = todo.back();
    todo.pop_back();
    if (v == graph::kNoValue || !seen.insert(v).second) continue;
    if (sources.count(v)) return true;
    int p = g.value(v).producer;
    if (p < 0) continue;
    const graph::Node& n = g.nodes[p];
    if (n.op_type == "Shape" || n.op_type == "Size") continue;
    for (graph::ValueId in : n.inputs) todo.push_back(in);
    for (graph::ValueId in : n.implicit_inputs) todo.push_back(in);
  }
  return false;
}

// A copy of `g` whose input `input`'s dim `axis` is the time symbol, with every computed
// shape cleared and inferred again so the symbol shows where that dim goes.
absl::StatusOr<std::shared_ptr<graph::Graph>> ProbeTimeAxis(const graph::Graph& g, graph::ValueId input, int axis) {
  auto copy = std::make_shared<graph::Graph>(g);
  std::set<graph::ValueId> inputs(copy->inputs.begin(), copy->inputs.end());
  for (graph::ValueId id = 0; id < static_cast<int>(copy->values.size()); ++id) {
    graph::Value& v = copy->value(id);
    if (!inputs.count(id) && !v.constant) v.shape = graph::Shape::UnknownRank();
  }
  copy->value(input).shape[axis] = graph::Dim::Symbol(kStreamTimeSymbol);
  SEQRT_RETURN_IF_ERROR(ops::InferGraphShapes(*copy, ops::OpRegistry::Global()));
  return copy;
}

int TimeAxisOf(const graph::Value& v) {
  if (!v.shape.rank_known) return -1;
  for (int d = 0; d < v.shape.rank(); ++d)
    if (v.shape[d].is_symbol() && v.shape[d].symbol() == kStreamTimeSymbol) return d;
  return -1;
}

// How a value depends on the stream's time input.
struct Taint {
  enum Kind { kNone, kTime, kLost, kLast } kind = kNone;
  int axis = -1;       // kTime
  int64_t factor = 1;  // kTime: entries per step along `axis` (> 1 once a Reshape merged time
                       // with the dims after it; time stays outermost, so chunks still concat)
  int lost_at = -1;    // kLost: the node whose output first lost track of the time axis
  bool tainted() const { return kind != kNone; }
};

std::optional<std::vector<int64_t>> ConstInts(const graph::Graph& g, const graph::Node& n, int input) {
  if (!n.HasInput(input)) return std::nullopt;
  const graph::Value& v = g.value(n.inputs[input]);
  if (!v.constant) return std::nullopt;
  std::vector<int64_t> out;
  const Tensor& t = *v.constant;
  if (t.dtype() == DType::kInt64) {
    for (int64_t x : t.values<int64_t>()) out.push_back(x);
  } else if (t.dtype() == DType::kInt32) {
    for (int32_t x : t.values<int32_t>()) out.push_back(x);
  } else {
    return std::nullopt;
  }
  return out;
}

int Normalize(int64_t axis, int rank) { return static_cast<int>(axis < 0 ? axis + rank : axis); }

const std::set<std::string>& PointwiseOps() {
  static const std::set<std::string> ops = {
      "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "And", "Or", "Xor", "Not",
      "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Where", "Relu", "LeakyRelu", "PRelu",
      "Elu", "Selu", "Celu", "Gelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Softplus", "Softsign",
      "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos",
      "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Clip", "Cast",
      "CastLike", "Identity", "Dropout", "IsNaN", "IsInf", "ThresholdedRelu", "Mish", "BitShift",
      "QuantizeLinear", "DequantizeLinear", "Shrink", "BatchNormalization"};
  return ops;
}

// Ops that move elements without looking at them; the symbol tells where time went.
const std::set<std::string>& LayoutOps() {
  static const std::set<std::string> ops = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Expand"};
  return ops;
}

// Where time went through a Reshape-like op that dropped the symbol: time is at output axis k,
// outermost of what merged there, when every input dim before time is known and their product
// is the product of the output dims before k, and the dims after both sides are known.
std::optional<Taint> MergedTime(const graph::Shape& in, const Taint& t, const graph::Shape& out) {
  if (!in.rank_known || !out.rank_known || t.kind != Taint::kTime) return std::nullopt;
  int64_t before = 1, after_in = 1;
  for (int d = 0; d < in.rank(); ++d) {
    if (d == t.axis) continue;
    if (!in[d].known()) return std::nullopt;
    (d < t.axis ? before : after_in) *= in[d].value();
  }
  int64_t prefix = 1;
  for (int k = 0; k < out.rank(); ++k) {
    if (prefix == before && !out[k].known()) {
      int64_t after_out = 1;
      for (int j = k + 1; j < out.rank(); ++j) {
        if (!out[j].known()) return std::nullopt;
        after_out *= out[j].value();
      }
      const int64_t total = t.factor * after_in;
      if (after_out == 0 || total % after_out != 0) return std::nullopt;
      return Taint{Taint::kTime, k, total / after_out};
    }
    if (!out[k].known()) return std::nullopt;
    prefix *= out[k].value();
  }
  return std::nullopt;
}

class TimeChecker {
 public:
  TimeChecker(const graph::Graph& g, graph::ValueId time_input, int time_axis)
      : g_(g), taint_(g.values.size()) {
    taint_[time_input] = {Taint::kTime, time_axis};
  }

  absl::Status Run(const std::set<int>& carried, const std::set<graph::ValueId>& state_inputs) {
    for (size_t i = 0; i < g_.nodes.size(); ++i) SEQRT_RETURN_IF_ERROR(Visit(static_cast<int>(i), carried, state_inputs));
    return absl::OkStatus();
  }
  const Taint& of(graph::ValueId id) const { return taint_[id]; }
  std::string LostAt(const Taint& t) const {
    if (t.lost_at < 0) return "an earlier node";
    const graph::Node& n = g_.nodes[t.lost_at];
    return absl::StrCat(Describe(g_, t.lost_at), " (", g_.value(n.inputs[0]).shape.ToString(), " -> ",
                        g_.value(n.outputs[0]).shape.ToString(), ")");
  }

 private:
  int CurrentIndex(const graph::Node& n) const { return static_cast<int>(&n - g_.nodes.data()); }

  absl::Status Mixes(const graph::Node& n, const std::string& why) const {
    return absl::FailedPreconditionError(absl::StrCat("cannot stream: ", Describe(g_, CurrentIndex(n)), " ", why));
  }

  // The time axis of input `i`, or an error when the analysis lost track of it.
  absl::StatusOr<int> InputTimeAxis(const graph::Node& n, int i) const {
    const Taint& t = taint_[n.inputs[i]];
    if (t.kind == Taint::kLost)
      return Mixes(n, absl::StrCat("works along an axis of a value whose time axis was lost by ", LostAt(t),
                                   ": cannot tell whether it mixes time steps"));
    return t.kind == Taint::kTime ? t.axis : -1;
  }

  absl::Status Visit(int index, const std::set<int>& carried, const std::set<graph::ValueId>& state_inputs) {
    const graph::Node& n = g_.nodes[index];
    if (n.op_type == "Shape" || n.op_type == "Size") return absl::OkStatus();
    bool any = false, any_time = false, any_last = false, any_lost = false;
    int lost_at = index;
    std::vector<graph::ValueId> all = n.inputs;
    all.insert(all.end(), n.implicit_inputs.begin(), n.implicit_inputs.end());
    for (graph::ValueId in : all) {
      if (in == graph::kNoValue) continue;
      const Taint& t = taint_[in];
      any |= t.tainted();
      any_time |= t.kind == Taint::kTime;
      any_last |= t.kind == Taint::kLast;
      if (t.kind == Taint::kLost && !any_lost) lost_at = t.lost_at;
      any_lost |= t.kind == Taint::kLost;
    }
    if (!any) return absl::OkStatus();

    // Default outputs: where the symbol is, else lost (time merged away) or last-step.
    std::vector<Taint> outs(n.outputs.size());
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] == graph::kNoValue) continue;
      int axis = TimeAxisOf(g_.value(n.outputs[o]));
      if (axis >= 0) outs[o] = {Taint::kTime, axis};
      else outs[o] = {(any_time || any_lost) ? Taint::kLost : Taint::kLast, -1, 1, lost_at};
    }
    // Time the symbol no longer shows: merged by a Reshape, or carried through per-step math.
    const std::string& op0 = n.op_type;
    if (!outs.empty() && outs[0].kind == Taint::kLost && n.outputs[0] != graph::kNoValue) {
      const graph::Shape& out_shape = g_.value(n.outputs[0]).shape;
      if (LayoutOps().count(op0) && op0 != "Transpose" && op0 != "Expand") {
        if (auto m = MergedTime(g_.value(n.inputs[0]).shape, taint_[n.inputs[0]], out_shape)) outs[0] = *m;
      } else if (op0 == "Transpose" && taint_[n.inputs[0]].kind == Taint::kTime) {
        const std::vector<int64_t> perm = n.attrs.GetInts("perm", {});
        for (size_t k = 0; k < perm.size(); ++k)
          if (perm[k] == taint_[n.inputs[0]].axis)
            outs[0] = {Taint::kTime, static_cast<int>(k), taint_[n.inputs[0]].factor};
      } else if (PointwiseOps().count(op0) || op0 == "MatMul" || op0 == "Gemm") {
        for (graph::ValueId in : n.inputs) {
          if (in == graph::kNoValue || taint_[in].kind != Taint::kTime || !out_shape.rank_known) continue;
          const int shift = out_shape.rank() - g_.value(in).shape.rank();
          if (g_.value(in).shape.rank_known && taint_[in].axis + shift >= 0 &&
              (op0 != "MatMul" || taint_[in].axis + shift < out_shape.rank() - 1)) {
            outs[0] = {Taint::kTime, taint_[in].axis + shift, taint_[in].factor};
            break;
          }
        }
      }
    }
    auto any_out_time = [&] {
      return std::any_of(outs.begin(), outs.end(), [](const Taint& t) { return t.kind == Taint::kTime; });
    };
    const std::string& op = n.op_type;
    if (IsRecurrent(n)) {
      SEQRT_RETURN_IF_ERROR(VisitRecurrent(n, index, carried, state_inputs, outs));
    } else if (PointwiseOps().count(op) || LayoutOps().count(op)) {
      if (any_last && any_out_time())
        return Mixes(n, "combines a value as of the last time step with every step: a full run would use "
                        "the sequence's last step where a chunk can only use its own");
    } else if (op == "MatMul") {
      SEQRT_ASSIGN_OR_RETURN(int a, InputTimeAxis(n, 0));
      const graph::Value& va = g_.value(n.inputs[0]);
      if (a >= 0 && va.shape.rank_known && a == va.shape.rank() - 1)
        return Mixes(n, "multiplies along the time axis");
      if (taint_[n.inputs[1]].tainted()) return Mixes(n, "multiplies by a matrix computed from the time input");
    } else if (op == "Gemm") {
      if ((n.HasInput(1) && taint_[n.inputs[1]].tainted()) || (n.HasInput(2) && taint_[n.inputs[2]].tainted()))
        return Mixes(n, "multiplies by a matrix computed from the time input");
      SEQRT_ASSIGN_OR_RETURN(int a, InputTimeAxis(n, 0));
      if (a >= 0 && a == (n.attrs.GetInt("transA", 0) ? 0 : 1)) return Mixes(n, "multiplies along the time axis");
    } else if (op == "Concat" || op == "Split" || op == "Softmax" || op == "LogSoftmax" || op == "Hardmax" ||
               op == "LayerNormalization" || op == "ArgMax" || op == "ArgMin" || op == "CumSum") {
      for (int i = 0; i < n.num_inputs(); ++i) {
        if (!n.HasInput(i) || !taint_[n.inputs[i]].tainted()) continue;
        if (op == "CumSum") return Mixes(n, "accumulates along an axis of a time-dependent value");
        SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, i));
        if (t < 0) continue;
        const int rank = g_.value(n.inputs[i]).shape.rank();
        const int64_t def = (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") ? (n.opset >= 13 ? -1 : 1)
                            : op == "LayerNormalization" ? -1 : 0;
        const int axis = Normalize(n.attrs.GetInt("axis", def), rank);
        const bool from_axis_on = op == "LayerNormalization" ||
                                  ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && n.opset < 13);
        if (from_axis_on ? t >= axis : t == axis)
          return Mixes(n, absl::StrCat("works along the time axis (", t, ")"));
      }
    } else if (op == "Gather") {
      SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, 0));
      if (taint_[n.inputs[1]].tainted()) {
        // An embedding lookup: per-step when the table is not time-dependent.
        if (taint_[n.inputs[0]].tainted()) return Mixes(n, "gathers time-dependent data at time-dependent indices");
      } else if (t >= 0 && Normalize(n.attrs.GetInt("axis", 0), g_.value(n.inputs[0]).shape.rank()) == t) {
        if (taint_[n.inputs[0]].factor > 1) return Mixes(n, "picks along a time axis merged with other dims");
        auto idx = ConstInts(g_, n, 1);
        if (!idx || idx->size() != 1 || (*idx)[0] != -1)
          return Mixes(n, "picks steps along the time axis other than the last");
        outs[0] = {Taint::kLast, -1};
      }
    } else if (op == "Slice") {
      SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, 0));
      if (t >= 0) {
        auto starts = ConstInts(g_, n, 1), ends = ConstInts(g_, n, 2), axes = ConstInts(g_, n, 3);
        auto steps = ConstInts(g_, n, 4);
        if (n.opset < 10) {
          starts = n.attrs.GetInts("starts", {});
          ends = n.attrs.GetInts("ends", {});
          axes = n.attrs.Has("axes") ? std::optional(n.attrs.GetInts("axes", {})) : std::nullopt;
        }
        const int rank = g_.value(n.inputs[0]).shape.rank();
        if (!starts || !ends) return Mixes(n, "slices with run-time bounds");
        std::vector<int64_t> ax;
        if (axes) ax = *axes;
        else for (size_t i = 0; i < starts->size(); ++i) ax.push_back(static_cast<int64_t>(i));
        for (size_t i = 0; i < ax.size(); ++i) {
          if (Normalize(ax[i], rank) != t) continue;
          if (taint_[n.inputs[0]].factor > 1) return Mixes(n, "slices a time axis merged with other dims");
          const bool step_one = !steps || (*steps)[i] == 1;
          if ((*starts)[i] == -1 && (*ends)[i] >= (int64_t{1} << 30) && step_one) {
            outs[0] = {Taint::kLast, -1};
          } else if (!((*starts)[i] == 0 && (*ends)[i] >= (int64_t{1} << 30) && step_one)) {
            return Mixes(n, "selects a range of time steps (only the whole axis or the last step can stream)");
          }
        }
      }
    } else if (op == "Tile") {
      if (n.HasInput(1) && taint_[n.inputs[1]].tainted()) return Mixes(n, "repeats by a time-dependent count");
      SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, 0));
      auto reps = ConstInts(g_, n, 1);
      if (t >= 0 && (!reps || t >= static_cast<int>(reps->size()) || (*reps)[t] != 1))
        return Mixes(n, "repeats the sequence along time");
      if (any_last) outs[0] = {Taint::kLast, -1};  // RepeatVector of a last state: checked where it is used
      for (auto& o : outs) if (any_last && !any_time && o.kind == Taint::kTime) o = {Taint::kLast, -1};
    } else if (op.rfind("Reduce", 0) == 0) {
      SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, 0));
      if (t >= 0) {
        std::optional<std::vector<int64_t>> axes;
        if (n.attrs.Has("axes")) axes = n.attrs.GetInts("axes", {});
        else if (n.HasInput(1)) axes = ConstInts(g_, n, 1);
        const bool reduce_all = !axes || axes->empty();
        const int rank = g_.value(n.inputs[0]).shape.rank();
        bool over_time = reduce_all && !(n.attrs.GetInt("noop_with_empty_axes", 0) && axes && axes->empty());
        if (axes) for (int64_t a : *axes) over_time |= Normalize(a, rank) == t;
        if (over_time) return Mixes(n, absl::StrCat("reduces over the time axis (", t, ")"));
      }
    } else if (op == "Conv" || op == "ConvTranspose" || op == "MaxPool" || op == "AveragePool" || op == "LpPool" ||
               op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool" ||
               op == "InstanceNormalization") {
      for (int i = 1; i < n.num_inputs(); ++i)
        if (n.HasInput(i) && taint_[n.inputs[i]].tainted())
          return Mixes(n, "uses weights computed from the time input");
      SEQRT_ASSIGN_OR_RETURN(int t, InputTimeAxis(n, 0));
      if (t == 1) return Mixes(n, "mixes the time axis as its channel axis");
      if (t >= 2) {
        if (op.rfind("Global", 0) == 0 || op == "InstanceNormalization")
          return Mixes(n, "pools/normalises over the time axis");
        std::vector<int64_t> kernel = n.attrs.GetInts("kernel_shape", {});
        if (kernel.empty() && (op == "Conv" || op == "ConvTranspose") && n.HasInput(1)) {
          const graph::Value& w = g_.value(n.inputs[1]);
          if (w.shape.fully_known()) for (int d = 2; d < w.shape.rank(); ++d) kernel.push_back(w.shape[d].value());
        }
        const size_t k = static_cast<size_t>(t - 2);
        const auto strides = n.attrs.GetInts("strides", {});
        const bool pointwise = k < kernel.size() && kernel[k] == 1 && (k >= strides.size() || strides[k] == 1);
        if (!pointwise)
          return Mixes(n, absl::StrCat("convolves/pools along the time axis (kernel ",
                                       k < kernel.size() ? absl::StrCat(kernel[k]) : std::string("?"),
                                       "): carrying its context across chunks is not supported"));
      }
    } else {
      return Mixes(n, "has no streaming rule (seqrt cannot tell whether it mixes time steps)");
    }
    for (size_t o = 0; o < n.outputs.size(); ++o)
      if (n.outputs[o] != graph::kNoValue) taint_[n.outputs[o]] = outs[o];
    return absl::OkStatus();
  }

  absl::Status VisitRecurrent(const graph::Node& n, int index, const std::set<int>& carried,
                              const std::set<graph::ValueId>& state_inputs, std::vector<Taint>& outs) {
    for (int i = 1; i < n.num_inputs(); ++i) {
      if (!n.HasInput(i) || !taint_[n.inputs[i]].tainted()) continue;
      if (i == 4) return Mixes(n, "takes sequence_lens computed from the time input");
      if (i <= 3) return Mixes(n, "takes weights computed from the time input");
      return Mixes(n, "takes its initial state from the time input's data: the stream cannot carry it");
    }
    const Taint& x = taint_[n.inputs[0]];
    const int want = RecurrentTimeAxis(n);
    if (x.kind == Taint::kLast)
      return Mixes(n, "runs over a sequence built from the last time step (e.g. a repeated final state): "
                      "it would restart every chunk");
    if (x.kind == Taint::kLost)
      return Mixes(n, absl::StrCat("runs over a value whose time axis was lost by ", LostAt(x),
                                   ": cannot tell where time is"));
    if (x.kind == Taint::kTime && x.axis != want)
      return Mixes(n, absl::StrCat("runs its steps over axis ", want, " but the stream's time is axis ", x.axis));
    std::string direction = n.attrs.GetString("direction", "forward");
    if (direction == "bidirectional")
      return Mixes(n, "is bidirectional: its backward half reads each chunk's future steps");
    if (direction == "reverse") return Mixes(n, "runs in reverse: each step reads the steps after it");
    if (!carried.count(index)) {
      // Its initial state comes from data; fine only when that data is a bound state input.
      bool bound = false;
      for (int i = 5; i < n.num_inputs(); ++i)
        if (n.HasInput(i)) bound |= DependsOn(g_, n.inputs[i], state_inputs);
      if (!bound) return Mixes(n, "takes its initial state from other data: the stream cannot carry it");
    }
    for (size_t o = 1; o < outs.size(); ++o)
      if (n.outputs[o] != graph::kNoValue) outs[o] = {Taint::kLast, -1};
    return absl::OkStatus();
  }

  const graph::Graph& g_;
  std::vector<Taint> taint_;
};

}  // namespace

absl::StatusOr<StreamAnalysis> AnalyzeForStreaming(const graph::Graph& g, const StreamOptions& options) {
  StreamAnalysis result;
  SEQRT_ASSIGN_OR_RETURN(result.info.state_bindings,
                         BindStatePairs(g, options.state_bindings, options.auto_bind_state));
  std::set<graph::ValueId> state_inputs;
  for (const auto& [out, in] : result.info.state_bindings) state_inputs.insert(*g.FindValue(in));

  // Carried nodes: main-graph recurrent nodes whose initial state is absent, constant, or
  // computed from shapes only.
  ShapeOnly shape_only(g);
  std::set<int> carried;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const graph::Node& n = g.nodes[i];
    if (!IsRecurrent(n)) continue;
    const bool lstm = n.op_type == "LSTM";
    bool free_state = true;
    for (int s = 5; s < (lstm ? 7 : 6); ++s) free_state &= !n.HasInput(s) || shape_only(n.inputs[s]);
    if (!free_state) continue;
    carried.insert(static_cast<int>(i));
    result.carried.push_back({static_cast<int>(i), Describe(g, static_cast<int>(i)), lstm ? 2 : 1});
    result.info.carried_nodes.push_back(result.carried.back().description);
  }
  std::vector<graph::ValueId> data_inputs;
  for (graph::ValueId id : g.inputs)
    if (!g.value(id).constant && !state_inputs.count(id)) data_inputs.push_back(id);

  if (result.carried.empty()) {
    if (result.info.state_bindings.empty()) {
      return absl::FailedPreconditionError(
          "cannot stream: the model has no recurrent node whose state could be carried (RNN/GRU/LSTM in the "
          "main graph with an absent, constant or shape-derived initial state) and no state input/output pair "
          "(bind one with StreamOptions::state_bindings)");
    }
    // Called once per chunk; the model's own state I/O carries everything.
    result.timed_graph = std::make_shared<graph::Graph>(g);
    for (graph::ValueId id : data_inputs)
      if (g.value(id).shape.rank_known && g.value(id).shape.rank() >= 1) {
        result.info.batch_axis = 0;
        break;
      }
    for (size_t o = 0; o < g.outputs.size(); ++o) result.info.output_time_axis.push_back(-1);
    return result;
  }

  // The time axis: the (input, axis) whose symbol reaches every carried node's time position.
  std::vector<std::pair<graph::ValueId, int>> candidates;
  for (graph::ValueId id : data_inputs) {
    const graph::Value& v = g.value(id);
    if (!options.time_input.empty() && v.name != options.time_input) continue;
    if (!v.shape.rank_known) continue;
    for (int d = 0; d < v.shape.rank(); ++d)
      if (options.time_axis < 0 || Normalize(options.time_axis, v.shape.rank()) == d) candidates.emplace_back(id, d);
  }
  if (!options.time_input.empty() && candidates.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("StreamOptions::time_input '", options.time_input,
                                                   "' is not a data input of the model with a known rank"));
  }
  std::vector<std::string> misses;
  // The candidate reaching the most carried nodes, when none reaches all: its check usually
  // names the node that breaks the time axis (a decoder over a repeated last state...).
  std::shared_ptr<graph::Graph> best;
  graph::ValueId best_id = graph::kNoValue;
  int best_axis = -1;
  size_t best_reached = 0;
  int best_score = 0;
  for (const auto& [id, axis] : candidates) {
    auto probe = ProbeTimeAxis(g, id, axis);
    const std::string where = absl::StrCat("input '", g.value(id).name, "' axis ", axis);
    if (!probe.ok()) {
      misses.push_back(absl::StrCat(where, ": ", probe.status().message()));
      continue;
    }
    const graph::Graph& pg = **probe;
    std::string miss;
    size_t reached = 0;
    bool vanished = true;  // the axis reaches no carried node's input at all (reduced away?)
    bool length_matches = false;
    for (const CarriedNode& c : result.carried) {
      const graph::Node& n = pg.nodes[c.node_index];
      const graph::Value& x = pg.value(n.inputs[0]);
      vanished &= TimeAxisOf(x) < 0;
      // The export's own sequence length matches this axis: the likelier time axis.
      const graph::Value& x0 = g.value(g.nodes[c.node_index].inputs[0]);
      const int tp = RecurrentTimeAxis(n);
      if (x0.shape.rank_known && tp < x0.shape.rank() && g.value(id).shape[axis].known() &&
          x0.shape[tp].SameAs(g.value(id).shape[axis]))
        length_matches = true;
      if (TimeAxisOf(x) == RecurrentTimeAxis(n) && DependsOn(pg, n.inputs[0], {id})) {
        ++reached;
      } else if (miss.empty()) {
        miss = absl::StrCat(where, " does not reach the time axis of ", c.description, " (its input is ",
                            x.shape.ToString(), ")");
      }
    }
    if (!miss.empty()) {
      misses.push_back(miss);
      // A single (given) candidate is checked even when it reaches no node: the check names why.
      // ... and so is one whose dim vanished on the way, when nothing better turns up.
      const int score = vanished ? (length_matches ? 2 : 1) : 0;
      if (reached > best_reached || (reached == 0 && best_reached == 0 && (candidates.size() == 1 || score > best_score))) {
        best_score = std::max(best_score, score);
        best_reached = reached;
        best = *probe;
        best_id = id;
        best_axis = axis;
      }
      continue;
    }
    result.info.time_input = g.value(id).name;
    result.info.time_axis = axis;
    result.info.batch_axis = axis == 0 ? (g.value(id).shape.rank() > 1 ? 1 : -1) : 0;
    result.timed_graph = *probe;
    TimeChecker checker(pg, id, axis);
    // Node indices are the same in the probe copy.
    SEQRT_RETURN_IF_ERROR(checker.Run(carried, state_inputs));
    for (graph::ValueId out : pg.outputs) {
      const Taint& t = checker.of(out);
      if (t.kind == Taint::kLost) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot stream: output '", pg.value(out).name, "' ", pg.value(out).shape.ToString(),
            " lost track of the time axis (at ", checker.LostAt(t), "): cannot tell which of its dims are the chunk's steps"));
      }
      result.info.output_time_axis.push_back(t.kind == Taint::kTime ? t.axis : -1);
    }
    return result;
  }
  if (best) {
    TimeChecker checker(*best, best_id, best_axis);
    SEQRT_RETURN_IF_ERROR(checker.Run(carried, state_inputs));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot stream: found no time axis",
      options.time_input.empty() ? "" : absl::StrCat(" on input '", options.time_input, "'"), " (",
      absl::StrJoin(misses, "; "), ")", options.time_input.empty() ? "; set StreamOptions::time_input/time_axis" : ""));
}

}  // namespace seqrt::runtime
