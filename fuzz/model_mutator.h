// Semantic edits of a valid ONNX model, the kind a buggy exporter or a hostile uploader
// produces: dims, dtypes, attributes, wiring, initializer sizes and the values that
// shape-computing nodes read. The structure-aware fuzz target (fuzz/model_fuzzer.cc) applies
// one or a few per execution, so inputs stay parseable models and reach the planner and
// kernels instead of dying in protobuf parsing.
#pragma once

#include <cstdint>

#include "onnx/onnx_pb.h"

namespace seqrt::fuzz {

// Applies 1-3 random edits chosen by `seed` to `model` (in place).
void MutateModel(onnx::ModelProto& model, uint32_t seed);

}  // namespace seqrt::fuzz
