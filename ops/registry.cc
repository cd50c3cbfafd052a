#include "ops/registry.h"

#include "absl/strings/str_cat.h"

namespace seqrt::ops {

std::string DomainName(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry;
    RegisterElementwiseUnaryOps(*r);
    RegisterElementwiseBinaryOps(*r);
    RegisterVariadicOps(*r);
    RegisterLogicalOps(*r);
    RegisterCastOps(*r);
    RegisterShapeOps(*r);
    RegisterTensorOps(*r);
    RegisterReduceOps(*r);
    RegisterSoftmaxOps(*r);
    RegisterMatMulOps(*r);
    RegisterConvOps(*r);
    RegisterRecurrentOps(*r);
    RegisterControlFlowOps(*r);
    RegisterQuantizationOps(*r);
    RegisterNnOps(*r);
    RegisterTensorIndexOps(*r);
    RegisterMathOps(*r);
    RegisterLossOps(*r);
    RegisterSignalOps(*r);
    RegisterIntegerOps(*r);
    RegisterVisionOps(*r);
    RegisterTextOps(*r);
    RegisterSequenceOps(*r);
    return r;
  }();
  return *registry;
}

void OpRegistry::Register(OpSchema schema) {
  auto& list = schemas_[{schema.domain, schema.op_type}];
  list.push_back(std::move(schema));
}

absl::StatusOr<const OpSchema*> OpRegistry::Find(const std::string& domain,
                                                 const std::string& op_type,
                                                 int64_t opset) const {
  auto it = schemas_.find({domain, op_type});
  if (it == schemas_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("unsupported operator ", op_type, " (domain ", DomainName(domain), ")"));
  }
  for (const OpSchema& s : it->second)
    if (opset >= s.since_version && opset <= s.until_version) return &s;
  return absl::UnimplementedError(absl::StrCat("operator ", op_type, " (domain ",
                                               DomainName(domain), ") is not supported at opset ",
                                               opset));
}

bool OpRegistry::Knows(const std::string& domain, const std::string& op_type) const {
  return schemas_.count({domain, op_type}) > 0;
}

std::vector<std::string> OpRegistry::OpTypes() const {
  std::vector<std::string> out;
  for (const auto& [key, list] : schemas_) out.push_back(key.second);
  return out;
}

}  // namespace seqrt::ops
