#include "graph/graph.h"

#include "absl/strings/str_cat.h"

namespace seqrt::graph {

std::string Node::Describe() const {
  std::string op = domain.empty() ? op_type : absl::StrCat(domain, ".", op_type);
  if (name.empty()) return absl::StrCat(op, " node");
  return absl::StrCat(op, " node '", name, "'");
}

ValueId Graph::AddValue(std::string value_name) {
  ValueId id = static_cast<ValueId>(values.size());
  if (!value_name.empty()) by_name_[value_name] = id;
  values.push_back(Value{.name = std::move(value_name)});
  return id;
}

std::optional<ValueId> Graph::FindValue(const std::string& value_name) const {
  auto it = by_name_.find(value_name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

void Graph::ReindexNames() {
  by_name_.clear();
  for (ValueId i = 0; i < static_cast<ValueId>(values.size()); ++i)
    if (!values[i].name.empty()) by_name_[values[i].name] = i;
}

}  // namespace seqrt::graph
