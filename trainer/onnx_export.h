// Writes a trained network as an ONNX model laid out like a Keras → tf2onnx export.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "seqrt/train.h"
#include "trainer/network.h"

namespace seqrt::trainer {

// A serialized ModelProto that passed onnx::checker::check_model.
absl::StatusOr<std::string> ExportOnnxModel(Network<float>& net, const ExportOptions& options);

}  // namespace seqrt::trainer
