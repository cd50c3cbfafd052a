// `spoken-digits transcribe MODEL.onnx FILE.wav`: the recognized word on the first line, then
// every class probability. Non-audio and silent files are refused with a reason, not guessed at.
#include <algorithm>
#include <cstdio>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "utterance_features.h"
#include "recognizer.h"

namespace spoken_digits {

absl::Status RunTranscribe(const std::vector<std::string>& args) {
  auto options = Options::Parse(args, {"threads"});
  if (!options.ok()) return options.status();
  if (options->positional().size() != 2) {
    return absl::InvalidArgumentError("usage: transcribe MODEL.onnx FILE.wav");
  }
  const std::string& wav = options->positional()[1];
  auto audio = ReadAudioFile(wav);
  if (!audio.ok()) return audio.status();
  MfccExtractor mfcc;
  auto features = UtteranceFeatures(mfcc, *audio);
  if (!features.ok()) return absl::Status(features.status().code(), absl::StrCat(wav, ": ", features.status().message()));
  auto threads = options->Int("threads", 1);
  if (!threads.ok()) return threads.status();
  auto recognizer = Recognizer::Load(options->positional()[0], static_cast<int>(*threads));
  if (!recognizer.ok()) return recognizer.status();
  seqrt::Tensor x = seqrt::Tensor::FromVector(seqrt::DType::kFloat, {1, kNumFrames, kNumCoefficients}, *features);
  auto probabilities = recognizer->Probabilities(x, 1);
  if (!probabilities.ok()) return probabilities.status();
  const float* p = probabilities->data_as<float>();
  std::vector<int> order(10);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [p](int a, int b) { return p[a] > p[b]; });
  std::printf("%s\n", kDigitWords[order[0]]);
  for (int d : order) std::printf("  %-6s %.4f\n", kDigitWords[d], p[d]);
  return absl::OkStatus();
}

}  // namespace spoken_digits
