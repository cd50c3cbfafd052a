// Audio in and out of the example: any WAV (or other format libsndfile reads) becomes mono float
// samples; libsamplerate brings them to the one rate the features are defined at.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace spoken_digits {

struct Audio {
  std::vector<float> samples;  // mono, nominally in [-1, 1]
  int sample_rate = 0;
};

// Reads a sound file of any rate, 16-bit/24-bit/float, mono or multi-channel (channels are
// averaged). A file that is not audio gets InvalidArgument naming the file and libsndfile's reason.
absl::StatusOr<Audio> ReadAudioFile(const std::string& path);

enum class SampleFormat { kPcm16, kFloat };

// Writes a WAV file; `channels` > 1 duplicates the mono signal (used for the stereo sample file).
absl::Status WriteWavFile(const std::string& path, const Audio& audio, SampleFormat format,
                          int channels = 1);

// Band-limited sample-rate conversion (libsamplerate's sinc converter).
absl::StatusOr<Audio> Resample(const Audio& audio, int target_rate);

}  // namespace spoken_digits
