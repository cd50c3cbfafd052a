// MatMulInteger (A, B, a_zero_point, b_zero_point -> int32 sum of zero-point-shifted products)
// and QLinearMatMul (the same product requantized: round(acc * a_scale * b_scale / y_scale)
// + y_zero_point, saturated to y's 8-bit type). uint8 or int8 operands, each independently.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/integer/integer_matmul.h"
#include "ops/integer/integer_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::integer {

absl::StatusOr<graph::Shape> IntegerMatMulShape(const graph::Node& node, const graph::Shape& a,
                                                const graph::Shape& b) {
  if (!a.rank_known || !b.rank_known) return graph::Shape::UnknownRank();
  if (a.rank() == 0 || b.rank() == 0) {
    return NodeError(node, absl::StrCat("operands must have rank >= 1, got ", a.ToString(), " and ", b.ToString()));
  }
  const graph::Dim& ka = a[a.rank() - 1];
  const graph::Dim& kb = b.rank() == 1 ? b[0] : b[b.rank() - 2];
  if (ka.known() && kb.known() && ka.value() != kb.value()) {
    return NodeError(node, absl::StrCat("inner dimensions differ: ", a.ToString(), " x ", b.ToString()));
  }
  graph::Shape batch_a(std::vector<graph::Dim>(a.dims.begin(), a.dims.end() - std::min(a.rank(), 2)));
  graph::Shape batch_b(std::vector<graph::Dim>(b.dims.begin(), b.dims.end() - std::min(b.rank(), 2)));
  auto batch = graph::BroadcastShapes({batch_a, batch_b});
  if (!batch.ok()) return NodeError(node, absl::StrCat("batch dimensions: ", batch.status().message()));
  std::vector<graph::Dim> out = batch->dims;
  if (a.rank() >= 2) out.push_back(a[a.rank() - 2]);
  if (b.rank() >= 2) out.push_back(b[b.rank() - 1]);
  return graph::Shape(std::move(out));
}

absl::StatusOr<MatMulLayout> GetMatMulLayout(std::string_view where, const Dims& a_in, const Dims& b_in) {
  Dims a = a_in, b = b_in;
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (b.size() == 1) b.push_back(1);
  MatMulLayout l;
  l.m = a[a.size() - 2];
  l.k = a[a.size() - 1];
  l.n = b[b.size() - 1];
  if (b[b.size() - 2] != l.k) {
    return NodeError(where, absl::StrCat("inner dimensions differ (", l.k, " vs ", b[b.size() - 2], ")"));
  }
  const Dims ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  const size_t r = std::max(ba.size(), bb.size());
  Dims out(r), pa(r, 1), pb(r, 1);  // batch dims, left-padded with 1
  std::copy(ba.begin(), ba.end(), pa.begin() + (r - ba.size()));
  std::copy(bb.begin(), bb.end(), pb.begin() + (r - bb.size()));
  for (size_t d = 0; d < r; ++d) {
    if (pa[d] != pb[d] && pa[d] != 1 && pb[d] != 1) {
      return NodeError(where, absl::StrCat("batch dim ", d, " does not broadcast (", pa[d], " vs ", pb[d], ")"));
    }
    out[d] = std::max(pa[d], pb[d]);
  }
  l.batches = NumElements(out);
  for (int64_t t = 0; t < l.batches; ++t) {
    int64_t rest = t, oa = 0, ob = 0, sa = 1, sb = 1;
    for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
      const int64_t i = rest % out[d];
      rest /= out[d];
      oa += (pa[d] == 1 ? 0 : i) * sa;
      ob += (pb[d] == 1 ? 0 : i) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    l.a_offset.push_back(oa * l.m * l.k);
    l.b_offset.push_back(ob * l.k * l.n);
  }
  return l;
}

namespace {

absl::Status CheckZeroPoint(const InferContext& ctx, int zp, int of) {
  if (ctx.has_input(zp) && ctx.input_dtype(zp) != ctx.input_dtype(of)) {
    return NodeError(ctx.node(), absl::StrCat("zero point (input ", zp, ") is ",
                                              std::string(DTypeName(ctx.input_dtype(zp))), " but input ", of,
                                              " is ", std::string(DTypeName(ctx.input_dtype(of)))));
  }
  return absl::OkStatus();
}

absl::Status CheckInt8(const InferContext& ctx, int i) {
  if (IsInt8Type(ctx.input_dtype(i))) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), ": input ", i, " dtype ",
                                               std::string(DTypeName(ctx.input_dtype(i))),
                                               " is not supported (uint8, int8)"));
}

// A zero point's or scale's element count must be 1 or `allowed`.
absl::Status CheckCount(std::string_view where, const PrepareContext& ctx, int i, int64_t allowed,
                        std::string_view what) {
  if (!ctx.has_input(i)) return absl::OkStatus();
  const int64_t n = NumElements(ctx.input_dims(i));
  if (n == 1 || n == allowed) return absl::OkStatus();
  return NodeError(where, absl::StrCat(std::string(what), " has ", n, " elements, expected 1 or ", allowed));
}

// ---- MatMulInteger: A, B, a_zero_point?, b_zero_point? -> int32 ----------------------------

absl::Status InferMatMulInteger(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInt8(ctx, 0));
  SEQRT_RETURN_IF_ERROR(CheckInt8(ctx, 1));
  SEQRT_RETURN_IF_ERROR(CheckZeroPoint(ctx, 2, 0));
  SEQRT_RETURN_IF_ERROR(CheckZeroPoint(ctx, 3, 1));
  SEQRT_ASSIGN_OR_RETURN(graph::Shape out, IntegerMatMulShape(ctx.node(), ctx.input_shape(0), ctx.input_shape(1)));
  ctx.SetOutput(0, DType::kInt32, std::move(out));
  return absl::OkStatus();
}

