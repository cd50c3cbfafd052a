// Reference MatMul and Gemm on top of ReferenceGemm.
#include "ops/reference/matmul.h"

#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/reference/gemm.h"

namespace seqrt::ops {
namespace {

constexpr unsigned kMatMulTypes = kFloatTypes | kSignedInts | kUnsignedInts;

// VisitDType restricted to the types ReferenceGemm is instantiated for.
template <typename F>
absl::Status VisitMatMulDType(DType dtype, std::string_view where, F&& f) {
  if (!IsMatMulDType(dtype)) {
    return absl::UnimplementedError(absl::StrCat(std::string(where), " does not support dtype ",
                                                 std::string(DTypeName(dtype))));
  }
  return VisitDType(
      dtype,
      [&](auto tag) -> absl::Status {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
                      std::is_same_v<T, uint8_t> || std::is_same_v<T, uint16_t> ||
                      std::is_same_v<T, bool>) {
          return absl::InternalError("unreachable");
        } else {
          return f(tag);
        }
      },
      kMatMulTypes, where);
}

class MatMulKernel : public OpKernel {
 public:
  explicit MatMulKernel(const graph::Node& node) : where_(node.Describe()) {}


  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(MatMulGeometry g,
                           GetMatMulGeometry(ctx.input_dims(0), ctx.input_dims(1), where_));
    if (!IsMatMulDType(ctx.input_dtype(0))) {
      return absl::UnimplementedError(absl::StrCat(where_, " does not support dtype ",
                                                   std::string(DTypeName(ctx.input_dtype(0)))));
    }
    ctx.RequestScratch(ReferenceGemmScratchBytes(ctx.input_dtype(0), g.m, g.n, g.k));
    prepared_ = std::move(g);
    prepared_a_ = ctx.input_dims(0);
    prepared_b_ = ctx.input_dims(1);
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    // Geometry from Prepare; recomputed (allocating) only if the dims are not the prepared ones.
    MatMulGeometry recomputed;
    const MatMulGeometry* geometry = &prepared_;
    if (ctx.input_dims(0) != prepared_a_ || ctx.input_dims(1) != prepared_b_) {
      SEQRT_ASSIGN_OR_RETURN(recomputed,
                             GetMatMulGeometry(ctx.input_dims(0), ctx.input_dims(1), where_));
      geometry = &recomputed;
    }
    const MatMulGeometry& g = *geometry;
    GemmShape s;
    s.m = g.m;
    s.n = g.n;
    s.k = g.k;
    s.lda = g.k;
    s.ldb = g.n;
    s.ldc = g.n;
    const int rank = static_cast<int>(g.batch_out.size());
    // Matrix-sized strides of each operand over the output batch dims (0 where broadcast).
    absl::InlinedVector<int64_t, 8> sa(rank), sb(rank);
    int64_t stride_a = 1, stride_b = 1;
    for (int d = rank - 1; d >= 0; --d) {
      sa[d] = g.batch_a[d] == 1 ? 0 : stride_a;
      sb[d] = g.batch_b[d] == 1 ? 0 : stride_b;
      stride_a *= g.batch_a[d];
      stride_b *= g.batch_b[d];
    }
    int64_t batches = 1;
    for (int64_t d : g.batch_out) batches *= d;
    return VisitMatMulDType(ctx.input_dtype(0), where_, [&](auto tag) -> absl::Status {
      using T = decltype(tag);
      const T* a = ctx.input<T>(0);
      const T* b = ctx.input<T>(1);
      T* c = ctx.output<T>(0);
      absl::InlinedVector<int64_t, 8> index(rank, 0);
      int64_t ia = 0, ib = 0;
      for (int64_t batch = 0; batch < batches; ++batch) {
        ReferenceGemm<T>(s, a + ia * g.m * g.k, b + ib * g.k * g.n, c + batch * g.m * g.n,
                         ctx.scratch());
        for (int d = rank - 1; d >= 0; --d) {
          ia += sa[d];
          ib += sb[d];
          if (++index[d] < g.batch_out[d]) break;
          ia -= sa[d] * g.batch_out[d];
          ib -= sb[d] * g.batch_out[d];
          index[d] = 0;
        }
      }
      return absl::OkStatus();
    });
  }

 private:
  std::string where_;
  MatMulGeometry prepared_;
  Dims prepared_a_, prepared_b_;
};

