// Concat and Split: both move whole [axis:] blocks, one memcpy per (outer index, piece).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// ---- Concat ---------------------------------------------------------------------------

absl::StatusOr<int64_t> ConcatAxisAttr(const graph::Node& node) {
  if (node.opset < 4) return node.attrs.GetInt("axis", 1);  // Concat-1 defaulted to 1
  auto axis = node.attrs.GetInt("axis");
  if (!axis.ok()) return WithNode(node, axis.status());
  return *axis;
}

absl::Status InferConcat(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(int64_t raw_axis, ConcatAxisAttr(node));
  const DType dtype = ctx.input_dtype(0);
  int rank = -1;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return NodeError(node, absl::StrCat("input ", i, " is missing"));
    if (ctx.input_dtype(i) != dtype && ctx.input_dtype(i) != DType::kUndefined &&
        dtype != DType::kUndefined) {
      return NodeError(node, absl::StrCat("input ", i, " has dtype ",
                                          std::string(DTypeName(ctx.input_dtype(i))),
                                          " but input 0 has ", std::string(DTypeName(dtype))));
    }
    const graph::Shape& s = ctx.input_shape(i);
    if (!s.rank_known) continue;
    if (rank >= 0 && s.rank() != rank) {
      return NodeError(node, absl::StrCat("inputs must share a rank: input ", i, " is ",
                                          s.ToString(), ", an earlier input has rank ", rank));
    }
    rank = s.rank();
  }
  if (rank < 0) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (rank == 0) return NodeError(node, "cannot concatenate scalars");
  auto axis_or = graph::NormalizeAxis(raw_axis, rank, "axis");
  if (!axis_or.ok()) return WithNode(node, axis_or.status());
  const int axis = *axis_or;

  std::vector<graph::Dim> out(rank);
  bool first = true;
  graph::Dim total(0);
  bool total_known = true;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const graph::Shape& s = ctx.input_shape(i);
    if (!s.rank_known) {
      total_known = false;
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      if (d == axis) continue;
      const graph::Dim& dim = s[d];
      if (first || (!out[d].known() && !out[d].is_symbol())) {
        out[d] = dim;
      } else if (out[d].known() && dim.known() && out[d].value() != dim.value()) {
        return NodeError(node, absl::StrCat("input ", i, " ", s.ToString(),
                                            " does not match the other inputs on dim ", d, " (",
                                            dim.value(), " vs ", out[d].value(), ")"));
      } else if (!out[d].known() && dim.known()) {
        out[d] = dim;  // a number is more precise than a symbol
      }
    }
    first = false;
    total = total + s[axis];
    if (!s[axis].known()) total_known = false;
  }
  out[axis] = total_known ? total : graph::Dim();
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class ConcatKernel : public OpKernel {
 public:
  explicit ConcatKernel(const graph::Node& node) : axis_(ConcatAxisAttr(node).value_or(1)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& out = ctx.output_dims(0);
    const int rank = static_cast<int>(out.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const size_t elem = DTypeSize(ctx.output_dtype(0));
    const int64_t outer = DimProduct(out, 0, axis);
    auto* dst = static_cast<char*>(ctx.output(0));
    for (int64_t o = 0; o < outer; ++o) {
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        const Dims& in = ctx.input_dims(i);
        const size_t block = DimProduct(in, axis, rank) * elem;
        if (block == 0) continue;
        std::memcpy(dst, static_cast<const char*>(ctx.input(i)) + o * block, block);
        dst += block;
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;
};

// ---- Split ----------------------------------------------------------------------------

// Where the split sizes come from for this node's opset.
struct SplitArgs {
  int64_t axis = 0;
  bool sizes_given = false;      // 'split' attribute or input present
  bool sizes_known = true;       // false when the input's data is not known yet
  std::vector<int64_t> sizes;
  std::optional<int64_t> num_outputs;  // Split-18's attribute
};

absl::StatusOr<SplitArgs> ReadSplitArgs(const InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SplitArgs a;
  a.axis = node.attrs.GetInt("axis", 0);
  if (node.opset >= 18 && node.attrs.Has("num_outputs")) {
    auto n = node.attrs.GetInt("num_outputs");
    if (!n.ok()) return WithNode(node, n.status());
    a.num_outputs = *n;
  }
  // Split-2..12 take 'split' as an attribute; Split-1 and Split-13+ as input 1.
  const bool from_attr = node.opset >= 2 && node.opset < 13;
  if (from_attr) {
    if (node.attrs.Has("split")) {
      auto v = node.attrs.GetInts("split");
      if (!v.ok()) return WithNode(node, v.status());
      a.sizes_given = true;
      a.sizes = *v;
    }
  } else if (ctx.has_input(1)) {
    a.sizes_given = true;
    SEQRT_ASSIGN_OR_RETURN(auto v, ConstantInts(ctx, 1, "split"));
    if (v) a.sizes = std::move(*v);
    else a.sizes_known = false;
  } else if (node.opset == 1 && node.attrs.Has("split")) {
    a.sizes_given = true;
    a.sizes = node.attrs.GetInts("split", {});
  }
  return a;
}

absl::Status InferSplit(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const int n = ctx.num_outputs();
  SEQRT_ASSIGN_OR_RETURN(SplitArgs args, ReadSplitArgs(ctx));
  if (args.num_outputs && *args.num_outputs != n) {
    return NodeError(node, absl::StrCat("num_outputs is ", *args.num_outputs, " but the node has ",
                                        n, " outputs"));
  }
  if (args.sizes_given && args.num_outputs)
    return NodeError(node, "give either the 'split' input or num_outputs, not both");
  if (!in.rank_known) {
    for (int i = 0; i < n; ++i) ctx.SetOutput(i, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  auto axis_or = graph::NormalizeAxis(args.axis, in.rank(), "axis");
  if (!axis_or.ok()) return WithNode(node, axis_or.status());
  const int axis = *axis_or;
  const graph::Dim dim = in[axis];

  std::vector<graph::Dim> sizes(n);  // unknown by default
  if (args.sizes_given && args.sizes_known) {
    if (static_cast<int>(args.sizes.size()) != n) {
      return NodeError(node, absl::StrCat("split has ", args.sizes.size(), " entries but the node has ",
                                          n, " outputs"));
    }
    int64_t sum = 0;
    for (int64_t s : args.sizes) {
      if (s < 0) return NodeError(node, absl::StrCat("split entry ", s, " is negative"));
      sum += s;
    }
    if (dim.known() && sum != dim.value()) {
      return NodeError(node, absl::StrCat("split [", absl::StrJoin(args.sizes, ","), "] sums to ",
                                          sum, " but axis ", axis, " of input ", in.ToString(),
                                          " has size ", dim.value()));
    }
    for (int i = 0; i < n; ++i) sizes[i] = graph::Dim(args.sizes[i]);
  } else if (!args.sizes_given && dim.known()) {
    const int64_t d = dim.value();
    if (args.num_outputs) {
      // Split-18: chunks of ceil(d / n); the last one takes what is left.
      const int64_t chunk = (d + n - 1) / n;
      for (int i = 0; i < n; ++i)
        sizes[i] = graph::Dim(std::max<int64_t>(0, std::min(chunk, d - chunk * i)));
    } else {
      if (d % n != 0) {
        return NodeError(node, absl::StrCat("axis ", axis, " of input ", in.ToString(),
                                            " (size ", d, ") cannot be split evenly into ", n,
                                            " outputs"));
      }
      for (int i = 0; i < n; ++i) sizes[i] = graph::Dim(d / n);
    }
  }
  for (int i = 0; i < n; ++i) {
    graph::Shape s = in;
    s[axis] = sizes[i];
    ctx.SetOutput(i, dtype, std::move(s));
  }
  return absl::OkStatus();
}

class SplitKernel : public OpKernel {
 public:
  explicit SplitKernel(const graph::Node& node) : axis_(node.attrs.GetInt("axis", 0)) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const int rank = static_cast<int>(in.size());
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    const size_t elem = DTypeSize(ctx.input_dtype(0));
    const int64_t outer = DimProduct(in, 0, axis);
    const auto* src = static_cast<const char*>(ctx.input(0));
    for (int64_t o = 0; o < outer; ++o) {
      for (int i = 0; i < ctx.num_outputs(); ++i) {
        const size_t block = DimProduct(ctx.output_dims(i), axis, rank) * elem;
        if (block > 0 && ctx.has_output(i))
          std::memcpy(static_cast<char*>(ctx.output(i)) + o * block, src, block);
        src += block;
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t axis_;
};

}  // namespace

void RegisterConcatSplitOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Concat",
                             .since_version = 1,
                             .min_inputs = 1,
                             .infer = InferConcat,
                             .kernels = {MakeKernel<ConcatKernel>}});
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Split",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 2,
                             .infer = InferSplit,
                             .kernels = {MakeKernel<SplitKernel>}});
}

}  // namespace seqrt::ops
