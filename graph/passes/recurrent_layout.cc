// The batch-major recurrent layout pass (see recurrent_layout.h).
//
// One walk over the nodes in order remembers, for rank-3 values, a "twin": another value known
// to hold its Transpose(1,0,2). A Transpose(1,0,2) whose input has a twin is replaced by that
// twin; a recurrent node whose X has a twin reads the twin with layout 1. Old values that
// readers may still need are rebuilt by "restoring" nodes, which die when every reader was
// rewired to a twin. Whether that pays depends on what survives, so the driver at the bottom
// scores whole walks (bytes of whole-sequence Transposes added minus removed) and drops the
// rewrites that do not pay.
#include "graph/passes/recurrent_layout.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/passes/passes.h"
#include "graph/recurrent_slots.h"

namespace seqrt::graph {
namespace {

constexpr int64_t kFirstOpsetWithLayout = 14;
// From opset 7 on the three ops differ from opset 14 only by `layout` (opset 1 had
// `output_sequence`, GRU got `linear_before_reset` in 3): raising 7..13 to 14 changes nothing else.
constexpr int64_t kOldestRewrittenOpset = 7;

const std::vector<int64_t> kSwap01 = {1, 0, 2};           // [T,N,C] <-> [N,T,C]
const std::vector<int64_t> kKerasYPerm = {0, 2, 1, 3};    // Y [T,D,N,H] -> [T,N,D,H]
const std::vector<int64_t> kNdthYPerm = {2, 1, 0, 3};     // Y [T,D,N,H] -> [N,D,T,H]
const std::vector<int64_t> kNtdhYPerm = {2, 0, 1, 3};     // Y [T,D,N,H] -> [N,T,D,H]
const std::vector<int64_t> kRestoreYPerm = {1, 2, 0, 3};  // Y [N,T,D,H] -> [T,D,N,H]

bool IsOp(const Node& n, const char* op_type) { return n.domain.empty() && n.op_type == op_type; }

bool IsTranspose(const Node& n, const std::vector<int64_t>& perm) {
  return IsOp(n, "Transpose") && n.num_inputs() == 1 && n.HasInput(0) && n.outputs.size() == 1 &&
         n.HasOutput(0) && n.attrs.all().size() == 1 && n.attrs.GetInts("perm", {}) == perm;
}

bool IsRecurrent(const Node& n) { return IsOp(n, "RNN") || IsOp(n, "GRU") || IsOp(n, "LSTM"); }

// Ops whose only effect is their output, so they may go once nothing reads it.
bool IsRemovableLayoutOp(const Node& n) {
  return IsOp(n, "Transpose") || IsOp(n, "Reshape") || IsOp(n, "Squeeze");
}

// The values of a constant 1-D int64 tensor (Reshape shapes, Squeeze axes).
std::optional<std::vector<int64_t>> ConstantInts(const Graph& g, ValueId v) {
  if (v == kNoValue) return std::nullopt;
  const Tensor* t = g.value(v).constant.get();
  if (t == nullptr || t->dtype() != DType::kInt64 || t->dims().size() != 1) return std::nullopt;
  auto values = t->values<int64_t>();
  return std::vector<int64_t>(values.begin(), values.end());
}

// An int list given as a constant input from `since_opset` on, as an attribute before
// (Squeeze's axes from 13, Slice's starts/ends/axes/steps from 10). nullopt when the input is
// not a constant; `absent` when neither is given.
std::optional<std::vector<int64_t>> IntsArgument(const Graph& g, const Node& n, int64_t since_opset, int input,
                                                 const char* attribute, std::optional<std::vector<int64_t>> absent) {
  if (n.opset >= since_opset) return n.HasInput(input) ? ConstantInts(g, n.inputs[input]) : absent;
  return n.attrs.Has(attribute) ? std::optional(n.attrs.GetInts(attribute, {})) : absent;
}

// True for a Squeeze of exactly `axis` of a rank-`rank` input. Without axes it would also drop
// N or T when they are 1.
bool SqueezesOnly(const Graph& g, const Node& n, int64_t axis, int64_t rank) {
  if (!IsOp(n, "Squeeze") || n.outputs.size() != 1 || !n.HasOutput(0) || !n.HasInput(0)) return false;
  if (n.num_inputs() > (n.opset >= 13 ? 2 : 1)) return false;
  const std::optional<std::vector<int64_t>> axes = IntsArgument(g, n, 13, 1, "axes", std::nullopt);
  return axes && axes->size() == 1 && ((*axes)[0] == axis || (*axes)[0] == axis - rank);
}

// A Slice of constant starts/ends along axis 0 of a rank-3 input, step 1.
struct Axis0Slice {
  std::vector<int64_t> starts, ends;
};

std::optional<Axis0Slice> MatchAxis0Slice(const Graph& g, const Node& n) {
  if (!IsOp(n, "Slice") || n.outputs.size() != 1 || !n.HasOutput(0) || !n.HasInput(0)) return std::nullopt;
  if (n.num_inputs() > (n.opset >= 10 ? 5 : 1)) return std::nullopt;
  const auto starts = IntsArgument(g, n, 10, 1, "starts", std::nullopt);
  const auto ends = IntsArgument(g, n, 10, 2, "ends", std::nullopt);
  const auto axes = IntsArgument(g, n, 10, 3, "axes", std::vector<int64_t>{0});
  const auto steps = IntsArgument(g, n, 10, 4, "steps", std::vector<int64_t>{1});
  if (!starts || !ends || !axes || !steps || starts->size() != 1 || ends->size() != 1 || axes->size() != 1 ||
      steps->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -3) || (*steps)[0] != 1)
    return std::nullopt;
  return Axis0Slice{*starts, *ends};
}

// Dim `axis` of a weight from its data or its declared shape; 0 when unknown.
int64_t DimOf(const Graph& g, ValueId v, int axis) {
  const Value& value = g.value(v);
  if (value.constant && static_cast<int>(value.constant->dims().size()) > axis)
    return value.constant->dims()[axis];
  if (value.shape.rank_known && value.shape.rank() > axis && value.shape[axis].known())
    return value.shape[axis].value();
  return 0;
}

// A reader chain of Y [T,D,N,H] whose result a Reshape of the batch-major Y [N,T,D,H] to
// {0,0,width} gives (or, for kSameAsY, the batch-major Y itself).
struct YChain {
  enum Kind {
    kTimeMajor,   // result [T,N,width]: Reshape gives its twin, a restoring Transpose the value
    kBatchMajor,  // result [N,T,width]: the Reshape gives the value itself
    kSameAsY,     // result [N,T,D,H]: the batch-major Y
  };
  Kind kind = kTimeMajor;
  int first = -1;     // the node reading Y
  int last = -1;      // the node producing the result
  int64_t width = 0;  // the result's last dim
};

struct WalkResult {
  int rewritten = 0;
  std::vector<int> rewritten_ordinals;  // which recurrent nodes, counted in node order
  // Elements per (batch row, time step) of the whole-sequence Transposes the walk added minus
  // those it removed: below 0 the rewritten graph copies less.
  int64_t cost = 0;
};

class BatchMajorWalk {
 public:
  BatchMajorWalk(Graph& g, const absl::flat_hash_set<int>& excluded)
      : g_(g), excluded_(excluded), dead_(g.nodes.size(), false) {}

