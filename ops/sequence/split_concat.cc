// Between tensors and sequences: SplitToSequence (a tensor cut along an axis into a sequence)
// and ConcatFromSequence (a sequence joined along an existing or a new axis), opset 11.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

// ---- SplitToSequence ------------------------------------------------------------------

absl::Status InferSplitToSequence(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(ExpectTensor(ctx, 0, "input"));
  const graph::Shape& in = ctx.input_shape(0);
  graph::Shape element = graph::Shape::UnknownRank();
  if (in.rank_known) {
    auto axis = graph::NormalizeAxis(node.attrs.GetInt("axis", 0), in.rank(), "axis");
    if (!axis.ok()) return WithNode(node, axis.status());
    element = in;
    if (ctx.has_input(1)) {
      element[*axis] = graph::Dim();  // chunk sizes are values of `split`
    } else if (node.attrs.GetInt("keepdims", 1) != 0) {
      element[*axis] = graph::Dim(1);
    } else {
      element.dims.erase(element.dims.begin() + *axis);
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), element, ValueKind::kSequence);
  return absl::OkStatus();
}

class SplitToSequenceKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(TensorView in, InputTensor(ctx, 0, where_, "input"));
    const Dims& dims = in.dims();
    const int rank = static_cast<int>(dims.size());
    if (rank == 0) return NodeError(where_, "input must have rank >= 1, got a scalar");
    auto axis_or = graph::NormalizeAxis(node_.attrs.GetInt("axis", 0), rank, "axis");
    if (!axis_or.ok()) return NodeError(where_, std::string(axis_or.status().message()));
    const int axis = *axis_or;
    const int64_t length = dims[axis];
    // Chunk lengths along the axis, and whether the axis is dropped from each element.
    std::vector<int64_t> chunks;
    bool squeeze = false;
    if (ctx.has_input(1)) {
      SEQRT_ASSIGN_OR_RETURN(TensorView split, InputTensor(ctx, 1, where_, "split"));
      SmallInts v;
      SEQRT_RETURN_IF_ERROR(ReadInts(where_, "split", split.dtype(), split.data(), split.num_elements(), &v));
      if (split.dims().empty()) {
        if (v[0] <= 0) return NodeError(where_, absl::StrCat("split must be positive, got ", v[0]));
        for (int64_t at = 0; at < length; at += v[0]) chunks.push_back(std::min(v[0], length - at));
      } else {
        if (split.dims().size() != 1) {
          return NodeError(where_, absl::StrCat("split must be a scalar or 1-D, got shape ",
                                                DimsToString(split.dims())));
        }
        int64_t total = 0;
        for (int64_t c : v) {
          if (c < 0) return NodeError(where_, absl::StrCat("split holds a negative length ", c));
          chunks.push_back(c);
          total += c;
        }
        if (total != length) {
          return NodeError(where_, absl::StrCat("split lengths sum to ", total, " but axis ", axis, " of input ",
                                                DimsToString(dims), " has ", length));
        }
      }
    } else {
      chunks.assign(length, 1);
      squeeze = node_.attrs.GetInt("keepdims", 1) == 0;
    }
    const size_t elem = DTypeSize(in.dtype());
    const int64_t outer = DimProduct(dims, 0, axis), inner = DimProduct(dims, axis + 1, rank);
    const size_t src_row = static_cast<size_t>(length * inner) * elem;
    std::vector<Tensor> items;
    items.reserve(chunks.size());
    int64_t start = 0;
    for (int64_t c : chunks) {
      Dims out_dims = dims;
      out_dims[axis] = c;
      if (squeeze) out_dims.erase(out_dims.begin() + axis);
      Tensor t(in.dtype(), out_dims);
      const size_t row = static_cast<size_t>(c * inner) * elem;
      const char* src = static_cast<const char*>(in.data()) + static_cast<size_t>(start * inner) * elem;
      char* dst = static_cast<char*>(t.raw_data());
      for (int64_t o = 0; o < outer && row > 0; ++o) std::memcpy(dst + o * row, src + o * src_row, row);
      items.push_back(std::move(t));
      start += c;
    }
    return std::vector<Value>{Value::Sequence(in.dtype(), std::move(items))};
  }
};