class GemmKernel : public OpKernel {
 public:
  explicit GemmKernel(const graph::Node& node)
      : where_(node.Describe()), attrs_(ParseGemmAttrs(node)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    if (!IsMatMulDType(ctx.input_dtype(0))) {
      return absl::UnimplementedError(absl::StrCat(where_, " does not support dtype ",
                                                   std::string(DTypeName(ctx.input_dtype(0)))));
    }
    const Dims& y = ctx.output_dims(0);
    const Dims& a = ctx.input_dims(0);
    ctx.RequestScratch(
        ReferenceGemmScratchBytes(ctx.input_dtype(0), y[0], y[1], attrs_.trans_a ? a[0] : a[1]));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& ad = ctx.input_dims(0);
    const Dims& bd = ctx.input_dims(1);
    GemmShape s;
    s.trans_a = attrs_.trans_a;
    s.trans_b = attrs_.trans_b;
    s.m = s.trans_a ? ad[1] : ad[0];
    s.k = s.trans_a ? ad[0] : ad[1];
    s.n = s.trans_b ? bd[0] : bd[1];
    s.lda = ad[1];
    s.ldb = bd[1];
    s.ldc = s.n;
    const bool use_c = ctx.has_input(2) && attrs_.beta != 0.f;
    // C broadcasts unidirectionally to [M, N]: element (i, j) is at i * c_row + j * c_col.
    int64_t c_row = 0, c_col = 0;
    if (use_c) {
      const Dims& cd = ctx.input_dims(2);
      const int64_t c0 = cd.size() == 2 ? cd[0] : 1;
      const int64_t c1 = cd.empty() ? 1 : cd.back();
      c_col = c1 == 1 ? 0 : 1;
      c_row = c0 == 1 ? 0 : c1;
    }
    return VisitMatMulDType(ctx.input_dtype(0), where_, [&](auto tag) -> absl::Status {
      using T = decltype(tag);
      using C = ComputeType<T>;
      T* y = ctx.output<T>(0);
      ReferenceGemm<T>(s, ctx.input<T>(0), ctx.input<T>(1), y, ctx.scratch());
      if (attrs_.alpha == 1.f && !use_c) return absl::OkStatus();
      const C alpha = static_cast<C>(attrs_.alpha), beta = static_cast<C>(attrs_.beta);
      const T* c = use_c ? ctx.input<T>(2) : nullptr;
      for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t j = 0; j < s.n; ++j) {
          C v = alpha * static_cast<C>(y[i * s.n + j]);
          if (use_c) v += beta * static_cast<C>(c[i * c_row + j * c_col]);
          y[i * s.n + j] = static_cast<T>(v);
        }
      }
      return absl::OkStatus();
    });
  }

 private:
  std::string where_;
  GemmAttrs attrs_;
};

}  // namespace

bool IsMatMulDType(DType dtype) {
  switch (dtype) {
    case DType::kFloat:
    case DType::kDouble:
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt32:
    case DType::kUInt64:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<MatMulGeometry> GetMatMulGeometry(const Dims& a, const Dims& b,
                                                 std::string_view where) {
  if (a.empty() || b.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where),
                                                   ": MatMul operands must have rank >= 1, got ",
                                                   DimsToString(a), " and ", DimsToString(b)));
  }
  MatMulGeometry g;
  const int ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size());
  g.m = ra == 1 ? 1 : a[ra - 2];
  const int64_t ka = a[ra - 1];
  const int64_t kb = rb == 1 ? b[0] : b[rb - 2];
  g.n = rb == 1 ? 1 : b[rb - 1];
  if (ka != kb) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": inner dimensions differ: ",
                                                   DimsToString(a), " x ", DimsToString(b), " (",
                                                   ka, " vs ", kb, ")"));
  }
  g.k = ka;
  Dims ba(a.begin(), a.end() - std::min(ra, 2)), bb(b.begin(), b.end() - std::min(rb, 2));
  const size_t rank = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), rank - ba.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  g.batch_out.resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (ba[i] != bb[i] && ba[i] != 1 && bb[i] != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(where), ": batch dimensions cannot be broadcast: ", DimsToString(a), " x ",
          DimsToString(b)));
    }
    g.batch_out[i] = ba[i] == 1 ? bb[i] : ba[i];
  }
  g.batch_a = std::move(ba);
  g.batch_b = std::move(bb);
  return g;
}

GemmAttrs ParseGemmAttrs(const graph::Node& node) {
  GemmAttrs a;
  a.trans_a = node.attrs.GetInt("transA", 0) != 0;
  a.trans_b = node.attrs.GetInt("transB", 0) != 0;
  a.alpha = node.attrs.GetFloat("alpha", 1.f);
  a.beta = node.attrs.GetFloat("beta", 1.f);
  return a;
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceMatMul(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<MatMulKernel>(node));
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceGemm(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<GemmKernel>(node));
}

}  // namespace seqrt::ops
