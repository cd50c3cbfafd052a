// Rewrites the declared shapes of some graph inputs of a serialized ONNX model. Used by the
// conformance runner for test cases whose stored inputs contradict their model's declaration
// (see runtime/conformance.cc); kept here because only importers/onnx/ sees protobuf.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"

namespace seqrt::importers::onnx {

// The model in `path` with each named graph input declared as a tensor of the given dims.
absl::StatusOr<std::string> RedeclareInputShapes(const std::string& path,
                                                 const std::vector<std::pair<std::string, Dims>>& shapes);

}  // namespace seqrt::importers::onnx
