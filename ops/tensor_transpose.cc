// Transpose. On the hot path of Keras exports ([N,T,F] <-> [T,N,F] around every recurrent
// layer), so the kernel is a StridedCopy: dims that stay adjacent are merged, a kept inner
// dim becomes memcpy runs, and a real transpose of the inner dim is copied in tiles.
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/tensor_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops {
namespace {

// The permutation for `rank`: the 'perm' attribute, or reversed dims when absent.
absl::StatusOr<std::vector<int64_t>> ResolvePerm(const graph::Node& node, int rank) {
  std::vector<int64_t> perm(rank);
  if (!node.attrs.Has("perm")) {
    for (int i = 0; i < rank; ++i) perm[i] = rank - 1 - i;
    return perm;
  }
  auto attr = node.attrs.GetInts("perm");
  if (!attr.ok()) return WithNode(node, attr.status());
  perm = *attr;
  std::vector<bool> seen(rank, false);
  bool valid = static_cast<int>(perm.size()) == rank;
  for (int64_t& p : perm) {
    if (!valid) break;
    if (p < 0) p += rank;  // not in the spec, but harmless to accept
    if (p < 0 || p >= rank || seen[p]) valid = false;
    else seen[p] = true;
  }
  if (!valid) {
    return NodeError(node, absl::StrCat("perm [", absl::StrJoin(*attr, ","),
                                        "] is not a permutation of the input's ", rank, " dims"));
  }
  return perm;
}

absl::Status InferTranspose(InferContext& ctx) {
  const graph::Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (!in.rank_known) {
    auto perm = ctx.attrs().GetInts("perm");
    ctx.SetOutput(0, dtype,
                  perm.ok() ? graph::Shape(std::vector<graph::Dim>(perm->size()))
                            : graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ResolvePerm(ctx.node(), in.rank()));
  std::vector<graph::Dim> out;
  for (int64_t p : perm) out.push_back(in[static_cast<int>(p)]);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class TransposeKernel : public OpKernel {
 public:
  explicit TransposeKernel(const graph::Node& node)
      : where_(node.Describe()),
        has_perm_(node.attrs.GetInts("perm").ok()),
        perm_(node.attrs.GetInts("perm", {})) {}

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& in = ctx.input_dims(0);
    const int rank = static_cast<int>(in.size());
    if (has_perm_ && static_cast<int>(perm_.size()) != rank) {  // infer checked it; stay safe
      return NodeError(where_, absl::StrCat("perm has ", perm_.size(), " entries for rank ", rank));
    }
    const SmallInts in_strides = RowMajorStrides(in);
    SmallInts dims(rank), src_strides(rank);
    for (int i = 0; i < rank; ++i) {
      int64_t p = has_perm_ ? perm_[i] : rank - 1 - i;
      if (p < 0) p += rank;
      dims[i] = in[p];
      src_strides[i] = in_strides[p];
    }
    StridedCopy(ctx.output(0), RowMajorStrides(dims), ctx.input(0), src_strides, dims,
                DTypeSize(ctx.input_dtype(0)));
    return absl::OkStatus();
  }

 private:
  std::string where_;
  bool has_perm_;
  std::vector<int64_t> perm_;
};

}  // namespace

void RegisterTransposeOps(OpRegistry& registry) {
  registry.Register(OpSchema{.domain = "",
                             .op_type = "Transpose",
                             .since_version = 1,
                             .min_inputs = 1,
                             .max_inputs = 1,
                             .infer = InferTranspose,
                             .kernels = {MakeKernel<TransposeKernel>}});
}

}  // namespace seqrt::ops
