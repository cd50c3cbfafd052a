// The operator registry: (domain, op type, opset) -> OpSchema.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "ops/op_schema.h"

namespace seqrt::ops {

class OpRegistry {
 public:
  // The registry with every family seqrt ships (built once, read-only afterwards).
  static const OpRegistry& Global();

  void Register(OpSchema schema);
  // The schema for op_type in domain at the model's opset, or an error naming all three.
  absl::StatusOr<const OpSchema*> Find(const std::string& domain, const std::string& op_type,
                                       int64_t opset) const;
  bool Knows(const std::string& domain, const std::string& op_type) const;
  std::vector<std::string> OpTypes() const;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<OpSchema>> schemas_;
};

// Domain name for messages: "" -> "ai.onnx".
std::string DomainName(const std::string& domain);

// One function per op family (each in its own file), called by OpRegistry::Global().
void RegisterElementwiseUnaryOps(OpRegistry& registry);
void RegisterElementwiseBinaryOps(OpRegistry& registry);
void RegisterVariadicOps(OpRegistry& registry);
void RegisterLogicalOps(OpRegistry& registry);
void RegisterCastOps(OpRegistry& registry);
void RegisterShapeOps(OpRegistry& registry);
void RegisterTensorOps(OpRegistry& registry);
void RegisterReduceOps(OpRegistry& registry);
void RegisterSoftmaxOps(OpRegistry& registry);
void RegisterMatMulOps(OpRegistry& registry);
void RegisterConvOps(OpRegistry& registry);
void RegisterRecurrentOps(OpRegistry& registry);
void RegisterControlFlowOps(OpRegistry& registry);
void RegisterQuantizationOps(OpRegistry& registry);
// CNN/vision front ends (ops/nn/) and indexing ops (ops/tensor/).
void RegisterNnOps(OpRegistry& registry);
void RegisterTensorIndexOps(OpRegistry& registry);
// Family folders (ops/<family>/), one entry each.
void RegisterMathOps(OpRegistry& registry);
void RegisterLossOps(OpRegistry& registry);
void RegisterSignalOps(OpRegistry& registry);
void RegisterIntegerOps(OpRegistry& registry);
void RegisterVisionOps(OpRegistry& registry);
void RegisterTextOps(OpRegistry& registry);
void RegisterSequenceOps(OpRegistry& registry);  // ops/sequence/

}  // namespace seqrt::ops
