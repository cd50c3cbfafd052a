// The built-in spoken-digit data set: "zero" … "nine" by every English espeak-ng speaker (voice +
// variant), at random rates, pitches and pitch ranges, placed in seeded background noise at a
// random gain. Speakers, not utterances, are split into train / validation / test, so test
// voices are never heard in training. Features are computed once and cached as .npy files in a
// folder named after the settings; the same settings and seed give the same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"

namespace spoken_digits {

inline constexpr const char* kDigitWords[10] = {"zero", "one", "two",   "three", "four",
                                                 "five", "six", "seven", "eight", "nine"};

struct DataConfig {
  std::string cache_root;  // the settings' folder is made inside it
  uint64_t seed = 7;
  int speakers = 0;        // 0: every English speaker espeak-ng has; else a seeded subset
  int takes = 1;           // utterances of each digit per speaker (each with new prosody/noise)
  double validation_fraction = 0.10;
  double test_fraction = 0.15;
  int threads = 2;
  // false: the seed's ranges (rate 120-220 wpm, pitch 20-80, range 20-90, SNR 12-40 dB);
  // true (--augment wide): rate 80-260, pitch 0-99, range 0-99, level -36..-1 dBFS, SNR 6-40 dB.
  bool wide = false;
  // true (--augment wide-clean): as wide, but a quarter of the recordings have no background
  // noise at all (a quiet room, or a synthesized file such as the grid's).
  bool clean_share = false;
  // true (--fragments 1): each training utterance also gives the word prefixes listen would
  // decide on at a short pause inside it (fragments.h), labelled with its digit. Training
  // speakers only: validation and test stay whole words.
  bool fragments = false;
};

struct Split {
  seqrt::Tensor x;  // float [N, kNumFrames, kNumCoefficients]
  seqrt::Tensor y;  // int32 [N], the digit
  std::vector<std::string> speaker;  // per utterance
  int64_t size() const { return x.dims().empty() ? 0 : x.dims()[0]; }
};

struct DataSet {
  std::string dir;  // the cache folder holding this set (samples/ has example WAV files)
  Split train, validation, test;
  int num_speakers[3] = {0, 0, 0};  // train, validation, test
  bool from_cache = false;
};

// The default cache root: $XDG_CACHE_HOME/seqrt/spoken_digits, else ~/.cache/seqrt/spoken_digits.
std::string DefaultCacheRoot();

// Loads the cached set for these settings, generating it first when absent. `progress` (may be
// empty) is called with (utterances done, total) during generation.
absl::StatusOr<DataSet> LoadOrGenerate(const DataConfig& config,
                                       const std::function<void(int64_t, int64_t)>& progress);

}  // namespace spoken_digits
