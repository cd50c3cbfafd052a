// A small command-line reader for the subcommands: positional arguments plus `--name value`,
// `--name=value` and bare `--flag`. Unknown or malformed options are errors, not ignored.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace spoken_digits {

class Options {
 public:
  // `known` lists the accepted option names (without "--"); `flags` those that take no value.
  static absl::StatusOr<Options> Parse(const std::vector<std::string>& args, const std::set<std::string>& known,
                                       const std::set<std::string>& flags = {});

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string String(const std::string& name, const std::string& fallback) const;
  absl::StatusOr<int64_t> Int(const std::string& name, int64_t fallback) const;
  absl::StatusOr<double> Double(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

}  // namespace spoken_digits
