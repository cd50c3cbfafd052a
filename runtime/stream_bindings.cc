// State input/output pairing for streams: explicit bindings and the automatic naming rule
// (documented in include/seqrt/stream.h).
#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "runtime/stream_analysis.h"

namespace seqrt::runtime {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Shapes a state input and output may share: same rank, and every dim both fix is equal.
bool ShapesCompatible(const graph::Value& in, const graph::Value& out) {
  if (in.dtype != out.dtype) return false;
  if (!in.shape.rank_known || !out.shape.rank_known) return false;
  if (in.shape.rank() != out.shape.rank()) return false;
  for (int d = 0; d < in.shape.rank(); ++d)
    if (in.shape[d].known() && out.shape[d].known() && in.shape[d].value() != out.shape[d].value()) return false;
  return true;
}

const graph::Value* FindInput(const graph::Graph& g, const std::string& name) {
  for (graph::ValueId id : g.inputs)
    if (g.value(id).name == name) return &g.value(id);
  return nullptr;
}
const graph::Value* FindOutput(const graph::Graph& g, const std::string& name) {
  for (graph::ValueId id : g.outputs)
    if (g.value(id).name == name) return &g.value(id);
  return nullptr;
}

}  // namespace

bool StateNamesPair(const std::string& input_name, const std::string& output_name) {
  // Case matters for the bare "N" suffix only where it is the whole difference.
  for (const char* suffix : {"N", "n", "_n", "_out", "out", "_next", "_new"})
    if (output_name == input_name + suffix) return true;
  const std::string in = Lower(input_name), out = Lower(output_name);
  static const std::pair<const char*, const char*> kRenames[] = {
      {"input", "output"}, {"in", "out"}, {"0", "n"}, {"prev", "next"}};
  for (const auto& [from, to] : kRenames) {
    if (EndsWith(in, from) && EndsWith(out, to) &&
        in.substr(0, in.size() - std::string(from).size()) == out.substr(0, out.size() - std::string(to).size()) &&
        in.size() > std::string(from).size())
      return true;
  }
  return false;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> BindStatePairs(
    const graph::Graph& g, const std::vector<std::pair<std::string, std::string>>& explicit_pairs,
    bool auto_bind) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto input_taken = [&](const std::string& n) {
    return std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.second == n; });
  };
  auto output_taken = [&](const std::string& n) {
    return std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == n; });
  };
  for (const auto& [out_name, in_name] : explicit_pairs) {
    const graph::Value* out = FindOutput(g, out_name);
    const graph::Value* in = FindInput(g, in_name);
    if (out == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("state binding ", out_name, "->", in_name, ": the model has no output '", out_name, "'"));
    if (in == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("state binding ", out_name, "->", in_name, ": the model has no input '", in_name, "'"));
    if (!ShapesCompatible(*in, *out)) {
      return absl::InvalidArgumentError(absl::StrCat("state binding ", out_name, "->", in_name, ": output ",
                                                     std::string(DTypeName(out->dtype)), out->shape.ToString(),
                                                     " cannot feed input ", std::string(DTypeName(in->dtype)),
                                                     in->shape.ToString()));
    }
    if (input_taken(in_name) || output_taken(out_name))
      return absl::InvalidArgumentError(absl::StrCat("state binding ", out_name, "->", in_name, ": bound twice"));
    pairs.emplace_back(out_name, in_name);
  }
  if (!auto_bind) return pairs;
  for (graph::ValueId in_id : g.inputs) {
    const graph::Value& in = g.value(in_id);
    if (input_taken(in.name)) continue;
    for (graph::ValueId out_id : g.outputs) {
      const graph::Value& out = g.value(out_id);
      if (output_taken(out.name) || !StateNamesPair(in.name, out.name) || !ShapesCompatible(in, out)) continue;
      pairs.emplace_back(out.name, in.name);
      break;
    }
  }
  return pairs;
}

}  // namespace seqrt::runtime
