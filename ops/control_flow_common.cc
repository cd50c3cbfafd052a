#include "ops/control_flow_common.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"
#include "base/run_limits.h"
#include "ops/infer_graph.h"
#include "ops/registry.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {

absl::StatusOr<std::vector<BodyRef>> NodeBodies(const graph::Node& node) {
  std::vector<BodyRef> bodies;
  int next = 0;
  // std::map iterates attribute names in sorted order, the order the importer lists captures.
  for (const auto& [name, attr] : node.attrs.all()) {
    const auto* g = std::get_if<std::shared_ptr<graph::Graph>>(&attr);
    if (g == nullptr || !*g) continue;
    bodies.push_back({name, *g, next});
    next += static_cast<int>((*g)->captures.size());
  }
  if (next != static_cast<int>(node.implicit_inputs.size())) {
    return absl::InternalError(absl::StrCat(node.Describe(), ": bodies capture ", next,
                                            " outer values but the node has ",
                                            node.implicit_inputs.size(), " implicit inputs"));
  }
  return bodies;
}

absl::StatusOr<BodyRef> FindBody(const graph::Node& node, const std::string& attr) {
  SEQRT_ASSIGN_OR_RETURN(std::vector<BodyRef> bodies, NodeBodies(node));
  for (BodyRef& b : bodies)
    if (b.attr == attr) return std::move(b);
  return absl::InvalidArgumentError(
      absl::StrCat(node.Describe(), ": graph attribute '", attr, "' is missing"));
}

TensorView InputView(const ComputeContext& ctx, int i) {
  if (!ctx.has_input(i)) return TensorView();
  return TensorView(ctx.input_dtype(i), ctx.input_dims(i), ctx.input(i));
}

ValueView InputValueView(const ComputeContext& ctx, int i) {
  if (const Value* v = ctx.input_value(i)) return ValueView(v);
  return InputView(ctx, i);
}

std::vector<ValueView> CaptureViews(const graph::Node& node, const BodyRef& body,
                                    const ComputeContext& ctx) {
  std::vector<ValueView> views;
  const int base = node.num_inputs() + body.first_capture;
  for (size_t c = 0; c < body.graph->captures.size(); ++c)
    views.push_back(InputValueView(ctx, base + static_cast<int>(c)));
  return views;
}

std::vector<Value> ToValues(std::vector<Tensor> tensors) {
  return std::vector<Value>(std::make_move_iterator(tensors.begin()), std::make_move_iterator(tensors.end()));
}

ValueKind BodyKind(const graph::Graph& body, graph::ValueId id) { return body.value(id).kind; }

absl::StatusOr<bool> ScalarBool(const graph::Node& node, const ComputeContext& ctx, int i,
                                std::string_view what) {
  if (NumElements(ctx.input_dims(i)) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", std::string(what),
                                                   " must hold one element, got shape ",
                                                   DimsToString(ctx.input_dims(i))));
  }
  if (ctx.input_dtype(i) != DType::kBool) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", std::string(what),
                                                   " must be bool, got ",
                                                   std::string(DTypeName(ctx.input_dtype(i)))));
  }
  return *ctx.input<uint8_t>(i) != 0;
}

absl::StatusOr<int64_t> ScalarInt(const graph::Node& node, const ComputeContext& ctx, int i,
                                  std::string_view what) {
  if (NumElements(ctx.input_dims(i)) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": ", std::string(what),
                                                   " must hold one element, got shape ",
                                                   DimsToString(ctx.input_dims(i))));
  }
  SmallInts v;
  SEQRT_RETURN_IF_ERROR(ReadInts(node.Describe(), what, ctx.input_dtype(i), ctx.input(i), 1, &v));
  return v[0];
}

DType BodyDType(const graph::Graph& body, graph::ValueId id) { return body.value(id).dtype; }

const graph::Shape& BodyShape(const graph::Graph& body, graph::ValueId id) {
  return body.value(id).shape;
}

std::vector<InferContext::OutputFacts> InferBodyOutputs(
    const InferContext& ctx, const BodyRef& body, const std::vector<InferContext::InputFacts>& formal) {
  graph::Graph copy = *body.graph;  // inference writes into the values; keep the model's intact
  auto apply = [&](graph::ValueId id, const InferContext::InputFacts& f) {
    if (!f.present) return;
    if (IsBoxedKind(f.kind)) copy.value(id).kind = f.kind;
    if (f.dtype != DType::kUndefined) copy.value(id).dtype = f.dtype;
    if (f.shape.rank_known) copy.value(id).shape = f.shape;
  };
  for (size_t i = 0; i < formal.size() && i < copy.inputs.size(); ++i) apply(copy.inputs[i], formal[i]);
  const int base = ctx.node().num_inputs() + body.first_capture;
  for (size_t c = 0; c < copy.captures.size(); ++c) {
    const int i = base + static_cast<int>(c);
    if (i < ctx.num_inputs()) apply(copy.captures[c], ctx.input(i));
  }
  const bool ok = InferGraphShapes(copy, OpRegistry::Global()).ok();
  const graph::Graph& source = ok ? copy : *body.graph;
  std::vector<InferContext::OutputFacts> out(source.outputs.size());
  for (size_t o = 0; o < source.outputs.size(); ++o) {
    out[o].present = true;
    out[o].kind = source.value(source.outputs[o]).kind;
    out[o].dtype = source.value(source.outputs[o]).dtype;
    out[o].shape = source.value(source.outputs[o]).shape;
  }
  return out;
}

