// MatMul (numpy-style batched matrix product) and Gemm (Y = alpha * A'B' + beta * C).
// Shape functions here; kernels: our packed GEMM for float32 with constant weights, then
// oneDNN matmul for float32, the reference ones last.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/onednn/matmul_onednn.h"
#include "ops/onednn/matmul_packed.h"
#include "ops/reference/matmul.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

std::string DTypeStr(DType t) { return std::string(DTypeName(t)); }

absl::Status CheckOperandTypes(const InferContext& ctx, int count) {
  const std::string where = ctx.node().Describe();
  const DType dtype = ctx.input_dtype(0);
  if (!IsMatMulDType(dtype)) {
    return absl::UnimplementedError(absl::StrCat(where, " does not support dtype ", DTypeStr(dtype)));
  }
  for (int i = 1; i < count; ++i) {
    if (ctx.has_input(i) && ctx.input_dtype(i) != dtype) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i, " has dtype ",
                                                     DTypeStr(ctx.input_dtype(i)), ", expected ",
                                                     DTypeStr(dtype), " like input 0"));
    }
  }
  return absl::OkStatus();
}

absl::Status InferMatMul(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  SEQRT_RETURN_IF_ERROR(CheckOperandTypes(ctx, 2));
  const DType dtype = ctx.input_dtype(0);
  const graph::Shape& a = ctx.input_shape(0);
  const graph::Shape& b = ctx.input_shape(1);
  if (!a.rank_known || !b.rank_known) {
    ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (a.rank() == 0 || b.rank() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": operands must have rank >= 1, got ",
                                                   a.ToString(), " and ", b.ToString()));
  }
  const graph::Dim& ka = a[a.rank() - 1];
  const graph::Dim& kb = b.rank() == 1 ? b[0] : b[b.rank() - 2];
  if (ka.known() && kb.known() && ka.value() != kb.value()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": inner dimensions differ: ",
                                                   a.ToString(), " x ", b.ToString(), " (",
                                                   ka.value(), " vs ", kb.value(), ")"));
  }
  graph::Shape batch_a(std::vector<graph::Dim>(a.dims.begin(), a.dims.end() - std::min(a.rank(), 2)));
  graph::Shape batch_b(std::vector<graph::Dim>(b.dims.begin(), b.dims.end() - std::min(b.rank(), 2)));
  auto batch = graph::BroadcastShapes({batch_a, batch_b});
  if (!batch.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": batch dimensions: ", batch.status().message()));
  }
  std::vector<graph::Dim> out = batch->dims;
  if (a.rank() >= 2) out.push_back(a[a.rank() - 2]);
  if (b.rank() >= 2) out.push_back(b[b.rank() - 1]);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

absl::Status InferGemm(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  SEQRT_RETURN_IF_ERROR(CheckOperandTypes(ctx, 3));
  if (ctx.opset() < 11 && !ctx.has_input(2)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": input C is required before opset 11 (model has opset ", ctx.opset(), ")"));
  }
  const DType dtype = ctx.input_dtype(0);
  const GemmAttrs attrs = ParseGemmAttrs(ctx.node());
  const graph::Shape& a = ctx.input_shape(0);
  const graph::Shape& b = ctx.input_shape(1);
  for (int i = 0; i < 2; ++i) {
    const graph::Shape& s = ctx.input_shape(i);
    if (s.rank_known && s.rank() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i == 0 ? "A" : "B",
                                                     " must be 2-D, got ", s.ToString()));
    }
  }
  graph::Dim m, n, ka, kb;
  if (a.rank_known) {
    m = attrs.trans_a ? a[1] : a[0];
    ka = attrs.trans_a ? a[0] : a[1];
  }
  if (b.rank_known) {
    kb = attrs.trans_b ? b[1] : b[0];
    n = attrs.trans_b ? b[0] : b[1];
  }
  if (ka.known() && kb.known() && ka.value() != kb.value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": inner dimensions differ: A ", a.ToString(), (attrs.trans_a ? " (transposed)" : ""),
        " x B ", b.ToString(), (attrs.trans_b ? " (transposed)" : ""), " (", ka.value(), " vs ",
        kb.value(), ")"));
  }
  if (ctx.has_input(2) && ctx.input_shape(2).rank_known) {
    // C must broadcast unidirectionally to [M, N].
    const graph::Shape& c = ctx.input_shape(2);
    bool ok = c.rank() <= 2;
    const graph::Dim* target[2] = {&m, &n};
    for (int i = 0; ok && i < c.rank(); ++i) {
      const graph::Dim& d = c[i];
      const graph::Dim& t = *target[2 - c.rank() + i];
      if (d.known() && d.value() != 1 && t.known() && d.value() != t.value()) ok = false;
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": C ", c.ToString(),
                                                     " cannot be broadcast to [M,N] = [",
                                                     m.ToString(), ",", n.ToString(), "]"));
    }
  }
  ctx.SetOutput(0, dtype, graph::Shape({m, n}));
  return absl::OkStatus();
}

}  // namespace

void RegisterMatMulOps(OpRegistry& registry) {
  OpSchema matmul;
  matmul.op_type = "MatMul";
  matmul.min_inputs = 2;
  matmul.max_inputs = 2;
  matmul.infer = &InferMatMul;
  matmul.kernels = {&MakePackedMatMul, &MakeOnednnMatMul, &MakeReferenceMatMul};
  registry.Register(std::move(matmul));

  OpSchema gemm;
  gemm.op_type = "Gemm";
  gemm.min_inputs = 2;  // C optional from opset 11 (checked in InferGemm)
  gemm.max_inputs = 3;
  gemm.infer = &InferGemm;
  gemm.kernels = {&MakePackedGemm, &MakeOnednnGemm, &MakeReferenceGemm};
  registry.Register(std::move(gemm));
}

}  // namespace seqrt::ops
