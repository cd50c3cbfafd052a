// ModelProto -> graph::Model. The only layer that sees protobuf.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace seqrt::importers::onnx {

// Reads and converts a model file. External data is resolved relative to its folder.
absl::StatusOr<graph::Model> LoadModelFile(const std::string& path);
// Converts serialized ModelProto bytes; external data is resolved relative to base_dir
// (and refused when base_dir is empty).
absl::StatusOr<graph::Model> LoadModelBytes(const std::string& bytes, const std::string& base_dir,
                                            const std::string& display_name = "model");

}  // namespace seqrt::importers::onnx
