#include "options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spoken_digits {

absl::StatusOr<Options> Options::Parse(const std::vector<std::string>& args, const std::set<std::string>& known,
                                       const std::set<std::string>& flags) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      o.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (!known.count(name) && !flags.count(name)) {
      std::vector<std::string> all(known.begin(), known.end());
      all.insert(all.end(), flags.begin(), flags.end());
      return absl::InvalidArgumentError(absl::StrCat("unknown option --", name, " (expected one of --",
                                                     absl::StrJoin(all, ", --"), ")"));
    }
    if (flags.count(name)) {
      o.values_[name] = inline_value ? value : "1";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("option --", name, " needs a value"));
      value = args[++i];
    }
    o.values_[name] = value;
  }
  return o;
}

std::string Options::String(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

absl::StatusOr<int64_t> Options::Int(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": expected an integer, got '", it->second, "'"));
  }
  return v;
}

absl::StatusOr<double> Options::Double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  double v = 0;
  if (!absl::SimpleAtod(it->second, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": expected a number, got '", it->second, "'"));
  }
  return v;
}

}  // namespace spoken_digits
