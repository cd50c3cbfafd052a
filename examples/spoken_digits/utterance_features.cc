#include "utterance_features.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace spoken_digits {
namespace {

constexpr int kFrameLength = 400;  // 25 ms
constexpr int kHop = 160;          // 10 ms
constexpr int kFftSize = 512;
constexpr int kNumBands = 40;
constexpr float kLowHz = 20, kHighHz = 7600;
constexpr float kPreEmphasis = 0.97f;

// Where the word is: frames within this many dB of the loudest, and this far above the floor.
constexpr float kSpeechAboveFloorDb = 6;
constexpr int kMarginFrames = 3;
// What counts as "nothing to hear".
constexpr float kSilentPeak = 1e-3f;          // -60 dBFS
constexpr float kMinDynamicRangeDb = 12;      // loudest frame vs the 10th-percentile frame

float HzToMel(float hz) { return 2595.0f * std::log10(1.0f + hz / 700.0f); }
float MelToHz(float mel) { return 700.0f * (std::pow(10.0f, mel / 2595.0f) - 1.0f); }

// FFTW's planner is not thread-safe; plans are made once, under a lock.
std::mutex& PlannerMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

struct MfccExtractor::Fft {
  float* in = nullptr;
  fftwf_complex* out = nullptr;
  fftwf_plan plan = nullptr;
};

MfccExtractor::MfccExtractor() : fft_(std::make_unique<Fft>()) {
  {
    std::lock_guard<std::mutex> lock(PlannerMutex());
    fft_->in = fftwf_alloc_real(kFftSize);
    fft_->out = fftwf_alloc_complex(kFftSize / 2 + 1);
    fft_->plan = fftwf_plan_dft_r2c_1d(kFftSize, fft_->in, fft_->out, FFTW_ESTIMATE);
  }
  window_.resize(kFrameLength);
  for (int i = 0; i < kFrameLength; ++i) {
    window_[i] = 0.54f - 0.46f * std::cos(2 * std::numbers::pi_v<float> * i / (kFrameLength - 1));
  }
  // Triangular filters spaced evenly on the mel scale.
  const float low = HzToMel(kLowHz), high = HzToMel(kHighHz);
  std::vector<float> edges(kNumBands + 2);
  for (int i = 0; i < kNumBands + 2; ++i) {
    edges[i] = MelToHz(low + (high - low) * i / (kNumBands + 1)) * kFftSize / kFeatureRate;  // in bins
  }
  mel_filters_.resize(kNumBands);
  for (int b = 0; b < kNumBands; ++b) {
    for (int k = 0; k <= kFftSize / 2; ++k) {
      float w = 0;
      if (k > edges[b] && k <= edges[b + 1]) w = (k - edges[b]) / (edges[b + 1] - edges[b]);
      else if (k > edges[b + 1] && k < edges[b + 2]) w = (edges[b + 2] - k) / (edges[b + 2] - edges[b + 1]);
      if (w > 0) mel_filters_[b].push_back({k, w});
    }
  }
  // Orthonormal DCT-II rows 0..25.
  dct_.resize(kNumCoefficients * kNumBands);
  for (int c = 0; c < kNumCoefficients; ++c) {
    const float scale = std::sqrt((c == 0 ? 1.0f : 2.0f) / kNumBands);
    for (int b = 0; b < kNumBands; ++b) {
      dct_[c * kNumBands + b] = scale * std::cos(std::numbers::pi_v<float> * c * (b + 0.5f) / kNumBands);
    }
  }
}

MfccExtractor::~MfccExtractor() {
  std::lock_guard<std::mutex> lock(PlannerMutex());
  fftwf_destroy_plan(fft_->plan);
  fftwf_free(fft_->in);
  fftwf_free(fft_->out);
}

std::vector<float> MfccExtractor::Compute(const std::vector<float>& samples, std::vector<float>* frame_db) const {
  const int n = static_cast<int>(samples.size());
  const int frames = n < kFrameLength ? 1 : 1 + (n - kFrameLength) / kHop;
  std::vector<float> out(static_cast<size_t>(frames) * kNumCoefficients);
  if (frame_db) frame_db->assign(frames, 0);
  for (int f = 0; f < frames; ++f) {
    const float db = ComputeFrame(samples.data(), n, f * kHop, out.data() + static_cast<size_t>(f) * kNumCoefficients);
    if (frame_db) (*frame_db)[f] = db;
  }
  return out;
}

float MfccExtractor::ComputeFrame(const float* samples, int n, int start, float* coefficients) const {
  std::vector<float> power(kFftSize / 2 + 1), bands(kNumBands);
  double energy = 0;
  for (int i = 0; i < kFftSize; ++i) {
    float v = 0;
    if (i < kFrameLength && start + i < n) {
      const float prev = start + i > 0 ? samples[start + i - 1] : 0.0f;
      const float x = samples[start + i];
      energy += static_cast<double>(x) * x;
      v = (x - kPreEmphasis * prev) * window_[i];
    }
    fft_->in[i] = v;
  }
  fftwf_execute(fft_->plan);
  for (int k = 0; k <= kFftSize / 2; ++k) {
    power[k] = (fft_->out[k][0] * fft_->out[k][0] + fft_->out[k][1] * fft_->out[k][1]) / kFftSize;
  }
  for (int b = 0; b < kNumBands; ++b) {
    float s = 0;
    for (const auto& [k, w] : mel_filters_[b]) s += w * power[k];
    bands[b] = std::log(std::max(s, 1e-10f));
  }
  for (int c = 0; c < kNumCoefficients; ++c) {
    float s = 0;
    for (int b = 0; b < kNumBands; ++b) s += dct_[c * kNumBands + b] * bands[b];
    coefficients[c] = s;
  }
  return 10.0f * std::log10(static_cast<float>(energy / kFrameLength) + 1e-12f);
}

void TrimWord(const std::vector<float>& frame_db, float floor, int* first_out, int* last_out) {
  const int frames = static_cast<int>(frame_db.size());
  const float loudest = *std::max_element(frame_db.begin(), frame_db.end());
  const float threshold = std::max(loudest - kSpeechBelowPeakDb, floor + kSpeechAboveFloorDb);
  int first = 0, last = frames - 1;
  while (first < frames && frame_db[first] < threshold) ++first;
  while (last > first && frame_db[last] < threshold) --last;
  *first_out = std::max(0, first - kMarginFrames);
  *last_out = std::min(frames - 1, last + kMarginFrames);
}

std::vector<float> NormalizedWord(const std::vector<float>& all, int first, int used) {
  std::vector<float> out(static_cast<size_t>(kNumFrames) * kNumCoefficients, 0.0f);
  const int pad = kNumFrames - used;
  for (int c = 0; c < kNumCoefficients; ++c) {
    double sum = 0, sq = 0;
    for (int f = first; f < first + used; ++f) {
      const double v = all[static_cast<size_t>(f) * kNumCoefficients + c];
      sum += v;
      sq += v * v;
    }
    const double mean = sum / used;
    const double stddev = std::sqrt(std::max(sq / used - mean * mean, 0.0));
    const double inv = 1.0 / std::max(stddev, 1e-5);
    for (int f = 0; f < used; ++f) {
      out[static_cast<size_t>(pad + f) * kNumCoefficients + c] =
          static_cast<float>((all[static_cast<size_t>(first + f) * kNumCoefficients + c] - mean) * inv);
    }
  }
  return out;
}

absl::StatusOr<std::vector<float>> UtteranceFeatures(const MfccExtractor& mfcc, const Audio& audio) {
  if (audio.samples.empty()) return absl::FailedPreconditionError("the recording is empty");
  float peak = 0;
  for (float s : audio.samples) peak = std::max(peak, std::abs(s));
  if (peak < kSilentPeak) {
    if (peak == 0) return absl::FailedPreconditionError("the recording is silent (every sample is zero): nothing to recognize");
    return absl::FailedPreconditionError(absl::StrFormat(
        "the recording is silent (peak level %.0f dBFS): nothing to recognize", 20 * std::log10(peak)));
  }
  const double seconds = static_cast<double>(audio.samples.size()) / audio.sample_rate;
  if (seconds < 0.1) {
    return absl::FailedPreconditionError(absl::StrFormat("the recording is too short (%.3f s) to hold a word", seconds));
  }
  Audio resampled;
  {
    auto r = Resample(audio, kFeatureRate);
    if (!r.ok()) return r.status();
    resampled = *std::move(r);
  }
  std::vector<float> frame_db;
  std::vector<float> all = mfcc.Compute(resampled.samples, &frame_db);
  const int frames = static_cast<int>(frame_db.size());

  std::vector<float> sorted = frame_db;
  std::sort(sorted.begin(), sorted.end());
  const float loudest = sorted.back();
  const float floor = sorted[sorted.size() / 10];
  if (loudest - floor < kMinDynamicRangeDb) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "no spoken word found: the level never rises above the background (loudest frame only %.1f dB "
        "above the quietest tenth)", loudest - floor));
  }
  int first = 0, last = frames - 1;
  TrimWord(frame_db, floor, &first, &last);
  const int used = std::min(last - first + 1, kNumFrames);
  return NormalizedWord(all, first, used);
}

}  // namespace spoken_digits