  WalkResult Run() {
    WalkResult result;
    int ordinal = 0;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (dead_[i] || created_.contains(FirstOutput(static_cast<int>(i)))) continue;
      if (IsTranspose(g_.nodes[i], kSwap01)) {
        VisitSwap(static_cast<int>(i));
      } else if (IsOp(g_.nodes[i], "Slice")) {
        VisitTimeSlice(static_cast<int>(i));
      } else if (IsRecurrent(g_.nodes[i])) {
        const int this_ordinal = ordinal++;
        if (excluded_.contains(this_ordinal)) continue;
        if (std::optional<int> last = RewriteRecurrent(static_cast<int>(i))) {
          i = static_cast<size_t>(*last);  // past the restoring nodes placed after it
          ++result.rewritten;
          result.rewritten_ordinals.push_back(this_ordinal);
        }
      }
    }
    for (ValueId v : std::vector<ValueId>(created_.begin(), created_.end())) Release(v);
    result.cost = Cost();
    std::vector<Node> kept;
    kept.reserve(g_.nodes.size());
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      if (!dead_[i]) kept.push_back(std::move(g_.nodes[i]));
    g_.nodes = std::move(kept);
    RelinkProducers(g_);
    return result;
  }

 private:
  // --- Reading the graph (dead nodes excluded). Linear scans: these graphs are small. ---

