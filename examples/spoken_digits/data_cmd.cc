// `spoken-digits data`: make (or find) the cached data set and say what it holds.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "commands.h"
#include "utterance_features.h"

namespace spoken_digits {

const std::set<std::string> kDataOptions = {"cache", "seed", "speakers", "takes", "augment", "fragments"};

Progress::Progress(std::string label) : label_(std::move(label)), tty_(isatty(2) != 0) {}

void Progress::Update(int64_t done, int64_t total, const std::string& suffix) {
  const double f = total > 0 ? static_cast<double>(done) / total : 1.0;
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(f * kWidth);
    std::fprintf(stderr, "\r%s [%s%s] %lld/%lld %s\033[K", label_.c_str(), std::string(filled, '=').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total), suffix.c_str());
    drawn_ = true;
  } else {
    const int decile = static_cast<int>(f * 10);
    if (decile != last_decile_) {
      std::fprintf(stderr, "%s %3d%% (%lld/%lld) %s\n", label_.c_str(), decile * 10, static_cast<long long>(done),
                   static_cast<long long>(total), suffix.c_str());
      last_decile_ = decile;
    }
  }
  std::fflush(stderr);
}

void Progress::Finish(const std::string& suffix) {
  if (drawn_) std::fprintf(stderr, "\r%s %s\033[K\n", label_.c_str(), suffix.c_str());
  drawn_ = false;
  last_decile_ = -1;
}

absl::StatusOr<DataSet> LoadDataFromOptions(const Options& options) {
  DataConfig config;
  config.cache_root = options.String("cache", DefaultCacheRoot());
  auto seed = options.Int("seed", 7);
  auto speakers = options.Int("speakers", 0);
  auto takes = options.Int("takes", 1);
  for (const auto* s : {&seed, &speakers, &takes}) {
    if (!s->ok()) return s->status();
  }
  config.seed = static_cast<uint64_t>(*seed);
  config.speakers = static_cast<int>(*speakers);
  config.takes = static_cast<int>(*takes);
  const std::string augment = options.String("augment", "narrow");
  if (augment != "narrow" && augment != "wide" && augment != "wide-clean")
    return absl::InvalidArgumentError(absl::StrCat("--augment must be narrow, wide or wide-clean, got '", augment, "'"));
  config.wide = augment != "narrow";
  config.clean_share = augment == "wide-clean";
  auto fragments = options.Int("fragments", 0);
  if (!fragments.ok()) return fragments.status();
  if (*fragments != 0 && *fragments != 1) return absl::InvalidArgumentError("--fragments must be 0 or 1");
  config.fragments = *fragments == 1;
  // Generation threads do not change the bytes (each utterance seeds its own generator).
  config.threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  Progress progress("synthesizing");
  const auto start = std::chrono::steady_clock::now();
  auto set = LoadOrGenerate(config, [&](int64_t done, int64_t total) { progress.Update(done, total); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!set.ok()) {
    progress.Finish("failed");
    return set.status();
  }
  progress.Finish(absl::StrFormat("done in %.1f s", seconds));
  std::printf("data: %s (%s)\n", set->dir.c_str(),
              set->from_cache ? "cached" : absl::StrFormat("generated in %.1f s", seconds).c_str());
  std::printf("data: speakers train %d / validation %d / test %d; utterances %lld / %lld / %lld; "
              "features %d frames x %d MFCC\n",
              set->num_speakers[0], set->num_speakers[1], set->num_speakers[2],
              static_cast<long long>(set->train.size()), static_cast<long long>(set->validation.size()),
              static_cast<long long>(set->test.size()), kNumFrames, kNumCoefficients);
  std::fflush(stdout);
  return set;
}

absl::Status RunData(const std::vector<std::string>& args) {
  auto options = Options::Parse(args, kDataOptions);
  if (!options.ok()) return options.status();
  if (!options->positional().empty()) {
    return absl::InvalidArgumentError("data takes no positional arguments");
  }
  auto set = LoadDataFromOptions(*options);
  if (!set.ok()) return set.status();
  std::printf("data: example recordings in %s/samples/\n", set->dir.c_str());
  return absl::OkStatus();
}

}  // namespace spoken_digits
