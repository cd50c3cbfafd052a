#include "tools/args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace seqrt::tools {

ArgParser& ArgParser::Option(const std::string& long_name, char short_name) {
  specs_[long_name].takes_value = true;
  if (short_name) short_names_[short_name] = long_name;
  return *this;
}

ArgParser& ArgParser::Flag(const std::string& long_name, char short_name) {
  specs_[long_name].takes_value = false;
  if (short_name) short_names_[short_name] = long_name;
  return *this;
}

absl::Status ArgParser::Parse(const Args& args) {
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    std::string name, value, spelled;
    bool has_inline_value = false;
    if (a[1] == '-') {
      const size_t eq = a.find('=');
      name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      spelled = "--" + name;
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        has_inline_value = true;
      }
      if (!specs_.count(name)) return absl::InvalidArgumentError(absl::StrCat("unknown option '", spelled, "'"));
    } else {
      auto it = short_names_.find(a[1]);
      spelled = a.substr(0, 2);
      if (it == short_names_.end()) return absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
      name = it->second;
      if (a.size() > 2) {
        value = a.substr(2);
        has_inline_value = true;
      }
    }
    const Spec& spec = specs_.at(name);
    if (!spec.takes_value) {
      if (has_inline_value) return absl::InvalidArgumentError(absl::StrCat(spelled, " takes no value"));
      values_[name].push_back("");
      continue;
    }
    if (!has_inline_value) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(spelled, " needs a value"));
      value = args[++i];
    }
    values_[name].push_back(value);
  }
  return absl::OkStatus();
}

const std::vector<std::string>& ArgParser::all(const std::string& long_name) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(long_name);
  return it == values_.end() ? kNone : it->second;
}

std::string ArgParser::get(const std::string& long_name, const std::string& fallback) const {
  auto it = values_.find(long_name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::string ArgParser::Spelling(const std::string& long_name) const {
  for (const auto& [c, name] : short_names_)
    if (name == long_name) return absl::StrCat("-", std::string(1, c));
  return "--" + long_name;
}

absl::StatusOr<int64_t> ArgParser::GetInt(const std::string& long_name, int64_t fallback, int64_t min) const {
  if (!has(long_name)) return fallback;
  int64_t v;
  const std::string text = get(long_name);
  if (!absl::SimpleAtoi(text, &v) || v < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(Spelling(long_name), " needs an integer >= ", min, ", got '", text, "'"));
  }
  return v;
}

absl::StatusOr<double> ArgParser::GetDouble(const std::string& long_name, double fallback, double min) const {
  if (!has(long_name)) return fallback;
  double v;
  const std::string text = get(long_name);
  if (!absl::SimpleAtod(text, &v) || !(v >= min)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Spelling(long_name), " needs a number >= ", min, ", got '", text, "'"));
  }
  return v;
}

}  // namespace seqrt::tools
