// What the graph around a Loop proves about the Loop's inputs: constants the caller cannot
// override, and bounds on the length of the sequence the Loop walks, which decide whether the
// Loop provably runs over the whole time axis.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "graph/graph.h"

namespace seqrt::graph::fuse {

// Facts about the graph that holds the Loop, which the Loop's inputs are checked against.
class OuterView {
 public:
  explicit OuterView(const Graph& g);

  const Node* Producer(ValueId v) const;
  const Shape& ShapeOf(ValueId v) const { return g_.value(v).shape; }
  // Data the caller cannot replace at run time (an initializer that is also a graph input can be).
  const Tensor* Constant(ValueId v) const;
  // `v` through Cast/Identity/Squeeze/Unsqueeze/Reshape.
  ValueId StripGlue(ValueId v) const;
  // True when `v` is x's size along `axis`, read as Shape(x)[axis] (through casts/squeezes), or
  // Shape(src)[perm[axis]] where x = Transpose(src, perm).
  bool IsAxisLength(ValueId v, ValueId x, int axis) const;
  // An upper bound of x's size along `axis` that the IR proves (declared dims, Transpose,
  // Reshape to a constant shape, Slice with constant bounds), if any.
  std::optional<int64_t> UpperLength(ValueId x, int axis) const;
  // x's size along `axis` when the IR proves it exactly.
  std::optional<int64_t> ExactLength(ValueId x, int axis) const;
  // `v` (a trip count) is at least x's length along `axis`.
  bool CoversLength(ValueId v, ValueId x, int axis) const;
  // The Loop's initial condition `v` is true whenever x has at least one step.
  bool KnownTrue(ValueId v, ValueId x, int axis) const;
  // Some node (or the graph's outputs) reads `v`.
  bool Used(ValueId v) const;

 private:
  struct Length {
    std::optional<int64_t> exact, upper;
  };
  Length LengthOf(ValueId v, int axis, int depth) const;

  const Graph& g_;
  std::vector<int> producer_;
  std::set<ValueId> overridable_;
  std::set<ValueId> used_;
};

}  // namespace seqrt::graph::fuse
