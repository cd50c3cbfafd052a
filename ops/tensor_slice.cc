// Slice: starts/ends/axes as attributes before opset 10, inputs (plus steps) from 10.
// Each sliced dim becomes (first index, step, count) and the copy is a StridedCopy whose
// source strides are step * input stride (negative steps walk backwards).
#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// One sliced axis after clamping against its dim.
struct AxisSlice {
  int64_t start = 0;
  int64_t step = 1;
  int64_t count = 0;
};

// ONNX's clamping rules (Slice-10 and later; Slice-1 had the same for step 1).
AxisSlice ClampSlice(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return AxisSlice{0, step, 0};
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  AxisSlice s;
  s.step = step;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    s.count = end > start ? 1 + (end - start - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    const int64_t magnitude = step == INT64_MIN ? INT64_MAX : -step;  // no overflow
    s.count = start > end ? 1 + (start - end - 1) / magnitude : 0;
  }
  s.start = start;
  return s;
}

// The validated arguments: per listed axis its (normalized) index, start, end, step.
struct SliceArgs {
  SmallInts axes, starts, ends, steps;
};

// Checks lengths, steps and axes of raw arguments. `axes`/`steps` may be empty (defaults).
absl::Status ValidateSliceArgs(std::string_view node, int rank, SliceArgs& a) {
  const size_t n = a.starts.size();
  if (a.ends.size() != n) {
    return NodeError(node, absl::StrCat("starts has ", n, " entries but ends has ", a.ends.size()));
  }
  if (a.axes.empty()) {
    if (static_cast<int>(n) > rank) {
      return NodeError(node, absl::StrCat("starts has ", n, " entries for an input of rank ", rank));
    }
    for (size_t i = 0; i < n; ++i) a.axes.push_back(static_cast<int64_t>(i));
  } else if (a.axes.size() != n) {
    return NodeError(node, absl::StrCat("axes has ", a.axes.size(), " entries but starts has ", n));
  }
  if (a.steps.empty()) a.steps.assign(n, 1);
  else if (a.steps.size() != n)
    return NodeError(node, absl::StrCat("steps has ", a.steps.size(), " entries but starts has ", n));
  absl::InlinedVector<bool, 8> seen(rank, false);  // runs in Compute: no heap
  for (size_t i = 0; i < n; ++i) {
    auto axis = graph::NormalizeAxis(a.axes[i], rank, "axes entry");
    if (!axis.ok()) return NodeError(node, std::string(axis.status().message()));
    if (seen[*axis]) return NodeError(node, absl::StrCat("axis ", a.axes[i], " is repeated in axes"));
    seen[*axis] = true;
    a.axes[i] = *axis;
    if (a.steps[i] == 0) return NodeError(node, "steps must not be 0");
  }
  return absl::OkStatus();
}

absl::Status CopyInts(const std::vector<int64_t>& v, SmallInts* out) {
  out->assign(v.begin(), v.end());
  return absl::OkStatus();
}

