#include "audio.h"

#include <sndfile.h>
#include <samplerate.h>

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"

namespace spoken_digits {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

}  // namespace

absl::StatusOr<Audio> ReadAudioFile(const std::string& path) {
  SF_INFO info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a readable audio file (", sf_strerror(nullptr), ")"));
  }
  if (info.channels < 1 || info.samplerate <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": audio header gives ", info.channels,
                                                   " channels at ", info.samplerate, " Hz"));
  }
  if (info.frames <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": the file holds no samples"));
  // libsndfile converts every sample format to float in [-1, 1] on read.
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t got = sf_readf_float(file.get(), interleaved.data(), info.frames);
  if (got <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": could not read samples (",
                                                   sf_strerror(file.get()), ")"));
  }
  Audio audio;
  audio.sample_rate = info.samplerate;
  audio.samples.resize(static_cast<size_t>(got));
  for (sf_count_t i = 0; i < got; ++i) {
    float sum = 0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[i * info.channels + c];
    audio.samples[i] = sum / static_cast<float>(info.channels);
  }
  return audio;
}

absl::Status WriteWavFile(const std::string& path, const Audio& audio, SampleFormat format, int channels) {
  SF_INFO info{};
  info.samplerate = audio.sample_rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV | (format == SampleFormat::kFloat ? SF_FORMAT_FLOAT : SF_FORMAT_PCM_16);
  SndfilePtr file(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file) {
    return absl::InternalError(absl::StrCat(path, ": cannot write (", sf_strerror(nullptr), ")"));
  }
  std::vector<float> interleaved(audio.samples.size() * channels);
  for (size_t i = 0; i < audio.samples.size(); ++i) {
    for (int c = 0; c < channels; ++c) interleaved[i * channels + c] = audio.samples[i];
  }
  const sf_count_t frames = static_cast<sf_count_t>(audio.samples.size());
  if (sf_writef_float(file.get(), interleaved.data(), frames) != frames) {
    return absl::InternalError(absl::StrCat(path, ": short write (", sf_strerror(file.get()), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Audio> Resample(const Audio& audio, int target_rate) {
  if (audio.sample_rate == target_rate) return audio;
  const double ratio = static_cast<double>(target_rate) / audio.sample_rate;
  Audio out;
  out.sample_rate = target_rate;
  out.samples.resize(static_cast<size_t>(std::ceil(audio.samples.size() * ratio)) + 16);
  SRC_DATA data{};
  data.data_in = audio.samples.data();
  data.input_frames = static_cast<long>(audio.samples.size());
  data.data_out = out.samples.data();
  data.output_frames = static_cast<long>(out.samples.size());
  data.src_ratio = ratio;
  const int error = src_simple(&data, SRC_SINC_MEDIUM_QUALITY, 1);
  if (error != 0) {
    return absl::InvalidArgumentError(absl::StrCat("resampling ", audio.sample_rate, " Hz to ", target_rate,
                                                   " Hz failed: ", src_strerror(error)));
  }
  out.samples.resize(static_cast<size_t>(data.output_frames_gen));
  return out;
}

}  // namespace spoken_digits
