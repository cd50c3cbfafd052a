// Node attributes, already converted from protobuf into plain C++ values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/shape.h"
#include "seqrt/tensor.h"
#include "seqrt/value.h"

namespace seqrt::graph {

class Graph;

// A TYPE_PROTO attribute (Optional's `type`, SequenceEmpty's dtype is an int instead).
struct TypeAttr {
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  Shape shape;
};

using Attribute = std::variant<int64_t, float, std::string, Tensor, std::shared_ptr<Graph>,
                               std::vector<int64_t>, std::vector<float>, std::vector<std::string>, TypeAttr>;

// Typed, checked access to a node's attributes; errors name the attribute and the node.
class AttributeMap {
 public:
  void Set(const std::string& name, Attribute value) { attrs_[name] = std::move(value); }
  bool Has(const std::string& name) const { return attrs_.count(name) > 0; }
  const std::map<std::string, Attribute>& all() const { return attrs_; }

  absl::StatusOr<int64_t> GetInt(const std::string& name) const;
  int64_t GetInt(const std::string& name, int64_t default_value) const;
  absl::StatusOr<float> GetFloat(const std::string& name) const;
  float GetFloat(const std::string& name, float default_value) const;
  absl::StatusOr<std::string> GetString(const std::string& name) const;
  std::string GetString(const std::string& name, const std::string& default_value) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(const std::string& name) const;
  std::vector<int64_t> GetInts(const std::string& name, std::vector<int64_t> default_value) const;
  absl::StatusOr<std::vector<float>> GetFloats(const std::string& name) const;
  std::vector<float> GetFloats(const std::string& name, std::vector<float> default_value) const;
  absl::StatusOr<std::vector<std::string>> GetStrings(const std::string& name) const;
  std::vector<std::string> GetStrings(const std::string& name,
                                      std::vector<std::string> default_value) const;
  absl::StatusOr<const Tensor*> GetTensor(const std::string& name) const;
  absl::StatusOr<std::shared_ptr<Graph>> GetGraph(const std::string& name) const;
  absl::StatusOr<const TypeAttr*> GetType(const std::string& name) const;

 private:
  template <typename T>
  absl::StatusOr<T> Get(const std::string& name, const char* type_name) const;
  std::map<std::string, Attribute> attrs_;
};

}  // namespace seqrt::graph
