// A small command-line parser shared by the `seqrt` subcommands.
//
// Options are declared by long name (and an optional one-letter short name), then parsed from
// the arguments after the subcommand. Accepted spellings: `--name value`, `--name=value`,
// `-n value`, `-nvalue`; flags take no value; any option may repeat (`all()` returns every
// value in order, `get()` the last one). `--` ends the options. Errors are usage errors: the
// caller prints them and exits with status 2.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/commands.h"

namespace seqrt::tools {

class ArgParser {
 public:
  // Declares `--long_name` (and `-short_name` when not 0) taking a value.
  ArgParser& Option(const std::string& long_name, char short_name = 0);
  // Declares a flag without a value.
  ArgParser& Flag(const std::string& long_name, char short_name = 0);

  // InvalidArgument for an unknown option or a missing value. `-h`/`--help` set help().
  absl::Status Parse(const Args& args);

  bool help() const { return help_; }
  bool has(const std::string& long_name) const { return values_.count(long_name) > 0; }
  const std::vector<std::string>& all(const std::string& long_name) const;
  std::string get(const std::string& long_name, const std::string& fallback = "") const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Typed values; InvalidArgument names the option and the bad text. `min` is inclusive.
  absl::StatusOr<int64_t> GetInt(const std::string& long_name, int64_t fallback, int64_t min) const;
  absl::StatusOr<double> GetDouble(const std::string& long_name, double fallback, double min) const;

 private:
  struct Spec {
    bool takes_value = false;
  };
  // How the user spelled an option, for messages ("-r" or "--runs").
  std::string Spelling(const std::string& long_name) const;

  std::map<std::string, Spec> specs_;         // by long name
  std::map<char, std::string> short_names_;   // short letter -> long name
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace seqrt::tools
