// Ops whose output 0 is input 0's bytes under new dims: Reshape, Squeeze, Unsqueeze, Flatten,
// Identity and inference-mode Dropout. The runtime aliases the buffers and skips Compute;
// Compute still copies when handed distinct buffers so the kernels work standalone.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/dtype_dispatch.h"
#include "ops/shape_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

void CopyInput0IfDistinct(ComputeContext& ctx) {
  if (ctx.output(0) == ctx.input(0) || ctx.output(0) == nullptr) return;
  const size_t bytes = NumElements(ctx.output_dims(0)) * DTypeSize(ctx.output_dtype(0));
  if (bytes > 0) std::memmove(ctx.output(0), ctx.input(0), bytes);
}

class ViewKernel : public OpKernel {
 public:
  explicit ViewKernel(const graph::Node&) {}
  absl::Status Compute(ComputeContext& ctx) const override {
    CopyInput0IfDistinct(ctx);
    return absl::OkStatus();
  }
};

// ---- Reshape -------------------------------------------------------------------------

// The dim a -1 entry stands for: input elements / product of the other output dims. With
// symbolic dims, equal symbols on both sides cancel ([batch,T,40] -> [batch,-1] gives
// T*40 only if T is known; [batch,T,40] -> [-1,40] gives unknown unless batch*T cancels).
absl::StatusOr<graph::Dim> InferMinusOne(const graph::Node& node, const graph::Shape& in,
                                         const std::vector<graph::Dim>& others) {
  int64_t known_in = 1, known_out = 1;
  std::vector<graph::Dim> open_in;
  for (const graph::Dim& d : in.dims) {
    if (d.known()) {
      // Dims from a hostile model can multiply past int64: refuse instead of wrapping.
      if (__builtin_mul_overflow(known_in, d.value(), &known_in))
        return NodeError(node, absl::StrCat("input shape ", in.ToString(), " has more elements than int64 counts"));
    } else {
      open_in.push_back(d);
    }
  }
  for (const graph::Dim& d : others) {
    if (d.known()) {
      if (__builtin_mul_overflow(known_out, d.value(), &known_out))
        return NodeError(node, "the target shape has more elements than int64 counts");
      continue;
    }
    auto it = std::find_if(open_in.begin(), open_in.end(),
                           [&](const graph::Dim& o) { return o.SameAs(d); });
    if (it == open_in.end()) return graph::Dim();
    open_in.erase(it);
  }
  if (known_out == 0) {
    if (open_in.empty() && known_in == 0) return graph::Dim(0);  // ambiguous, but consistent
    return NodeError(node, "shape has a -1 entry and another 0 dim: the -1 cannot be inferred");
  }
  if (open_in.empty()) {
    if (known_in % known_out != 0) {
      return NodeError(node, absl::StrCat("cannot reshape ", in.ToString(), " (", known_in,
                                          " elements) into dims whose other entries multiply to ",
                                          known_out));
    }
    return graph::Dim(known_in / known_out);
  }
  if (open_in.size() == 1 && known_in == known_out) return open_in[0];
  return graph::Dim();
}

