#include "importers/onnx/redeclare_inputs.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "onnx/onnx_pb.h"

namespace seqrt::importers::onnx {

absl::StatusOr<std::string> RedeclareInputShapes(const std::string& path,
                                                 const std::vector<std::pair<std::string, Dims>>& shapes) {
  std::ifstream in(path, std::ios::binary);
  ::onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot be parsed as an ONNX model"));
  }
  for (::onnx::ValueInfoProto& vi : *model.mutable_graph()->mutable_input()) {
    for (const auto& [name, dims] : shapes) {
      if (vi.name() != name) continue;
      ::onnx::TensorShapeProto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
      shape->clear_dim();
      for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
    }
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return absl::InternalError(absl::StrCat(path, ": cannot re-serialize"));
  return bytes;
}

}  // namespace seqrt::importers::onnx