  ValueId FirstOutput(int i) const { return g_.nodes[i].outputs.empty() ? kNoValue : g_.nodes[i].outputs[0]; }

  int Uses(ValueId v) const {
    int uses = 0;
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      if (!dead_[i]) uses += static_cast<int>(std::count(g_.nodes[i].inputs.begin(), g_.nodes[i].inputs.end(), v));
    return uses;
  }

  std::vector<int> Readers(ValueId v) const {
    std::vector<int> readers;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const auto& in = g_.nodes[i].inputs;
      if (!dead_[i] && std::find(in.begin(), in.end(), v) != in.end()) readers.push_back(static_cast<int>(i));
    }
    return readers;
  }

  // A graph output or a value a subgraph reads by name: its id must keep its contents.
  bool Pinned(ValueId v) const {
    if (std::find(g_.outputs.begin(), g_.outputs.end(), v) != g_.outputs.end()) return true;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const auto& implicit = g_.nodes[i].implicit_inputs;
      if (!dead_[i] && std::find(implicit.begin(), implicit.end(), v) != implicit.end()) return true;
    }
    return false;
  }

  // The live node producing v; -1 for inputs, initializers, outer values and values whose
  // producer was removed.
  int Producer(ValueId v) const {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const auto& out = g_.nodes[i].outputs;
      if (!dead_[i] && std::find(out.begin(), out.end(), v) != out.end()) return static_cast<int>(i);
    }
    return -1;
  }

  // False for a value whose producer this walk removed (a restoring node nothing read).
  bool Available(ValueId v) const {
    if (Producer(v) >= 0) return true;
    for (const Node& n : g_.nodes)
      if (std::find(n.outputs.begin(), n.outputs.end(), v) != n.outputs.end()) return false;
    return true;
  }

  std::optional<ValueId> Twin(ValueId v) const {
    auto it = twins_.find(v);
    if (it == twins_.end() || !Available(it->second)) return std::nullopt;
    return it->second;
  }

  int64_t Width(ValueId v) const {
    auto it = width_.find(v);
    return it == width_.end() ? 0 : it->second;
  }

  int64_t Cost() const {
    int64_t cost = 0;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      if (!IsOp(n, "Transpose") || n.inputs.empty() || n.outputs.empty()) continue;
      const bool created = created_.contains(n.outputs[0]);
      if (created && !dead_[i]) cost += Width(n.outputs[0]);
      if (!created && dead_[i]) cost -= Width(n.inputs[0]);
    }
    return cost;
  }

  // --- Editing. ---

  void AddTwins(ValueId a, ValueId b) {
    if (!Twin(a)) twins_[a] = b;
    if (!Twin(b)) twins_[b] = a;
  }

  void SetWidth(ValueId v, int64_t width) {
    if (width > 0) width_[v] = width;
  }

  void ReplaceUses(ValueId from, ValueId to) {
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      if (!dead_[i]) std::replace(g_.nodes[i].inputs.begin(), g_.nodes[i].inputs.end(), from, to);
  }

  // Removes v's producer when nothing reads v any more and it is a pure layout op, then its
  // inputs' producers in turn.
  void Release(ValueId v) {
    if (v == kNoValue || Pinned(v) || Uses(v) > 0) return;
    const int p = Producer(v);
    if (p < 0 || !IsRemovableLayoutOp(g_.nodes[p])) return;
    for (ValueId out : g_.nodes[p].outputs)
      if (out != kNoValue && (Pinned(out) || Uses(out) > 0)) return;
    dead_[p] = true;
    for (ValueId in : std::vector<ValueId>(g_.nodes[p].inputs)) Release(in);
  }

  ValueId NewValue(const std::string& base, DType dtype) {
    std::string name = base;
    for (int k = 1; g_.FindValue(name); ++k) name = absl::StrCat(base, "_", k);
    const ValueId id = g_.AddValue(name);
    g_.value(id).dtype = dtype;
    return id;
  }

  // A fresh value for the batch-major twin of `old`.
  ValueId NewTwinOf(ValueId old) {
    const std::string base = g_.value(old).name.empty() ? absl::StrCat("value", old) : g_.value(old).name;
    return NewValue(absl::StrCat(base, "/batch_major"), g_.value(old).dtype);
  }

  // Marks a node as one this walk added to convert a value: it goes again when unread.
  Node Restoring(Node n) {
    created_.insert(n.outputs[0]);
    return n;
  }

  ValueId ShapeConstant(ValueId for_value, std::vector<int64_t> dims, const char* what = "shape") {
    const ValueId id = NewValue(absl::StrCat(g_.value(for_value).name, "/", what), DType::kInt64);
    const int64_t n = static_cast<int64_t>(dims.size());
    g_.value(id).shape = Shape::FromDims({n});
    g_.value(id).constant = std::make_shared<const Tensor>(Tensor::FromVector<int64_t>(DType::kInt64, {n}, dims));
    return id;
  }

  Node MakeNode(const char* op_type, int64_t opset, std::vector<ValueId> inputs, ValueId output) {
    Node n;
    n.name = absl::StrCat(g_.value(output).name, "/", op_type);
    n.op_type = op_type;
    n.opset = opset;
    n.inputs = std::move(inputs);
    n.outputs = {output};
    return n;
  }

  Node MakeTranspose(std::vector<int64_t> perm, int64_t opset, ValueId input, ValueId output) {
    Node n = MakeNode("Transpose", opset, {input}, output);
    n.attrs.Set("perm", std::move(perm));
    return n;
  }

  // [D,N,H] <-> [N,D,H]. With one direction the bytes are the same: a free view.
  Node MakeStateSwap(int64_t directions, int64_t hidden, int64_t opset, ValueId input, ValueId output,
                     bool to_batch_major) {
    if (directions != 1 || hidden <= 0) return Restoring(MakeTranspose(kSwap01, opset, input, output));
    const std::vector<int64_t> dims = to_batch_major ? std::vector<int64_t>{-1, 1, hidden}
                                                     : std::vector<int64_t>{1, -1, hidden};
    return Restoring(MakeNode("Reshape", opset, {input, ShapeConstant(output, dims)}, output));
  }

  // An int list argument from `since_opset` on as a constant input, before as an attribute.
  void AddIntsArgument(Node& n, int64_t since_opset, const char* name, std::vector<int64_t> values) {
    if (n.opset >= since_opset) {
      n.inputs.push_back(ShapeConstant(n.outputs[0], std::move(values), name));
    } else {
      n.attrs.Set(name, std::move(values));
    }
  }

  void Insert(int at, Node node) {
    g_.nodes.insert(g_.nodes.begin() + at, std::move(node));
    dead_.insert(dead_.begin() + at, false);
  }

  // --- The rewrites. ---

  // Transpose(1,0,2) a -> b: b is a's twin, unless a already has one, which then replaces b
  // (through a free Identity view when b must keep its name: a graph output).
  void VisitSwap(int i) {
    const ValueId in = g_.nodes[i].inputs[0], out = g_.nodes[i].outputs[0];
    const Shape& shape = g_.value(in).shape;
    if (shape.rank_known && shape.rank() != 3) return;  // a bad model: let its shape check say so
    const std::optional<ValueId> twin = Twin(in);
    if (!twin || *twin == out) {
      AddTwins(in, out);
      return;
    }
    dead_[i] = true;
    if (Pinned(out)) {
      Node identity = MakeNode("Identity", g_.nodes[i].opset, {*twin}, out);
      identity.name = g_.nodes[i].name;
      Insert(i + 1, std::move(identity));
    } else {
      ReplaceUses(out, *twin);
    }
    Release(in);
  }

  // A restored time-major value read as Slice(axis 0) -> Squeeze(axis 0) (tf2onnx's last step
  // of a return_sequences=False layer): the same slice of its batch-major twin along axis 1,
  // so the restoring Transpose can go.
  void VisitTimeSlice(int i) {
    const std::optional<Axis0Slice> slice = MatchAxis0Slice(g_, g_.nodes[i]);
    if (!slice) return;
    const ValueId v = g_.nodes[i].inputs[0];
    const std::optional<ValueId> twin = Twin(v);
    if (!created_.contains(v) || !twin) return;
    const ValueId part = g_.nodes[i].outputs[0];
    if (Pinned(part) || Uses(part) != 1) return;
    const int s = Readers(part)[0];
    if (!SqueezesOnly(g_, g_.nodes[s], 0, 3) || g_.nodes[s].inputs[0] != part) return;

    const ValueId twin_part = NewTwinOf(part);
    Node slice_twin = MakeNode("Slice", g_.nodes[i].opset, {*twin}, twin_part);
    slice_twin.name = g_.nodes[i].name;
    AddIntsArgument(slice_twin, 10, "starts", slice->starts);
    AddIntsArgument(slice_twin, 10, "ends", slice->ends);
    AddIntsArgument(slice_twin, 10, "axes", {1});
    Node squeeze = MakeNode("Squeeze", g_.nodes[s].opset, {twin_part}, g_.nodes[s].outputs[0]);
    squeeze.name = g_.nodes[s].name;
    AddIntsArgument(squeeze, 13, "axes", {1});
    g_.nodes[i] = std::move(slice_twin);
    g_.nodes[s] = std::move(squeeze);
    Release(v);
  }

  std::optional<YChain> MatchYChain(int reader, ValueId y, int64_t directions, int64_t hidden) const {
    const Node& n = g_.nodes[reader];
    if (hidden <= 0 || n.inputs.empty() || n.inputs[0] != y) return std::nullopt;
    // tf2onnx: Squeeze(axis 1) -> [T,N,H].
    if (directions == 1 && SqueezesOnly(g_, n, 1, 4)) return YChain{YChain::kTimeMajor, reader, reader, hidden};
    const bool keras = IsTranspose(n, kKerasYPerm), ndth = IsTranspose(n, kNdthYPerm);
    if (IsTranspose(n, kNtdhYPerm) && !Pinned(n.outputs[0])) return YChain{YChain::kSameAsY, reader, reader, 0};
    if (!keras && !ndth) return std::nullopt;
    const ValueId t = n.outputs[0];
    if (Pinned(t) || Uses(t) != 1) return std::nullopt;
    const int next = Readers(t)[0];
    const Node& m = g_.nodes[next];
    if (m.inputs[0] != t) return std::nullopt;
    // keras2onnx / onnxmltools, one direction: Transpose(2,1,0,3) -> Squeeze(axis 1) -> [N,T,H].
    if (ndth) {
      if (directions == 1 && SqueezesOnly(g_, m, 1, 4)) return YChain{YChain::kBatchMajor, reader, next, hidden};
      return std::nullopt;
    }
    // keras2onnx: Transpose(0,2,1,3) -> Reshape {0,0,-1} or {0,0,D*H} -> [T,N,D*H]. Other
    // spellings of that shape are left alone: only these are proven for every T and N.
    if (!IsOp(m, "Reshape") || m.num_inputs() != 2 || m.outputs.size() != 1 || !m.HasOutput(0))
      return std::nullopt;
    if (m.opset >= 14 && m.attrs.GetInt("allowzero", 0) != 0) return std::nullopt;  // 0 = zero, not "copy"
    const int64_t width = directions * hidden;
    const std::optional<std::vector<int64_t>> dims = ConstantInts(g_, m.inputs[1]);
    if (!dims || dims->size() != 3 || (*dims)[0] != 0 || (*dims)[1] != 0 ||
        ((*dims)[2] != -1 && (*dims)[2] != width))
      return std::nullopt;
    return YChain{YChain::kTimeMajor, reader, next, width};
  }

  // Rebuilds Y's chains from the batch-major Y, last first so the recorded indices stay valid.
  void RewriteYChains(std::vector<YChain> chains, ValueId y_batch_major, int64_t opset) {
    std::sort(chains.begin(), chains.end(), [](const YChain& a, const YChain& b) { return a.last > b.last; });
    for (const YChain& chain : chains) {
      const ValueId result = g_.nodes[chain.last].outputs[0];
      if (chain.kind == YChain::kSameAsY) {
        ReplaceUses(result, y_batch_major);
      } else if (chain.kind == YChain::kBatchMajor) {
        SetWidth(result, chain.width);
        g_.nodes[chain.last] =
            MakeNode("Reshape", opset, {y_batch_major, ShapeConstant(result, {0, 0, chain.width})}, result);
      } else {
        const ValueId twin = NewTwinOf(result);
        SetWidth(result, chain.width);
        SetWidth(twin, chain.width);
        g_.nodes[chain.last] =
            MakeNode("Reshape", opset, {y_batch_major, ShapeConstant(twin, {0, 0, chain.width})}, twin);
        Insert(chain.last + 1, Restoring(MakeTranspose(kSwap01, opset, twin, result)));
        AddTwins(result, twin);
      }
      // The chain's first node goes unless it was just rebuilt in place (a one-node chain).
      if (chain.first != chain.last || chain.kind == YChain::kSameAsY) dead_[chain.first] = true;
    }
  }

  // Returns the index of the last node of the rewrite, or nullopt when the node is left alone.
  std::optional<int> RewriteRecurrent(int i) {
    const Node& n = g_.nodes[i];
    if (n.opset < kOldestRewrittenOpset || n.attrs.GetInt("layout", 0) != 0 || !n.HasInput(kRecX) ||
        !n.HasInput(kRecW) || !n.HasInput(kRecR) || n.outputs.size() > 3)
      return std::nullopt;
    const ValueId x = n.inputs[kRecX];
    const std::optional<ValueId> x_batch_major = Twin(x);
    if (!x_batch_major || Pinned(x) || Uses(x) != 1) return std::nullopt;
    const std::string direction = n.attrs.GetString("direction", "forward");
    const int64_t directions = direction == "bidirectional" ? 2 : (direction == "forward" || direction == "reverse") ? 1 : 0;
    if (directions == 0) return std::nullopt;  // the shape function names the bad attribute
    int64_t hidden = n.attrs.GetInt("hidden_size", 0);
    if (hidden <= 0) hidden = DimOf(g_, n.inputs[kRecR], 2);

    // Y's readers: the exporters' chains, or a restoring Transpose for everything else.
    const ValueId y = n.HasOutput(kRecY) ? n.outputs[kRecY] : kNoValue;
    std::vector<YChain> chains;
    bool restore_y = false;
    if (y != kNoValue) {
      restore_y = Pinned(y);
      for (int reader : Readers(y)) {
        if (std::optional<YChain> chain = MatchYChain(reader, y, directions, hidden)) {
          chains.push_back(*chain);
        } else {
          restore_y = true;
        }
      }
    }

    const int64_t opset = n.opset;
    const std::vector<ValueId> old_outputs = n.outputs;
    const std::vector<ValueId> old_inputs = n.inputs;
    // Outputs nobody reads are not asked for; a state read only by a Transpose(1,0,2) is that
    // Transpose's result, which the node now computes directly.
    std::vector<ValueId> new_outputs(old_outputs.size(), kNoValue);
    std::vector<bool> direct(old_outputs.size(), false);
    for (size_t o = 0; o < old_outputs.size(); ++o) {
      const ValueId v = old_outputs[o];
      if (v == kNoValue || (!Pinned(v) && Uses(v) == 0)) continue;
      if (static_cast<int>(o) != kRecY && !Pinned(v) && Uses(v) == 1) {
        const int reader = Readers(v)[0];
        if (IsTranspose(g_.nodes[reader], kSwap01)) {
          new_outputs[o] = g_.nodes[reader].outputs[0];
          direct[o] = true;
          dead_[reader] = true;
          continue;
        }
      }
      new_outputs[o] = NewTwinOf(v);
    }
    SetWidth(x, DimOf(g_, old_inputs[kRecW], 2));
    SetWidth(*x_batch_major, DimOf(g_, old_inputs[kRecW], 2));
    if (y != kNoValue) SetWidth(y, directions * hidden);
    {
      Node& rec = g_.nodes[i];
      rec.inputs[kRecX] = *x_batch_major;
      rec.outputs = new_outputs;
      while (!rec.outputs.empty() && rec.outputs.back() == kNoValue) rec.outputs.pop_back();
      rec.attrs.Set("layout", int64_t{1});
      rec.opset = std::max(rec.opset, kFirstOpsetWithLayout);
    }
    if (!chains.empty()) RewriteYChains(std::move(chains), new_outputs[kRecY], opset);

    // Old outputs that are still read, rebuilt right after the node.
    int after = i + 1;
    for (size_t o = 0; o < old_outputs.size(); ++o) {
      if (new_outputs[o] == kNoValue || direct[o]) continue;
      if (static_cast<int>(o) == kRecY) {
        if (!restore_y) continue;
        SetWidth(new_outputs[o], directions * hidden);
        Insert(after++, Restoring(MakeTranspose(kRestoreYPerm, opset, new_outputs[o], old_outputs[o])));
      } else {  // Y_h / Y_c: [N,D,H] back to [D,N,H]
        Insert(after++, MakeStateSwap(directions, hidden, opset, new_outputs[o], old_outputs[o], false));
        AddTwins(old_outputs[o], new_outputs[o]);
      }
    }

    // Initial states [D,N,H] -> [N,D,H], before the node (a twin when one exists).
    int rec_index = i;
    for (int slot : {kRecInitialH, kRecInitialC}) {
      if (slot >= static_cast<int>(old_inputs.size()) || old_inputs[slot] == kNoValue) continue;
      const ValueId state = old_inputs[slot];
      ValueId twin;
      if (std::optional<ValueId> known = Twin(state)) {
        twin = *known;
      } else {
        twin = NewTwinOf(state);
        Insert(rec_index++, MakeStateSwap(directions, hidden, opset, state, twin, true));
        AddTwins(state, twin);
      }
      g_.nodes[rec_index].inputs[slot] = twin;
    }
    Release(x);
    for (int slot : {kRecInitialH, kRecInitialC})
      if (slot < static_cast<int>(old_inputs.size())) Release(old_inputs[slot]);
    return after - 1 + (rec_index - i);
  }

  Graph& g_;
  const absl::flat_hash_set<int>& excluded_;  // ordinals of recurrent nodes to leave alone
  std::vector<bool> dead_;                    // parallel to g_.nodes
  absl::flat_hash_map<ValueId, ValueId> twins_;
  absl::flat_hash_map<ValueId, int64_t> width_;  // last dim of whole-sequence values, when known
  absl::flat_hash_set<ValueId> created_;         // outputs of the restoring nodes this walk added
};

}  // namespace

int UseBatchMajorRecurrentLayout(Graph& graph) {
  // Walk once rewriting everything eligible, then keep dropping the one rewrite whose absence
  // lowers the cost most (a layer whose restored outputs outweigh its saved input, say).
  absl::flat_hash_set<int> excluded;
  Graph best = graph;
  WalkResult best_result = BatchMajorWalk(best, excluded).Run();
  for (bool improved = true; improved && best_result.rewritten > 0;) {
    improved = false;
    absl::flat_hash_set<int> best_excluded = excluded;
    const std::vector<int> candidates = best_result.rewritten_ordinals;
    for (int ordinal : candidates) {
      absl::flat_hash_set<int> trial_excluded = excluded;
      trial_excluded.insert(ordinal);
      Graph trial = graph;
      WalkResult r = BatchMajorWalk(trial, trial_excluded).Run();
      if (r.cost < best_result.cost) {
        best = std::move(trial);
        best_result = std::move(r);
        best_excluded = std::move(trial_excluded);
        improved = true;
      }
    }
    excluded = std::move(best_excluded);
  }
  if (best_result.rewritten == 0 || best_result.cost >= 0) return 0;
  graph = std::move(best);
  return best_result.rewritten;
}

}  // namespace seqrt::graph