absl::Status InferReshape(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  std::vector<int64_t> target;
  if (node.opset < 5) {
    auto attr = node.attrs.GetInts("shape");
    if (!attr.ok()) return WithNode(node, attr.status());
    target = *attr;
  } else {
    if (!ctx.has_input(1)) return NodeError(node, "the 'shape' input is required");
    SEQRT_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, 1, "shape"));
    if (!values) {
      auto len = KnownLength(ctx, 1);
      ctx.SetOutput(0, ctx.input_dtype(0),
                    len ? graph::Shape(std::vector<graph::Dim>(*len)) : graph::Shape::UnknownRank());
      return absl::OkStatus();
    }
    target = std::move(*values);
  }
  const bool allowzero = node.opset >= 14 && node.attrs.GetInt("allowzero", 0) != 0;

  std::vector<graph::Dim> out(target.size());
  int minus_one = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t v = target[i];
    if (v == -1) {
      if (minus_one >= 0) return NodeError(node, "shape has more than one -1 entry");
      minus_one = static_cast<int>(i);
    } else if (v == 0 && !allowzero) {
      if (!in.rank_known) {
        out[i] = graph::Dim();
      } else if (static_cast<int>(i) >= in.rank()) {
        return NodeError(node, absl::StrCat("shape entry ", i, " is 0 (copy the input dim) but the "
                                            "input ", in.ToString(), " has rank ", in.rank()));
      } else {
        out[i] = in[static_cast<int>(i)];
      }
    } else if (v < 0) {
      return NodeError(node, absl::StrCat("shape entry ", i, " is ", v, "; only -1 may be negative"));
    } else {
      has_zero |= v == 0;
      out[i] = graph::Dim(v);
    }
  }
  if (allowzero && has_zero && minus_one >= 0)
    return NodeError(node, "with allowzero=1 the shape may not hold both 0 and -1");

  if (minus_one >= 0) {
    if (!in.rank_known) {
      out[minus_one] = graph::Dim();
    } else {
      std::vector<graph::Dim> others;
      for (size_t i = 0; i < out.size(); ++i)
        if (static_cast<int>(i) != minus_one) others.push_back(out[i]);
      SEQRT_ASSIGN_OR_RETURN(out[minus_one], InferMinusOne(node, in, others));
    }
  }
  graph::Shape result(std::move(out));
  auto n_in = in.NumElements();
  auto n_out = result.NumElements();
  if (n_in && n_out && *n_in != *n_out) {
    return NodeError(node, absl::StrCat("cannot reshape ", in.ToString(), " (", *n_in,
                                        " elements) to ", result.ToString(), " (", *n_out,
                                        " elements); requested shape [",
                                        absl::StrJoin(target, ","), "]"));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(result));
  return absl::OkStatus();
}

// ---- Squeeze / Unsqueeze -------------------------------------------------------------

// Axes from the attribute (before opset 13) or input 1 (from 13). `known` is false when they
// come from an input whose data is not known yet; `present` is false when none are given.
struct AxesArg {
  bool present = false;
  bool known = true;
  std::vector<int64_t> axes;
  std::optional<int64_t> length;  // number of axes, when known
};

absl::StatusOr<AxesArg> ReadAxesArg(const InferContext& ctx) {
  AxesArg a;
  if (ctx.opset() < 13) {
    if (ctx.attrs().Has("axes")) {
      auto v = ctx.attrs().GetInts("axes");
      if (!v.ok()) return WithNode(ctx.node(), v.status());
      a.present = true;
      a.axes = *v;
      a.length = static_cast<int64_t>(a.axes.size());
    }
    return a;
  }
  if (!ctx.has_input(1)) return a;
  a.present = true;
  SEQRT_ASSIGN_OR_RETURN(auto values, ConstantInts(ctx, 1, "axes"));
  if (values) {
    a.axes = std::move(*values);
    a.length = static_cast<int64_t>(a.axes.size());
  } else {
    a.known = false;
    a.length = KnownLength(ctx, 1);
  }
  return a;
}

// Normalises axes against `rank` and rejects repeats; returns one flag per axis.
absl::StatusOr<std::vector<bool>> AxisFlags(const graph::Node& node,
                                            const std::vector<int64_t>& axes, int rank) {
  std::vector<bool> flags(rank, false);
  for (int64_t a : axes) {
    auto axis = graph::NormalizeAxis(a, rank, "axes entry");
    if (!axis.ok()) return WithNode(node, axis.status());
    if (flags[*axis]) return NodeError(node, absl::StrCat("axis ", a, " is repeated in axes"));
    flags[*axis] = true;
  }
  return flags;
}

