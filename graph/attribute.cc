#include "graph/attribute.h"

#include "absl/strings/str_cat.h"

namespace seqrt::graph {

template <typename T>
absl::StatusOr<T> AttributeMap::Get(const std::string& name, const char* type_name) const {
  auto it = attrs_.find(name);
  if (it == attrs_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("required attribute '", name, "' is missing"));
  }
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  return absl::InvalidArgumentError(
      absl::StrCat("attribute '", name, "' should be of type ", type_name));
}

absl::StatusOr<int64_t> AttributeMap::GetInt(const std::string& name) const {
  return Get<int64_t>(name, "int");
}
int64_t AttributeMap::GetInt(const std::string& name, int64_t default_value) const {
  auto v = GetInt(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<float> AttributeMap::GetFloat(const std::string& name) const {
  auto it = attrs_.find(name);
  // Some exporters write an int where a float is meant (e.g. alpha=1); accept it.
  if (it != attrs_.end())
    if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<float>(*i);
  return Get<float>(name, "float");
}
float AttributeMap::GetFloat(const std::string& name, float default_value) const {
  auto v = GetFloat(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<std::string> AttributeMap::GetString(const std::string& name) const {
  return Get<std::string>(name, "string");
}
std::string AttributeMap::GetString(const std::string& name,
                                    const std::string& default_value) const {
  auto v = GetString(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<std::vector<int64_t>> AttributeMap::GetInts(const std::string& name) const {
  return Get<std::vector<int64_t>>(name, "ints");
}
std::vector<int64_t> AttributeMap::GetInts(const std::string& name,
                                           std::vector<int64_t> default_value) const {
  auto v = GetInts(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<std::vector<float>> AttributeMap::GetFloats(const std::string& name) const {
  return Get<std::vector<float>>(name, "floats");
}
std::vector<float> AttributeMap::GetFloats(const std::string& name,
                                           std::vector<float> default_value) const {
  auto v = GetFloats(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<std::vector<std::string>> AttributeMap::GetStrings(const std::string& name) const {
  return Get<std::vector<std::string>>(name, "strings");
}
std::vector<std::string> AttributeMap::GetStrings(const std::string& name,
                                                  std::vector<std::string> default_value) const {
  auto v = GetStrings(name);
  return v.ok() ? *v : default_value;
}
absl::StatusOr<const Tensor*> AttributeMap::GetTensor(const std::string& name) const {
  auto it = attrs_.find(name);
  if (it == attrs_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("required attribute '", name, "' is missing"));
  }
  if (const Tensor* v = std::get_if<Tensor>(&it->second)) return v;
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' should be a tensor"));
}
absl::StatusOr<std::shared_ptr<Graph>> AttributeMap::GetGraph(const std::string& name) const {
  return Get<std::shared_ptr<Graph>>(name, "graph");
}
absl::StatusOr<const TypeAttr*> AttributeMap::GetType(const std::string& name) const {
  auto it = attrs_.find(name);
  if (it == attrs_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("required attribute '", name, "' is missing"));
  }
  if (const TypeAttr* v = std::get_if<TypeAttr>(&it->second)) return v;
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' should be a type"));
}

}  // namespace seqrt::graph
