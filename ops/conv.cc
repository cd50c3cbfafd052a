// Conv (1-D to 3-D; group, strides, dilations, pads, auto_pad, optional bias). Shape function
// here; kernels: oneDNN convolution for float32 first, the reference one last.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/onednn/conv_onednn.h"
#include "ops/reference/conv.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

std::string DTypeStr(DType t) { return std::string(DTypeName(t)); }

absl::Status InferConv(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(ctx.node()));
  const DType dtype = ctx.input_dtype(0);
  if (!IsFloatingPoint(dtype)) {
    return absl::UnimplementedError(absl::StrCat(where, " does not support dtype ", DTypeStr(dtype)));
  }
  for (int i = 1; i < 3; ++i) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i, " has dtype ",
                                                     DTypeStr(ctx.input_dtype(i)), ", expected ",
                                                     DTypeStr(dtype), " like X"));
    }
  }
  const graph::Shape& x = ctx.input_shape(0);
  const graph::Shape& w = ctx.input_shape(1);
  if (!x.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() < 3 || (w.rank_known && w.rank() != x.rank())) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": X must be [N, C, D...] and W [M, C/group, k...] of the same rank, got X ",
                     x.ToString(), " and W ", w.ToString()));
  }
  const int r = x.rank() - 2;
  if (w.rank_known && x[1].known() && w[1].known() && x[1].value() != w[1].value() * attrs.group) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": X has ", x[1].value(),
                                                   " channels but W ", w.ToString(), " with group ",
                                                   attrs.group, " expects ",
                                                   w[1].value() * attrs.group));
  }
  if (!attrs.kernel_shape.empty() && static_cast<int>(attrs.kernel_shape.size()) != r) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": kernel_shape has ",
                                                   attrs.kernel_shape.size(), " values for ", r,
                                                   " spatial dims"));
  }
  if (!attrs.pads.empty() && static_cast<int>(attrs.pads.size()) != 2 * r) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": pads has ", attrs.pads.size(), " values, expected ", 2 * r));
  }
  if ((!attrs.strides.empty() && static_cast<int>(attrs.strides.size()) != r) ||
      (!attrs.dilations.empty() && static_cast<int>(attrs.dilations.size()) != r)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": strides and dilations need ", r, " values each"));
  }
  std::vector<graph::Dim> out = {x[0], w.rank_known ? w[0] : graph::Dim()};
  for (int i = 0; i < r; ++i) {
    graph::Dim k = w.rank_known ? w[2 + i] : graph::Dim();
    if (!attrs.kernel_shape.empty()) k = graph::Dim(attrs.kernel_shape[i]);
    if (!x[2 + i].known() || !k.known()) {
      // A pointwise kernel (1, stride 1, no padding) keeps a symbolic dim as it is, so load-time
      // shapes (and the streaming analysis) still see the time axis through Conv1D(k=1).
      const bool padded = !attrs.pads.empty() && (attrs.pads[i] != 0 || attrs.pads[i + r] != 0);
      const bool strided = !attrs.strides.empty() && attrs.strides[i] != 1;
      const bool pointwise = k.known() && k.value() == 1 && !padded && !strided;
      out.push_back(pointwise ? x[2 + i] : graph::Dim());
      continue;
    }
    SEQRT_ASSIGN_OR_RETURN(ConvDim d, ConvOutputDim(attrs, i, r, x[2 + i].value(), k.value(), where));
    out.emplace_back(d.out);
  }
  if (ctx.has_input(2) && ctx.input_shape(2).rank_known) {
    const graph::Shape& b = ctx.input_shape(2);
    if (b.rank() != 1 || (b[0].known() && out[1].known() && b[0].value() != out[1].value())) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": bias B must be [M] = [",
                                                     out[1].ToString(), "], got ", b.ToString()));
    }
  }
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

}  // namespace

void RegisterConvOps(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Conv";
  s.min_inputs = 2;
  s.max_inputs = 3;
  s.infer = &InferConv;
  s.kernels = {&MakeOnednnConv, &MakeReferenceConv};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops
