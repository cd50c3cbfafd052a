// Pad (constant / reflect / edge, and wrap from opset 19; negative pads crop) and Tile.
// Pads come as an attribute before opset 11 and as input 1 from 11; Pad-18 adds `axes`.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// ---- Pad ------------------------------------------------------------------------------

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

absl::StatusOr<PadMode> ParsePadMode(const graph::Node& node) {
  const std::string mode = node.attrs.GetString("mode", "constant");
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "wrap" && node.opset >= 19) return PadMode::kWrap;
  return NodeError(node, absl::StrCat("mode '", mode, "' is not one of constant, reflect, edge",
                                      node.opset >= 19 ? ", wrap" : ""));
}

// The pads attribute of Pad-1 ('paddings') and Pad-2..10 ('pads').
std::vector<int64_t> PadsAttr(const graph::Node& node) {
  return node.attrs.GetInts(node.opset < 2 ? "paddings" : "pads", {});
}

// Turns pads ([b_axis0.., e_axis0..] over `axes`, or over all dims when axes is empty) into
// per-dim begin/end amounts.
absl::Status ExpandPads(std::string_view where, int rank, absl::Span<const int64_t> pads,
                        absl::Span<const int64_t> axes, SmallInts* begin, SmallInts* end) {
  begin->assign(rank, 0);
  end->assign(rank, 0);
  const size_t n = axes.empty() ? static_cast<size_t>(rank) : axes.size();
  if (pads.size() != 2 * n) {
    return NodeError(where, absl::StrCat("pads has ", pads.size(), " entries; expected ", 2 * n,
                                         " (begin and end for ", n, " axes)"));
  }
  absl::InlinedVector<bool, 8> seen(rank, false);  // runs in Compute: no heap
  for (size_t i = 0; i < n; ++i) {
    int axis = static_cast<int>(i);
    if (!axes.empty()) {
      auto a = graph::NormalizeAxis(axes[i], rank, "axes entry");
      if (!a.ok()) return NodeError(where, std::string(a.status().message()));
      axis = *a;
      if (seen[axis]) return NodeError(where, absl::StrCat("axis ", axes[i], " is repeated"));
      seen[axis] = true;
    }
    (*begin)[axis] = pads[i];
    (*end)[axis] = pads[i + n];
  }
  return absl::OkStatus();
}

absl::Status InferPad(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(PadMode mode, ParsePadMode(node));
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  std::optional<std::vector<int64_t>> pads, axes;
  bool known = true;
  if (node.opset < 11) {
    pads = PadsAttr(node);
  } else {
    if (!ctx.has_input(1)) return NodeError(node, "the 'pads' input is required");
    SEQRT_ASSIGN_OR_RETURN(pads, ConstantInts(ctx, 1, "pads"));
    known = pads.has_value();
    if (ctx.has_input(2) && ctx.input_dtype(2) != dtype && ctx.input_dtype(2) != DType::kUndefined) {
      return NodeError(node, absl::StrCat("constant_value has dtype ",
                                          std::string(DTypeName(ctx.input_dtype(2))),
                                          " but data has ", std::string(DTypeName(dtype))));
    }
    if (node.opset >= 18 && ctx.has_input(3)) {
      SEQRT_ASSIGN_OR_RETURN(axes, ConstantInts(ctx, 3, "axes"));
      known = known && axes.has_value();
    }
  }
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (!known) {
    ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(in.rank())));
    return absl::OkStatus();
  }
  SmallInts begin, end;
  const std::vector<int64_t> no_axes;
  SEQRT_RETURN_IF_ERROR(
      ExpandPads(node.Describe(), in.rank(), *pads, axes ? *axes : no_axes, &begin, &end));
  graph::Shape out = in;
  for (int d = 0; d < in.rank(); ++d) {
    // (graph::Dim cannot hold a negative amount, so crop arithmetic stays in integers.)
    const int64_t change = begin[d] + end[d];
    if (!in[d].known()) {
      out[d] = change == 0 ? in[d] : graph::Dim();
      continue;
    }
    const int64_t size = in[d].value() + change;
    if (size < 0) {
      return NodeError(node, absl::StrCat("pads crop more than dim ", d, " of input ",
                                          in.ToString(), " holds"));
    }
    out[d] = graph::Dim(size);
    if (mode != PadMode::kConstant && in[d].value() == 0 && size > 0) {
      return NodeError(node, absl::StrCat("cannot pad the empty dim ", d, " of input ",
                                          in.ToString(), " in a non-constant mode"));
    }
  }
  ctx.SetOutput(0, dtype, std::move(out));
  return absl::OkStatus();
}

