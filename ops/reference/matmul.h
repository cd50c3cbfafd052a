// MatMul (numpy matmul semantics) and Gemm: geometry shared by the shape functions and the
// kernels (reference and oneDNN), and the reference kernels' factories.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

// Element types the matrix kernels compute in (ONNX MatMul/Gemm: float16/32/64, bfloat16,
// int32/64, uint32/64).
bool IsMatMulDType(DType dtype);

// A MatMul's operands as batches of matrices: a [batch_a..., M, K] · b [batch_b..., K, N].
// A 1-D `a` is a row vector ([1,K], M dropped from the output), a 1-D `b` a column vector.
struct MatMulGeometry {
  int64_t m = 1, n = 1, k = 1;
  Dims batch_a, batch_b, batch_out;  // batch dims, all padded to batch_out's rank
};

absl::StatusOr<MatMulGeometry> GetMatMulGeometry(const Dims& a, const Dims& b,
                                                 std::string_view where);

struct GemmAttrs {
  bool trans_a = false, trans_b = false;
  float alpha = 1.f, beta = 1.f;
};
GemmAttrs ParseGemmAttrs(const graph::Node& node);

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceMatMul(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceGemm(const graph::Node& node);

}  // namespace seqrt::ops