absl::Status InferSqueeze(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  SEQRT_ASSIGN_OR_RETURN(AxesArg arg, ReadAxesArg(ctx));
  const DType dtype = ctx.input_dtype(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (!arg.known) {
    // Values unknown, count known: more axes than dims cannot be squeezed (and would size a
    // negative rank).
    if (arg.length && *arg.length > in.rank()) {
      return NodeError(node, absl::StrCat("axes has ", *arg.length, " values but the input has rank ", in.rank()));
    }
    ctx.SetOutput(0, dtype,
                  arg.length ? graph::Shape(std::vector<graph::Dim>(in.rank() - *arg.length))
                             : graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  std::vector<graph::Dim> out;
  if (!arg.present || arg.axes.empty()) {
    // Drop every dim of size 1; an unknown dim might be 1, so the rank is unknown then.
    for (const graph::Dim& d : in.dims) {
      if (!d.known()) {
        ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
        return absl::OkStatus();
      }
      if (d.value() != 1) out.push_back(d);
    }
  } else {
    SEQRT_ASSIGN_OR_RETURN(std::vector<bool> drop, AxisFlags(node, arg.axes, in.rank()));
    for (int i = 0; i < in.rank(); ++i) {
      if (!drop[i]) {
        out.push_back(in[i]);
      } else if (in[i].known() && in[i].value() != 1) {
        return NodeError(node, absl::StrCat("cannot squeeze axis ", i, " of input ", in.ToString(),
                                            ": its size is ", in[i].value(), ", not 1"));
      }
    }
  }
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

absl::Status InferUnsqueeze(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const graph::Shape& in = ctx.input_shape(0);
  SEQRT_ASSIGN_OR_RETURN(AxesArg arg, ReadAxesArg(ctx));
  const DType dtype = ctx.input_dtype(0);
  if (!arg.present) {
    return NodeError(node, ctx.opset() < 13 ? "the 'axes' attribute is required"
                                            : "the 'axes' input is required");
  }
  if (!in.rank_known || !arg.known) {
    // The count comes from the axes input's declared shape, which a hostile model can make huge.
    constexpr int64_t kMostAxes = 1 << 16;
    if (arg.length && *arg.length > kMostAxes) {
      return NodeError(node, absl::StrCat("axes has ", *arg.length, " values, more than any tensor has dims"));
    }
    ctx.SetOutput(0, dtype,
                  in.rank_known && arg.length
                      ? graph::Shape(std::vector<graph::Dim>(in.rank() + *arg.length))
                      : graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  const int out_rank = in.rank() + static_cast<int>(arg.axes.size());
  SEQRT_ASSIGN_OR_RETURN(std::vector<bool> insert, AxisFlags(node, arg.axes, out_rank));
  std::vector<graph::Dim> out;
  int next = 0;
  for (int i = 0; i < out_rank; ++i) out.push_back(insert[i] ? graph::Dim(1) : in[next++]);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

// ---- Flatten / Identity --------------------------------------------------------------

absl::Status InferFlatten(InferContext& ctx) {
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (!in.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape({graph::Dim(), graph::Dim()}));
    return absl::OkStatus();
  }
  const int rank = in.rank();
  int64_t axis = ctx.attrs().GetInt("axis", 1);
  if (axis < -rank || axis > rank) {
    return NodeError(ctx.node(), absl::StrCat("axis ", axis, " is out of range for input ",
                                              in.ToString(), " (allowed [", -rank, ", ", rank,
                                              "])"));
  }
  if (axis < 0) axis += rank;
  const int a = static_cast<int>(axis);
  ctx.SetOutput(0, dtype, graph::Shape({DimProduct(in, 0, a), DimProduct(in, a, rank)}));
  return absl::OkStatus();
}

absl::Status InferIdentity(InferContext& ctx) {
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

// ---- Dropout (inference) -------------------------------------------------------------

// Training-mode Dropout is random: seqrt runs inference only and refuses it clearly.
absl::Status CheckNotTraining(const graph::Node& node, bool training, float ratio) {
  if (training && ratio != 0.0f) {
    return absl::UnimplementedError(absl::StrCat(
        node.Describe(), ": training-mode Dropout (training_mode=true, ratio ", ratio,
        ") is not supported; seqrt runs inference only"));
  }
  return absl::OkStatus();
}

// The mask output is bool from opset 10, the input's dtype before.
DType MaskDType(const graph::Node& node, DType input) {
  return node.opset >= 10 ? DType::kBool : input;
}

absl::Status InferDropout(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  if (node.opset >= 12 && ctx.has_input(2)) {
    if (const Tensor* mode = ctx.input_constant(2)) {
      if (mode->dtype() != DType::kBool || mode->num_elements() != 1)
        return NodeError(node, "training_mode must be a bool scalar");
      float ratio = 0.5f;
      if (const Tensor* r = ctx.input_constant(1)) {
        SEQRT_RETURN_IF_ERROR(VisitDType(
            r->dtype(),
            [&](auto tag) -> absl::Status {
              using T = decltype(tag);
              ratio = static_cast<float>(r->data_as<T>()[0]);
              return absl::OkStatus();
            },
            kFloatTypes, "Dropout ratio"));
      }
      SEQRT_RETURN_IF_ERROR(CheckNotTraining(node, *mode->data_as<bool>(), ratio));
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  if (ctx.has_output(1)) ctx.SetOutput(1, MaskDType(node, ctx.input_dtype(0)), ctx.input_shape(0));
  return absl::OkStatus();
}

class DropoutKernel : public OpKernel {
 public:
  explicit DropoutKernel(const graph::Node& node)
      : where_(node.Describe()), opset_(node.opset) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    if (opset_ >= 12 && ctx.has_input(2) && *ctx.input<bool>(2)) {
      float ratio = 0.5f;
      if (ctx.has_input(1)) {
        SEQRT_RETURN_IF_ERROR(VisitDType(
            ctx.input_dtype(1),
            [&](auto tag) -> absl::Status {
              using T = decltype(tag);
              ratio = static_cast<float>(ctx.input<T>(1)[0]);
              return absl::OkStatus();
            },
            kFloatTypes, "Dropout ratio"));
      }
      if (ratio != 0.0f) {
        return absl::UnimplementedError(absl::StrCat(
            where_, ": training-mode Dropout is not supported; seqrt runs inference only"));
      }
    }
    CopyInput0IfDistinct(ctx);
    if (ctx.has_output(1)) {
      // All kept: the mask is all true (or all ones before opset 10).
      const int64_t n = NumElements(ctx.output_dims(1));
      return VisitDType(ctx.output_dtype(1), [&](auto tag) -> absl::Status {
        using T = decltype(tag);
        T one;
        if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) one = T(1.0f);
        else one = static_cast<T>(1);
        std::fill_n(ctx.output<T>(1), n, one);
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  }

 private:
  std::string where_;
  int64_t opset_;
};

OpSchema ViewSchema(const char* op_type, int min_inputs, int max_inputs, InferFn infer) {
  return OpSchema{.domain = "",
                  .op_type = op_type,
                  .since_version = 1,
                  .min_inputs = min_inputs,
                  .max_inputs = max_inputs,
                  .infer = infer,
                  .kernels = {MakeKernel<ViewKernel>},
                  .aliasing = Aliasing::kViewOfInput0};
}

}  // namespace

void RegisterShapeViewOps(OpRegistry& registry) {
  registry.Register(ViewSchema("Reshape", 1, 2, InferReshape));
  registry.Register(ViewSchema("Squeeze", 1, 2, InferSqueeze));
  registry.Register(ViewSchema("Unsqueeze", 1, 2, InferUnsqueeze));
  registry.Register(ViewSchema("Flatten", 1, 1, InferFlatten));
  registry.Register(ViewSchema("Identity", 1, 1, InferIdentity));
  OpSchema dropout = ViewSchema("Dropout", 1, 3, InferDropout);
  dropout.kernels = {MakeKernel<DropoutKernel>};
  registry.Register(std::move(dropout));
}

}  // namespace seqrt::ops