// Source index for output index `i` (already shifted by the begin pad) in a dim of size `n`.
inline int64_t MapPadIndex(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kEdge: return i < 0 ? 0 : n - 1;
    case PadMode::kWrap: return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
    default: return -1;  // constant: no source
  }
}

class PadKernel : public OpKernel {
 public:
  explicit PadKernel(const graph::Node& node)
      : where_(node.Describe()), opset_(node.opset), pads_attr_(PadsAttr(node)),
        value_attr_(node.attrs.GetFloat("value", 0.0f)) {
    auto mode = ParsePadMode(node);
    if (mode.ok()) mode_ = *mode;
    else status_ = mode.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const Dims& out = ctx.output_dims(0);
    const int rank = static_cast<int>(in.size());
    SmallInts pads, axes, begin, end;
    if (opset_ < 11) {
      pads.assign(pads_attr_.begin(), pads_attr_.end());
    } else {
      SEQRT_RETURN_IF_ERROR(InputInts(where_, ctx, 1, "pads", &pads));
      if (opset_ >= 18 && ctx.has_input(3))
        SEQRT_RETURN_IF_ERROR(InputInts(where_, ctx, 3, "axes", &axes));
    }
    SEQRT_RETURN_IF_ERROR(ExpandPads(where_, rank, pads, axes, &begin, &end));
    if (NumElements(out) == 0) return absl::OkStatus();
    const size_t elem = DTypeSize(ctx.input_dtype(0));

    if (mode_ == PadMode::kConstant) {
      alignas(8) unsigned char value[8] = {};
      SEQRT_RETURN_IF_ERROR(ConstantValue(ctx, value));
      const int64_t total[] = {NumElements(out)};
      const int64_t one[] = {1}, zero[] = {0};
      StridedCopy(ctx.output(0), one, value, zero, total, elem);
      // Then the part of the input that survives (negative pads crop).
      const SmallInts in_strides = RowMajorStrides(in), out_strides = RowMajorStrides(out);
      SmallInts box(rank);
      int64_t src = 0, dst = 0;
      for (int d = 0; d < rank; ++d) {
        const int64_t in_first = std::max<int64_t>(0, -begin[d]);
        const int64_t out_first = std::max<int64_t>(0, begin[d]);
        box[d] = std::max<int64_t>(0, std::min(in[d] - in_first, out[d] - out_first));
        src += in_first * in_strides[d];
        dst += out_first * out_strides[d];
      }
      StridedCopy(static_cast<char*>(ctx.output(0)) + dst * elem, out_strides,
                  static_cast<const char*>(ctx.input(0)) + src * elem, in_strides, box, elem);
      return absl::OkStatus();
    }
    for (int d = 0; d < rank; ++d) {
      if (in[d] == 0) {
        return NodeError(where_, absl::StrCat("cannot pad the empty dim ", d, " of input ",
                                              DimsToString(in), " in a non-constant mode"));
      }
    }
    VisitElementSize(elem, [&](auto tag) {
      using E = decltype(tag);
      PadByMapping(ctx.input<E>(0), in, ctx.output<E>(0), out, begin);
    });
    return absl::OkStatus();
  }

