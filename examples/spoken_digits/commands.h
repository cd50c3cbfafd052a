// The subcommands of `spoken-digits`. Each takes the arguments after its name and returns a
// Status; main prints a failure as one line and exits non-zero.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataset.h"
#include "options.h"

namespace spoken_digits {

absl::Status RunData(const std::vector<std::string>& args);
absl::Status RunTrain(const std::vector<std::string>& args);
absl::Status RunEval(const std::vector<std::string>& args);
absl::Status RunTranscribe(const std::vector<std::string>& args);
absl::Status RunListen(const std::vector<std::string>& args);
absl::Status RunGrid(const std::vector<std::string>& args);

// Shared by data, train and eval: --cache DIR, --seed N, --speakers N, --takes N.
extern const std::set<std::string> kDataOptions;
// Loads (generating when needed, with progress on stderr) the data set the options name.
absl::StatusOr<DataSet> LoadDataFromOptions(const Options& options);

// A progress line on stderr: redrawn in place on a terminal, every 10 % otherwise.
class Progress {
 public:
  explicit Progress(std::string label);
  void Update(int64_t done, int64_t total, const std::string& suffix = "");
  void Finish(const std::string& suffix = "");
  bool on_terminal() const { return tty_; }

 private:
  std::string label_;
  bool tty_;
  int last_decile_ = -1;
  bool drawn_ = false;
};

}  // namespace spoken_digits