InferContext::InputFacts ScalarFacts(DType dtype) {
  InferContext::InputFacts f;
  f.present = true;
  f.dtype = dtype;
  f.shape = graph::Shape(std::vector<graph::Dim>{});
  return f;
}

graph::Shape CommonShape(const graph::Shape& a, const graph::Shape& b) {
  if (!a.rank_known || !b.rank_known || a.rank() != b.rank()) return graph::Shape::UnknownRank();
  std::vector<graph::Dim> dims;
  for (int i = 0; i < a.rank(); ++i) dims.push_back(a[i].SameAs(b[i]) ? a[i] : graph::Dim());
  return graph::Shape(std::move(dims));
}

absl::Status Stacker::Append(const TensorView& v, std::string_view where, std::string_view what) {
  if (count_ == 0) {
    dtype_ = v.dtype();
    dims_ = v.dims();
  } else if (v.dtype() != dtype_ || v.dims() != dims_) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(where), ": ", std::string(what), " changes from ", std::string(DTypeName(dtype_)),
        " ", DimsToString(dims_), " to ", std::string(DTypeName(v.dtype())), " ",
        DimsToString(v.dims()), " at iteration ", count_, "; per-iteration outputs must keep one shape"));
  }
  const size_t n = v.byte_size();
  const size_t old = bytes_.size();
  // The stacked output grows every iteration: keep it within the run's memory cap.
  SEQRT_RETURN_IF_ERROR(CheckMemoryCap(static_cast<int64_t>(old + n), CurrentMemoryCap(),
                                       absl::StrCat(std::string(where), ": ", std::string(what), " stacked over ", count_ + 1,
                                                    " iterations")));
  bytes_.resize(old + n);
  if (n) std::memcpy(bytes_.data() + old, v.data(), n);
  ++count_;
  return absl::OkStatus();
}

Tensor Stacker::Finish(int axis, bool reverse, DType empty_dtype, const Dims& empty_dims) const {
  if (count_ == 0) {
    Dims dims = empty_dims;
    dims.insert(dims.begin() + std::min<int>(axis, static_cast<int>(dims.size())), 0);
    return Tensor(empty_dtype, dims);
  }
  Dims out_dims = dims_;
  out_dims.insert(out_dims.begin() + axis, count_);
  Tensor out(dtype_, out_dims);
  // Iterations may yield empty slices (a 0 dim): then there is nothing to copy, and both
  // buffers may be null, which memcpy does not allow even for 0 bytes.
  if (bytes_.empty()) return out;
  const size_t elem = DTypeSize(dtype_);
  if (axis == 0 && !reverse) {
    std::memcpy(out.raw_data(), bytes_.data(), bytes_.size());
    return out;
  }
  // Walk the source as [T, slice dims...]; each source dim lands at its output position.
  const SmallInts out_strides = RowMajorStrides(out_dims);
  SmallInts copy_dims, src_strides, dst_strides;
  const int64_t slice_elems = NumElements(dims_);
  copy_dims.push_back(count_);
  src_strides.push_back(reverse ? -slice_elems : slice_elems);
  dst_strides.push_back(out_strides[axis]);
  const SmallInts slice_strides = RowMajorStrides(dims_);
  for (size_t i = 0; i < dims_.size(); ++i) {
    copy_dims.push_back(dims_[i]);
    src_strides.push_back(slice_strides[i]);
    dst_strides.push_back(out_strides[static_cast<int>(i) < axis ? i : i + 1]);
  }
  const char* src = bytes_.data() + (reverse ? (count_ - 1) * slice_elems * elem : 0);
  StridedCopy(out.raw_data(), dst_strides, src, src_strides, copy_dims, elem);
  return out;
}

Tensor MoveAxisToFront(const TensorView& src, int axis) {
  const Dims& in = src.dims();
  Dims out_dims;
  out_dims.push_back(in[axis]);
  for (int i = 0; i < static_cast<int>(in.size()); ++i)
    if (i != axis) out_dims.push_back(in[i]);
  Tensor out(src.dtype(), out_dims);
  const SmallInts out_strides = RowMajorStrides(out_dims);
  SmallInts dst_strides(in.size());
  for (int i = 0; i < static_cast<int>(in.size()); ++i)
    dst_strides[i] = i == axis ? out_strides[0] : out_strides[i < axis ? i + 1 : i];
  SmallInts dims(in.begin(), in.end());
  StridedCopy(out.raw_data(), dst_strides, src.data(), RowMajorStrides(dims), dims,
              DTypeSize(src.dtype()));
  return out;
}

}  // namespace seqrt::ops
