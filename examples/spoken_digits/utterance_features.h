// From audio to the model's input: 16 kHz, 25 ms Hamming frames every 10 ms, FFTW power
// spectrum, 40 mel bands, log, DCT → 26 MFCCs per frame (the seed's input width). The word is
// cut out of its surrounding silence/noise, each coefficient is normalized over the utterance
// (zero mean, unit variance), and the frames are left-padded with zeros to a fixed length so the
// recurrent layers end on the word (Keras pad_sequences' "pre" padding).
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "audio.h"

namespace spoken_digits {

inline constexpr int kFeatureRate = 16000;
inline constexpr int kNumCoefficients = 26;
inline constexpr int kNumFrames = 80;  // 0.8 s after trimming: longer words keep their first 0.8 s

// MFCCs of 16 kHz mono samples: frames × kNumCoefficients, row-major. Also returns each
// frame's log energy (dB) when `frame_db` is given, for finding where the word is.
// Compute works in the FFT plan's own buffers: use one extractor per thread.
class MfccExtractor {
 public:
  MfccExtractor();
  ~MfccExtractor();
  MfccExtractor(const MfccExtractor&) = delete;
  MfccExtractor& operator=(const MfccExtractor&) = delete;

  std::vector<float> Compute(const std::vector<float>& samples, std::vector<float>* frame_db) const;
  // One frame starting at sample `start` of `samples[0, n)`: kNumCoefficients MFCCs into
  // `coefficients`, the frame's log energy (dB) returned. Compute is this for every hop, so
  // frames computed as audio arrives (spoken-digits listen) equal the whole-file ones.
  float ComputeFrame(const float* samples, int n, int start, float* coefficients) const;

 private:
  struct Fft;
  std::unique_ptr<Fft> fft_;
  std::vector<float> window_;
  std::vector<std::vector<std::pair<int, float>>> mel_filters_;  // per band: (bin, weight)
  std::vector<float> dct_;  // kNumCoefficients × bands
};

// The model input for one utterance at any sample rate: [kNumFrames, kNumCoefficients].
// A silent recording, or one where nothing rises above the background, is FailedPrecondition
// with a sentence saying so (never a guess).
absl::StatusOr<std::vector<float>> UtteranceFeatures(const MfccExtractor& mfcc, const Audio& audio);

// TrimWord keeps frames no more than this below the word's loudest (listen's endpointer too).
inline constexpr float kSpeechBelowPeakDb = 35;
// Where the word is inside `frame_db` (frames within 35 dB of the loudest and above
// `floor` + 6 dB, with a 3-frame margin): [first, last]. Shared with listen's endpointer.
void TrimWord(const std::vector<float>& frame_db, float floor, int* first, int* last);
// The model input from MFCC frames [first, first + used) of `all` (frames x coefficients):
// per-coefficient normalization over those frames, left zero-padding to kNumFrames.
std::vector<float> NormalizedWord(const std::vector<float>& all, int first, int used);

// Sample-rate, hop and frame length of the features, for code that frames audio itself.
inline constexpr int kHopSamples = 160;    // 10 ms
inline constexpr int kFrameSamples = 400;  // 25 ms

}  // namespace spoken_digits