 private:
  // The constant to pad with, in the data's dtype, written to `value`.
  absl::Status ConstantValue(const ComputeContext& ctx, unsigned char* value) const {
    const size_t elem = DTypeSize(ctx.input_dtype(0));
    if (opset_ >= 11) {
      if (ctx.has_input(2) && NumElements(ctx.input_dims(2)) >= 1)
        std::memcpy(value, ctx.input(2), elem);
      return absl::OkStatus();
    }
    return VisitDType(ctx.input_dtype(0), [&](auto tag) -> absl::Status {
      using T = decltype(tag);
      T v;
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) v = T(value_attr_);
      else if constexpr (std::is_same_v<T, bool>) v = value_attr_ != 0.0f;
      else v = static_cast<T>(value_attr_);
      std::memcpy(value, &v, sizeof(T));
      return absl::OkStatus();
    });
  }

  // Every output element reads the input at its mapped position (edge, reflect, wrap).
  template <typename E>
  void PadByMapping(const E* src, const Dims& in, E* dst, const Dims& out,
                    const SmallInts& begin) const {
    const int rank = static_cast<int>(in.size());
    if (rank == 0) {
      *dst = *src;
      return;
    }
    const SmallInts in_strides = RowMajorStrides(in);
    const int last = rank - 1;
    const int64_t n_in = in[last], n_out = out[last], b = begin[last];
    // The part of each row copied straight from the input row.
    const int64_t mid_first = std::clamp<int64_t>(b, 0, n_out);
    const int64_t mid_last = std::clamp<int64_t>(b + n_in, 0, n_out);
    SmallInts index(rank, 0);
    const int64_t rows = DimProduct(out, 0, last);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t row = 0;
      for (int d = 0; d < last; ++d)
        row += MapPadIndex(index[d] - begin[d], in[d], mode_) * in_strides[d];
      E* drow = dst + r * n_out;
      const E* srow = src + row;
      for (int64_t j = 0; j < mid_first; ++j) drow[j] = srow[MapPadIndex(j - b, n_in, mode_)];
      if (mid_last > mid_first)
        std::memcpy(drow + mid_first, srow + (mid_first - b), (mid_last - mid_first) * sizeof(E));
      for (int64_t j = std::max(mid_first, mid_last); j < n_out; ++j)
        drow[j] = srow[MapPadIndex(j - b, n_in, mode_)];
      for (int d = last - 1; d >= 0; --d) {
        if (++index[d] < out[d]) break;
        index[d] = 0;
      }
    }
  }

  std::string where_;
  int64_t opset_;
  std::vector<int64_t> pads_attr_;
  float value_attr_;
  PadMode mode_ = PadMode::kConstant;
  absl::Status status_;
};

// ---- Tile -----------------------------------------------------------------------------

absl::Status InferTile(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  SEQRT_ASSIGN_OR_RETURN(auto repeats, ConstantInts(ctx, 1, "repeats"));
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (!repeats) {
    ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(in.rank())));
    return absl::OkStatus();
  }
  if (static_cast<int>(repeats->size()) != in.rank()) {
    return NodeError(node, absl::StrCat("repeats has ", repeats->size(),
                                        " entries but the input ", in.ToString(), " has rank ",
                                        in.rank()));
  }
  graph::Shape out = in;
  for (int d = 0; d < in.rank(); ++d) {
    if ((*repeats)[d] < 0) {
      return NodeError(node, absl::StrCat("repeats [", absl::StrJoin(*repeats, ","),
                                          "] has a negative entry"));
    }
    out[d] = in[d] * graph::Dim((*repeats)[d]);
  }
  ctx.SetOutput(0, dtype, std::move(out));
  return absl::OkStatus();
}

class TileKernel : public OpKernel {
 public:
  explicit TileKernel(const graph::Node&) {}

  // Tiling [d0, d1] by [r0, r1] is broadcasting the input viewed as [1, d0, 1, d1] to
  // [r0, d0, r1, d1], whose row-major layout is exactly the [r0*d0, r1*d1] output. So the
  // repeats follow from the dims and one StridedCopy does the work.
  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const Dims& out = ctx.output_dims(0);
    if (NumElements(out) == 0) return absl::OkStatus();
    const int rank = static_cast<int>(in.size());
    const SmallInts in_strides = RowMajorStrides(in);
    SmallInts dims, src_strides;
    for (int d = 0; d < rank; ++d) {
      dims.push_back(out[d] / in[d]);
      src_strides.push_back(0);
      dims.push_back(in[d]);
      src_strides.push_back(in_strides[d]);
    }
    StridedCopy(ctx.output(0), RowMajorStrides(dims), ctx.input(0), src_strides, dims,
                DTypeSize(ctx.input_dtype(0)));
    return absl::OkStatus();
  }
};

}  // namespace

void RegisterPadTileOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Pad",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 4,
                             .infer = InferPad,
                             .kernels = {MakeKernel<PadKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Tile",
                             .since_version = 6,
                             .min_inputs = 2,
                             .max_inputs = 2,
                             .infer = InferTile,
                             .kernels = {MakeKernel<TileKernel>}});
}

}  // namespace seqrt::ops
