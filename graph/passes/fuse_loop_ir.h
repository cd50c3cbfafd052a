// Small readers of the IR that the Loop fusions share: scalar and list constants, Slice and Split
// arguments in every opset's spelling, and a box copy for folding constant weights.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "graph/graph.h"

namespace seqrt::graph::fuse {

// tf2onnx writes "to the end" as INT32_MAX (or INT64_MAX); anything this large means it.
inline constexpr int64_t kToEnd = 2147483647;

// The constant data at a value, or null (each caller knows what may count as constant).
using ConstantFn = std::function<const Tensor*(ValueId)>;

// A one-element int32/int64 tensor's value.
std::optional<int64_t> ScalarInt(const Tensor* t);
// A rank-0 integer zero: a counter's start (a [1] start would add an axis to every step's slice).
bool IsScalarZero(const Tensor* t);
// A one-element number of any common type, for comparing loop bounds.
std::optional<double> ScalarNumber(const Tensor* t);
// A rank-0/1 int32/int64 tensor's values.
std::optional<std::vector<int64_t>> IntList(const Tensor* t);

// Node index producing each value, -1 for inputs and constants.
std::vector<int> Producers(const Graph& g);
bool IsOnnx(const Node& n, const char* op);
// Cast/Identity/Squeeze/Unsqueeze/Reshape: glue that keeps a scalar's value.
bool IsUnaryGlue(const Node& n);

// Slice's starts/ends/axes/steps (inputs from opset 10, attributes before), axes and steps
// filled with their defaults.
struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};
std::optional<SliceArgs> ReadSlice(const Node& n, const ConstantFn& constant);
// Split's piece sizes along an axis of length `len`: input (opset 13+), attribute, or equal
// pieces (opset 18's num_outputs rounds up, the last piece taking the rest).
std::optional<std::vector<int64_t>> SplitSizes(const Node& n, int64_t len, const ConstantFn& constant);

// Copies the box [start, start + size) of a float tensor.
Tensor CropBox(const Tensor& src, const std::vector<int64_t>& start, const Dims& size);
// `axis` in [-rank, rank) made non-negative.
std::optional<int> Axis(int64_t axis, int rank);

// Reads a constant [M] or [1, M] float vector; false otherwise.
bool ReadVector(const Tensor* t, int64_t m, std::vector<float>* out);
// A constant float matrix [rows, cols] (-1: any).
bool IsFloatMatrix(const Tensor* t, int64_t rows = -1, int64_t cols = -1);
// All elements equal `value` (any shape, at least one element, float).
bool IsAllFloat(const Tensor* t, float value);

}  // namespace seqrt::graph::fuse
