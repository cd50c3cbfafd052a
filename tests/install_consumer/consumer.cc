// A program that embeds seqrt through its installed headers only: a one-node Relu model
// built in memory from serialized bytes is loaded and run.
#include <cstdio>
#include <string>
#include <vector>

#include "seqrt/session.h"

// ModelProto for: input x float[2], y = Relu(x), opset 13 (hand-serialized protobuf bytes).
static std::string ReluModel() {
  auto field = [](int number, int wire, const std::string& payload) {
    std::string out;
    out.push_back(static_cast<char>((number << 3) | wire));
    if (wire == 2) out.push_back(static_cast<char>(payload.size()));
    return out + payload;
  };
  auto varint = [](int number, int value) {
    std::string out;
    out.push_back(static_cast<char>(number << 3));
    out.push_back(static_cast<char>(value));
    return out;
  };
  std::string dim = varint(1, 2);                                          // TensorShapeProto.Dimension.dim_value = 2
  std::string shape = field(1, 2, dim);                          // TensorShapeProto.dim
  std::string tensor_type = varint(1, 1) + field(2, 2, shape);   // elem_type FLOAT, shape
  std::string type = field(1, 2, tensor_type);                   // TypeProto.tensor_type
  std::string x = field(1, 2, "x") + field(2, 2, type);          // ValueInfoProto
  std::string y = field(1, 2, "y") + field(2, 2, type);
  std::string node = field(1, 2, "x") + field(2, 2, "y") + field(4, 2, "Relu");
  std::string graph = field(1, 2, node) + field(2, 2, "g") + field(11, 2, x) + field(12, 2, y);
  std::string opset = varint(2, 13);
  return varint(1, 8) + field(7, 2, graph) + field(8, 2, opset);
}

int main() {
  auto session = seqrt::Session::LoadFromBytes(ReluModel());
  if (!session.ok()) {
    std::printf("load failed: %s\n", std::string(session.status().message()).c_str());
    return 1;
  }
  std::vector<float> x = {-1.5f, 2.5f};
  auto out = session->Run({{"x", seqrt::TensorView(x.data(), {2})}});
  if (!out.ok()) {
    std::printf("run failed: %s\n", std::string(out.status().message()).c_str());
    return 1;
  }
  const float* y = (*out)[0].data_as<float>();
  if (y[0] != 0.f || y[1] != 2.5f) {
    std::printf("wrong result %g %g\n", y[0], y[1]);
    return 1;
  }
  std::printf("consumer ok\n");
  return 0;
}