absl::Status InferSlice(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  SliceArgs args;
  bool known = true;
  if (node.opset < 10) {
    auto starts = node.attrs.GetInts("starts");
    auto ends = node.attrs.GetInts("ends");
    if (!starts.ok()) return WithNode(node, starts.status());
    if (!ends.ok()) return WithNode(node, ends.status());
    CopyInts(*starts, &args.starts).IgnoreError();
    CopyInts(*ends, &args.ends).IgnoreError();
    CopyInts(node.attrs.GetInts("axes", {}), &args.axes).IgnoreError();
  } else {
    if (!ctx.has_input(1) || !ctx.has_input(2))
      return NodeError(node, "the 'starts' and 'ends' inputs are required");
    const char* names[] = {"starts", "ends", "axes", "steps"};
    SmallInts* slots[] = {&args.starts, &args.ends, &args.axes, &args.steps};
    for (int i = 0; i < 4; ++i) {
      SEQRT_ASSIGN_OR_RETURN(auto v, ConstantInts(ctx, i + 1, names[i]));
      if (v) slots[i]->assign(v->begin(), v->end());
      else if (ctx.has_input(i + 1)) known = false;
    }
  }
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (!known) {
    // Which dims change is unknown until the values are: keep only the rank.
    ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(in.rank())));
    return absl::OkStatus();
  }
  SEQRT_RETURN_IF_ERROR(ValidateSliceArgs(node.Describe(), in.rank(), args));
  graph::Shape out = in;
  for (size_t i = 0; i < args.axes.size(); ++i) {
    const int axis = static_cast<int>(args.axes[i]);
    const graph::Dim& dim = in[axis];
    if (dim.known()) {
      out[axis] = graph::Dim(ClampSlice(dim.value(), args.starts[i], args.ends[i], args.steps[i]).count);
    } else if (args.starts[i] == 0 && args.steps[i] == 1 && args.ends[i] >= INT32_MAX) {
      out[axis] = dim;  // "from the start to the end": the whole (symbolic) dim
    } else {
      out[axis] = graph::Dim();
    }
  }
  ctx.SetOutput(0, dtype, std::move(out));
  return absl::OkStatus();
}

class SliceKernel : public OpKernel {
 public:
  explicit SliceKernel(const graph::Node& node) : node_(node.Describe()), opset_(node.opset) {
    if (opset_ < 10) {
      CopyInts(node.attrs.GetInts("starts", {}), &attr_.starts).IgnoreError();
      CopyInts(node.attrs.GetInts("ends", {}), &attr_.ends).IgnoreError();
      CopyInts(node.attrs.GetInts("axes", {}), &attr_.axes).IgnoreError();
    }
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const int rank = static_cast<int>(in.size());
    SliceArgs args;
    if (opset_ < 10) {
      args = attr_;
    } else {
      const char* names[] = {"starts", "ends", "axes", "steps"};
      SmallInts* slots[] = {&args.starts, &args.ends, &args.axes, &args.steps};
      for (int i = 0; i < 4; ++i)
        if (ctx.has_input(i + 1)) SEQRT_RETURN_IF_ERROR(InputInts(node_, ctx, i + 1, names[i], slots[i]));
    }
    SEQRT_RETURN_IF_ERROR(ValidateSliceArgs(node_, rank, args));

    const SmallInts in_strides = RowMajorStrides(in);
    SmallInts dims(in.begin(), in.end());
    SmallInts src_strides = in_strides;
    int64_t src_offset = 0;
    for (size_t i = 0; i < args.axes.size(); ++i) {
      const int axis = static_cast<int>(args.axes[i]);
      const AxisSlice s = ClampSlice(in[axis], args.starts[i], args.ends[i], args.steps[i]);
      dims[axis] = s.count;
      if (s.count > 0) src_offset += s.start * in_strides[axis];
      // With one element the stride is unused (and step * stride could overflow).
      src_strides[axis] = s.count > 1 ? s.step * in_strides[axis] : 0;
    }
    const Dims& out = ctx.output_dims(0);
    for (int d = 0; d < rank; ++d) {
      if (dims[d] != out[d]) {
        return absl::InternalError(absl::StrCat(node_, ": slice of ", DimsToString(in),
                                                " gives ", DimsToString(Dims(dims.begin(), dims.end())),
                                                " but the output was sized ", DimsToString(out)));
      }
    }
    const size_t elem = DTypeSize(ctx.input_dtype(0));
    StridedCopy(ctx.output(0), RowMajorStrides(dims), static_cast<const char*>(ctx.input(0)) +
                src_offset * static_cast<int64_t>(elem), src_strides, dims, elem);
    return absl::OkStatus();
  }

 private:
  std::string node_;  // node.Describe(), for messages
  int64_t opset_;
  SliceArgs attr_;
};

}  // namespace

void RegisterSliceOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Slice",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 5,
                             .infer = InferSlice,
                             .kernels = {MakeKernel<SliceKernel>}});
}

}  // namespace seqrt::ops
