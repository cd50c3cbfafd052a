// What both losses compute once log-probabilities are at hand: for input [N, C, d1..dk] and
// integer targets [N, d1..dk], loss[n, d] = -logp[n, target, d] * weight[target] (0 where
// target == ignore_index), then reduced: "none" keeps [N, d1..dk], "sum" adds, "mean" divides
// the sum by the summed weights of the counted elements.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "ops/op_schema.h"

namespace seqrt::ops::loss {

enum class Reduction { kNone, kSum, kMean };

struct NllAttrs {
  Reduction reduction = Reduction::kMean;
  bool has_ignore_index = false;
  int64_t ignore_index = 0;
};

absl::StatusOr<NllAttrs> ParseNllAttrs(const graph::Node& node);

// Checks scores (input 0), targets (input 1) and weights (input 2, optional) and sets output
// 0 (the loss). Scores must be a float type, targets int32/int64, weights [C] of scores' dtype.
absl::Status InferNllOutputs(InferContext& ctx, const NllAttrs& attrs);

// Where a [N, C, D] view (D = d1*...*dk) puts things.
struct NllGeometry {
  int64_t n = 0, c = 0, d = 0;
};
NllGeometry GetNllGeometry(const Dims& scores);

// Computes the loss from log-probabilities `logp` (C computes in float/double) into `out`
// (one value, or N*D for "none"). Targets out of [0, C) that are not ignored are an error
// naming `where`.
template <typename C, typename Target>
absl::Status ComputeNll(const NllAttrs& attrs, const NllGeometry& g, const C* logp, const Target* target,
                        const C* weight, C* out, const std::string& where);

}  // namespace seqrt::ops::loss