// ---- ConcatFromSequence ---------------------------------------------------------------

absl::Status InferConcatFromSequence(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  if (!node.attrs.Has("axis")) return NodeError(node, "attribute 'axis' is required");
  // The result's dims depend on the sequence's length: known at run time only.
  const graph::Shape& element = ctx.input_shape(0);
  graph::Shape out = graph::Shape::UnknownRank();
  if (element.rank_known) {
    const bool new_axis = node.attrs.GetInt("new_axis", 0) != 0;
    out = graph::Shape(std::vector<graph::Dim>(element.rank() + (new_axis ? 1 : 0)));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return absl::OkStatus();
}

class ConcatFromSequenceKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* seq, InputSequence(ctx, 0, where_, "input_sequence"));
    if (seq->empty()) return NodeError(where_, "input_sequence is empty; there is nothing to concatenate");
    const bool new_axis = node_.attrs.GetInt("new_axis", 0) != 0;
    const Dims& first = (*seq)[0]->dims();
    const int rank = static_cast<int>(first.size());
    if (rank == 0 && !new_axis) return NodeError(where_, "cannot concatenate scalars without new_axis=1");
    auto axis_or = graph::NormalizeAxis(node_.attrs.GetInt("axis", 0), rank + (new_axis ? 1 : 0), "axis");
    if (!axis_or.ok()) return NodeError(where_, std::string(axis_or.status().message()));
    const int axis = *axis_or;
    // With new_axis each element is viewed as having a 1 inserted at `axis`.
    auto view_dims = [&](const Dims& d) {
      Dims v = d;
      if (new_axis) v.insert(v.begin() + axis, 1);
      return v;
    };
    const Dims base = view_dims(first);
    const DType dtype = (*seq)[0]->dtype();
    int64_t total = 0;
    for (size_t k = 0; k < seq->size(); ++k) {
      const Tensor& t = *(*seq)[k];
      const Dims d = view_dims(t.dims());
      bool same = t.dtype() == dtype && d.size() == base.size();
      for (size_t i = 0; same && i < d.size(); ++i)
        if (static_cast<int>(i) != axis && d[i] != base[i]) same = false;
      if (!same) {
        return NodeError(where_, absl::StrCat("element ", k, " (", std::string(DTypeName(t.dtype())), " ", DimsToString(t.dims()),
                                              ") does not match element 0 (", std::string(DTypeName(dtype)), " ",
                                              DimsToString(first), ") outside axis ", axis));
      }
      total += d[axis];
    }
    Dims out_dims = base;
    out_dims[axis] = total;
    Tensor out(dtype, out_dims);
    const size_t elem = DTypeSize(dtype);
    const int out_rank = static_cast<int>(out_dims.size());
    const int64_t outer = DimProduct(out_dims, 0, axis), inner = DimProduct(out_dims, axis + 1, out_rank);
    const size_t dst_row = static_cast<size_t>(total * inner) * elem;
    char* dst = static_cast<char*>(out.raw_data());
    size_t offset = 0;
    for (const auto& t : *seq) {
      const int64_t len = view_dims(t->dims())[axis];
      const size_t row = static_cast<size_t>(len * inner) * elem;
      const char* src = static_cast<const char*>(t->raw_data());
      for (int64_t o = 0; o < outer && row > 0; ++o) std::memcpy(dst + o * dst_row + offset, src + o * row, row);
      offset += row;
    }
    return std::vector<Value>{Value(std::move(out))};
  }
};

}  // namespace

void RegisterSequenceSplitConcatOps(OpRegistry& registry) {
  registry.Register(
      ValueOpSchema("SplitToSequence", 11, 1, 2, InferSplitToSequence, MakeKernel<SplitToSequenceKernel>));
  registry.Register(
      ValueOpSchema("ConcatFromSequence", 11, 1, 1, InferConcatFromSequence, MakeKernel<ConcatFromSequenceKernel>));
}

}  // namespace seqrt::ops
