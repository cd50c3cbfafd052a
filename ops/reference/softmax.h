// Softmax / LogSoftmax: the geometry both kernels (reference, oneDNN) agree on, and the
// reference kernel's factory.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/kernel.h"

namespace seqrt::ops {

struct SoftmaxAttrs {
  bool log = false;
  int64_t axis = -1;  // as written; default 1 before opset 13, -1 from 13
  // Before opset 13 the input is flattened to 2-D at `axis` and each row is normalised as a
  // whole; from 13 only the `axis` dimension is.
  bool flatten = false;
};

SoftmaxAttrs ParseSoftmaxAttrs(const graph::Node& node, bool log);

// The input seen as [outer, n, inner]; normalisation runs over n.
struct SoftmaxGeometry {
  int64_t outer = 1, n = 1, inner = 1;
};

absl::StatusOr<SoftmaxGeometry> GetSoftmaxGeometry(const SoftmaxAttrs& attrs, const Dims& dims,
                                                   std::string_view where);

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceSoftmax(const graph::Node& node);
absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceLogSoftmax(const graph::Node& node);

}  // namespace seqrt::ops
