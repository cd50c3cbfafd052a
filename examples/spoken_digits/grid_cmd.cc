// `spoken-digits grid MODEL.onnx [data options]`: accuracy on a held-out grid — the data
// set's test speakers (voices never heard in training) × speaking rates × pitches at the
// edges of and beyond the seed's training ranges (rate 120-220 wpm, pitch 20-80) — each digit
// synthesized clean at each grid point. Prints overall, per-voice (accent, variants pooled),
// per-rate and per-pitch accuracy.
#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "recognizer.h"
#include "synth.h"
#include "utterance_features.h"

namespace spoken_digits {
namespace {

constexpr int kRates[] = {80, 100, 240, 260};
constexpr int kPitches[] = {0, 10, 90, 99};

std::string VoiceOf(const std::string& speaker) { return speaker.substr(0, speaker.find('+')); }

}  // namespace

absl::Status RunGrid(const std::vector<std::string>& args) {
  std::set<std::string> known = kDataOptions;
  known.insert({"grid-speakers", "threads"});
  auto options = Options::Parse(args, known);
  if (!options.ok()) return options.status();
  if (options->positional().size() != 1) return absl::InvalidArgumentError("usage: grid MODEL.onnx [--grid-speakers 40]");
  auto grid_speakers = options->Int("grid-speakers", 40);
  if (!grid_speakers.ok()) return grid_speakers.status();
  auto set = LoadDataFromOptions(*options);
  if (!set.ok()) return set.status();
  auto recognizer = Recognizer::Load(options->positional()[0], 1);
  if (!recognizer.ok()) return recognizer.status();
  auto all = ListEnglishSpeakers();
  if (!all.ok()) return all.status();

  // Test speakers, spread over the list (every k-th) so every voice tends to be present.
  std::vector<std::string> names = set->test.speaker;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<Speaker> speakers;
  const size_t step = std::max<size_t>(1, names.size() / std::max<int64_t>(1, *grid_speakers));
  for (size_t i = 0; i < names.size() && speakers.size() < static_cast<size_t>(*grid_speakers); i += step)
    for (const Speaker& s : *all)
      if (s.Name() == names[i]) speakers.push_back(s);

  MfccExtractor mfcc;
  std::vector<float> features;
  std::vector<int> truth;
  std::vector<std::string> voice, rate, pitch;
  for (const Speaker& s : speakers) {
    for (int r : kRates) {
      for (int p : kPitches) {
        for (int d = 0; d < 10; ++d) {
          Prosody prosody;
          prosody.rate_wpm = r;
          prosody.pitch = p;
          auto word = Synthesize(s, prosody, kDigitWords[d]);
          if (!word.ok()) return word.status();
          // 0.2 s of quiet around the word, as a recording would have.
          Audio rec;
          rec.sample_rate = word->sample_rate;
          const size_t pad = static_cast<size_t>(0.2 * rec.sample_rate);
          rec.samples.assign(pad, 0.0f);
          rec.samples.insert(rec.samples.end(), word->samples.begin(), word->samples.end());
          rec.samples.insert(rec.samples.end(), pad, 0.0f);
          auto f = UtteranceFeatures(mfcc, rec);
          if (!f.ok()) return f.status();
          features.insert(features.end(), f->begin(), f->end());
          truth.push_back(d);
          voice.push_back(VoiceOf(s.Name()));
          rate.push_back(absl::StrCat(r, " wpm"));
          pitch.push_back(absl::StrCat("pitch ", p));
        }
      }
    }
  }
  const int64_t n = static_cast<int64_t>(truth.size());
  if (n == 0) return absl::FailedPreconditionError("no test speakers to build the grid from");
  seqrt::Tensor x = seqrt::Tensor::FromVector(seqrt::DType::kFloat, {n, kNumFrames, kNumCoefficients}, features);
  auto probabilities = recognizer->Probabilities(x, 64);
  if (!probabilities.ok()) return probabilities.status();
  std::map<std::string, std::pair<int, int>> by_voice, by_rate, by_pitch;  // correct, total
  int correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* p = probabilities->data_as<float>() + i * 10;
    const bool ok = std::max_element(p, p + 10) - p == truth[i];
    correct += ok;
    for (auto [m, key] : {std::pair{&by_voice, &voice[i]}, std::pair{&by_rate, &rate[i]}, std::pair{&by_pitch, &pitch[i]}}) {
      (*m)[*key].first += ok;
      (*m)[*key].second++;
    }
  }
  std::printf("held-out grid: %zu test speakers x rates {80,100,240,260} wpm x pitches {0,10,90,99} x 10 digits = %lld\n",
              speakers.size(), static_cast<long long>(n));
  std::printf("accuracy: %.2f%% (%d of %lld)\n", 100.0 * correct / n, correct, static_cast<long long>(n));
  for (const auto& [title, m] : {std::pair{"per voice", &by_voice}, std::pair{"per rate", &by_rate},
                                 std::pair{"per pitch", &by_pitch}}) {
    std::printf("%s:", title);
    double worst = 100;
    for (const auto& [k, v] : *m) {
      const double a = 100.0 * v.first / v.second;
      worst = std::min(worst, a);
      std::printf("  %s %.1f%%", k.c_str(), a);
    }
    std::printf("  (lowest %.1f%%)\n", worst);
  }
  return absl::OkStatus();
}

}  // namespace spoken_digits