class MatMulIntegerKernel final : public OpKernel {
 public:
  explicit MatMulIntegerKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(layout_, GetMatMulLayout(where_, ctx.input_dims(0), ctx.input_dims(1)));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 2, layout_.m, "a_zero_point"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 3, layout_.n, "b_zero_point"));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitInt8(ctx.input_dtype(0), where_, [&](auto at) {
      return VisitInt8(ctx.input_dtype(1), where_, [&](auto bt) {
        using A = decltype(at);
        using B = decltype(bt);
        const A* za = ctx.has_input(2) ? ctx.input<A>(2) : nullptr;
        const B* zb = ctx.has_input(3) ? ctx.input<B>(3) : nullptr;
        IntegerMatMul(layout_, ctx.input<A>(0), ctx.input<B>(1), za,
                      za ? NumElements(ctx.input_dims(2)) : 0, zb, zb ? NumElements(ctx.input_dims(3)) : 0,
                      ctx.output<int32_t>(0));
        return absl::OkStatus();
      });
    });
  }

 private:
  std::string where_;
  MatMulLayout layout_;
};

// ---- QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp -> y (8-bit) ---------

absl::Status InferQLinearMatMul(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(CheckInt8(ctx, 0));
  SEQRT_RETURN_IF_ERROR(CheckInt8(ctx, 3));
  SEQRT_RETURN_IF_ERROR(CheckInt8(ctx, 7));
  SEQRT_RETURN_IF_ERROR(CheckZeroPoint(ctx, 2, 0));
  SEQRT_RETURN_IF_ERROR(CheckZeroPoint(ctx, 5, 3));
  for (int i : {1, 4, 6}) {
    if (ctx.input_dtype(i) != DType::kFloat) {
      return absl::UnimplementedError(absl::StrCat(ctx.node().Describe(), ": scale input ", i, " must be float, got ",
                                                   std::string(DTypeName(ctx.input_dtype(i)))));
    }
  }
  SEQRT_ASSIGN_OR_RETURN(graph::Shape out, IntegerMatMulShape(ctx.node(), ctx.input_shape(0), ctx.input_shape(3)));
  ctx.SetOutput(0, ctx.input_dtype(7), std::move(out));
  return absl::OkStatus();
}

class QLinearMatMulKernel final : public OpKernel {
 public:
  explicit QLinearMatMulKernel(const graph::Node& node) : where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(layout_, GetMatMulLayout(where_, ctx.input_dims(0), ctx.input_dims(3)));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 1, layout_.m, "a_scale"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 2, layout_.m, "a_zero_point"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 4, layout_.n, "b_scale"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 5, layout_.n, "b_zero_point"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 6, 1, "y_scale"));
    SEQRT_RETURN_IF_ERROR(CheckCount(where_, ctx, 7, 1, "y_zero_point"));
    ctx.RequestScratch(static_cast<size_t>(layout_.batches * layout_.m * layout_.n) * sizeof(int32_t));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    auto* acc = static_cast<int32_t*>(ctx.scratch());
    return VisitInt8(ctx.input_dtype(0), where_, [&](auto at) {
      return VisitInt8(ctx.input_dtype(3), where_, [&](auto bt) {
        return VisitInt8(ctx.output_dtype(0), where_, [&](auto yt) {
          using A = decltype(at);
          using B = decltype(bt);
          using Y = decltype(yt);
          const int64_t na = NumElements(ctx.input_dims(2)), nb = NumElements(ctx.input_dims(5));
          IntegerMatMul(layout_, ctx.input<A>(0), ctx.input<B>(3), ctx.input<A>(2), na, ctx.input<B>(5), nb, acc);
          const float* as = ctx.input<float>(1);
          const float* bs = ctx.input<float>(4);
          const bool a_rows = NumElements(ctx.input_dims(1)) != 1, b_cols = NumElements(ctx.input_dims(4)) != 1;
          const float ys = ctx.input<float>(6)[0];
          const float yz = static_cast<float>(ctx.input<Y>(7)[0]);
          Y* y = ctx.output<Y>(0);
          const int64_t mn = layout_.m * layout_.n;
          for (int64_t t = 0; t < layout_.batches; ++t)
            for (int64_t i = 0; i < layout_.m; ++i)
              for (int64_t j = 0; j < layout_.n; ++j) {
                const int64_t e = t * mn + i * layout_.n + j;
                const float scale = as[a_rows ? i : 0] * bs[b_cols ? j : 0] / ys;
                y[e] = SaturateRound<Y>(static_cast<float>(acc[e]) * scale + yz);
              }
          return absl::OkStatus();
        });
      });
    });
  }

 private:
  std::string where_;
  MatMulLayout layout_;
};

}  // namespace

void RegisterMatMulIntegerOps(OpRegistry& registry) {
  {
    OpSchema s;
    s.op_type = "MatMulInteger";
    s.since_version = 10;
    s.min_inputs = 2;
    s.max_inputs = 4;
    s.infer = &InferMatMulInteger;
    s.kernels = {&MakeKernel<MatMulIntegerKernel>};
    registry.Register(std::move(s));
  }
  {
    OpSchema s;
    s.op_type = "QLinearMatMul";
    s.since_version = 10;
    s.min_inputs = 8;
    s.max_inputs = 8;
    s.infer = &InferQLinearMatMul;
    s.kernels = {&MakeKernel<QLinearMatMulKernel>};
    registry.Register(std::move(s));
  }
}

}  // namespace seqrt::ops::integer
