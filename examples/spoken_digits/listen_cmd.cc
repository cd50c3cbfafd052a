// `spoken-digits listen MODEL.onnx FILE.wav`: the file played as if it arrived live, 10 ms at a
// time. MFCC frames are computed as their samples arrive, an energy endpointer finds where
// each word starts and when it goes quiet, and the word is classified through a seqrt::Stream.
// Prints every digit with its time in the file and the latency from the word's end to the
// print (the wait for silence + compute), then the digits.
//
// When to print: after a short silence (--decide-silence-ms, 30) every word is classified and
// printed with the model's best reading. Voicing that comes back before the long silence that
// closes the word (--end-silence-ms, 150) continues the same word (the stop closure inside a
// slow "six" or "eight" is a short silence, not a boundary); when it closes, a "revised" line
// corrects the printed digit if the whole word reads as another one. --min-confidence and
// --min-word-ms (both 0 by default) make unsure readings or short fragments wait for the long
// silence instead, the rule before 2026-12-04 (0.7 and 120).
//
// Why the word is run when it pauses and not frame by frame: the seed's features normalise
// each coefficient over the whole word (and left-pad it to 80 frames), so no frame's model
// input is known before the word ends. One pass over a word costs about 0.2 ms.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "endpointer.h"
#include "seqrt/session.h"
#include "seqrt/stream.h"
#include "utterance_features.h"

namespace spoken_digits {
namespace {

constexpr int kDefaultDecideSilenceMs = kDefaultPauseMs;  // a word is printed after this (--decide-silence-ms)
constexpr int kDefaultEndSilenceMs = kDefaultEndMs;  // closes a word, when a printed one may be revised (--end-silence-ms)
constexpr double kDefaultMinConfidence = 0;  // top probability needed to print at the short silence
constexpr int kDefaultMinWordMs = 0;         // voiced time needed to print at the short silence
constexpr int kChunkFrames = 10;             // frames per Stream::Run
constexpr int kTrimMargin = 3;               // frames TrimWord keeps after the last loud one

double FrameStartSeconds(int index) { return static_cast<double>(index) * kHopSamples / kFeatureRate; }
double FrameEndSeconds(int index) { return FrameStartSeconds(index) + static_cast<double>(kFrameSamples) / kFeatureRate; }

// One classification of the word so far.
struct Reading {
  int digit = 0;
  float p = 0;
  double start_s = 0, end_s = 0;  // the word as TrimWord cuts it
  double compute_ms = 0;
};

absl::StatusOr<int64_t> Milliseconds(const Options& options, const std::string& name, int64_t fallback) {
  auto ms = options.Int(name, fallback);
  if (!ms.ok()) return ms.status();
  if (*ms < 10) return absl::InvalidArgumentError(absl::StrCat("--", name, " must be at least 10 (ms)"));
  return ms;
}

}  // namespace

absl::Status RunListen(const std::vector<std::string>& args) {
  auto options = Options::Parse(args, {"threads", "decide-silence-ms", "end-silence-ms", "min-confidence", "min-word-ms"});
  if (!options.ok()) return options.status();
  if (options->positional().size() != 2) {
    return absl::InvalidArgumentError(
        "usage: listen MODEL.onnx FILE.wav [--decide-silence-ms 30] [--end-silence-ms 150] [--min-confidence 0] "
        "[--min-word-ms 0] [--threads 1]");
  }
  auto decide_ms = Milliseconds(*options, "decide-silence-ms", kDefaultDecideSilenceMs);
  if (!decide_ms.ok()) return decide_ms.status();
  auto end_ms = Milliseconds(*options, "end-silence-ms", kDefaultEndSilenceMs);
  if (!end_ms.ok()) return end_ms.status();
  auto min_word_ms = options->Int("min-word-ms", kDefaultMinWordMs);
  if (!min_word_ms.ok()) return min_word_ms.status();
  auto min_confidence = options->Double("min-confidence", kDefaultMinConfidence);
  if (!min_confidence.ok()) return min_confidence.status();
  if (!(*min_confidence >= 0 && *min_confidence <= 1)) return absl::InvalidArgumentError("--min-confidence must be in [0, 1]");
  const std::string& wav = options->positional()[1];
  auto threads = options->Int("threads", 1);
  if (!threads.ok()) return threads.status();
  auto audio = ReadAudioFile(wav);
  if (!audio.ok()) return audio.status();
  if (audio->samples.empty()) return absl::FailedPreconditionError(absl::StrCat(wav, ": the recording is empty"));
  auto resampled = Resample(*audio, kFeatureRate);
  if (!resampled.ok()) return resampled.status();

  seqrt::SessionOptions session_options;
  session_options.threads = static_cast<int>(*threads);
  auto session = seqrt::Session::Load(options->positional()[0], session_options);
  if (!session.ok()) return session.status();
  if (session->inputs().size() != 1) return absl::InvalidArgumentError("the model must have one input (MFCC frames)");
  const std::string input = session->inputs()[0].name;
  auto stream = session->OpenStream();
  if (!stream.ok()) return stream.status();

  MfccExtractor mfcc;
  // A decision at the short silence needs at least one frame of it; --decide-silence-ms equal
  // to --end-silence-ms is the plain endpointer (every word waits for the long silence).
  const int end_frames = static_cast<int>(*end_ms / 10);
  Endpointer endpointer(std::min(static_cast<int>(*decide_ms / 10), end_frames), end_frames);
  const int min_word_frames = static_cast<int>(*min_word_ms / 10);
  const std::vector<float>& samples = resampled->samples;
  const int n = static_cast<int>(samples.size());
  std::string digits;
  std::vector<double> latencies_ms;        // word end → first print
  std::vector<double> final_latencies_ms;  // word end → the digit that stands (a revision's, if any)
  int next_frame = 0;
  using Clock = std::chrono::steady_clock;

  // The model over 80 frames of input x, through the stream in 10-frame chunks.
  auto run = [&](const std::vector<float>& x) -> absl::StatusOr<std::vector<float>> {
    stream->Reset();
    std::vector<seqrt::Tensor> out;
    for (int f = 0; f < kNumFrames; f += kChunkFrames) {
      seqrt::TensorView chunk(x.data() + static_cast<size_t>(f) * kNumCoefficients,
                              {1, std::min(kChunkFrames, kNumFrames - f), kNumCoefficients});
      auto r = stream->Run({{input, chunk}});
      if (!r.ok()) return r.status();
      out = *std::move(r);
    }
    const float* p = out[0].data_as<float>();
    return std::vector<float>(p, p + 10);
  };
  // Planning happens on the first run: do it before listening starts, as a live listener would.
  if (auto warm = run(std::vector<float>(static_cast<size_t>(kNumFrames) * kNumCoefficients, 0.0f)); !warm.ok())
    return warm.status();

  auto classify = [&](const std::vector<Frame>& word, int first_index) -> absl::StatusOr<Reading> {
    const auto t0 = Clock::now();
    std::vector<float> db, all;
    for (const Frame& f : word) {
      db.push_back(f.db);
      all.insert(all.end(), f.mfcc.begin(), f.mfcc.end());
    }
    int first = 0, last = 0;
    TrimWord(db, endpointer.word_floor(), &first, &last);
    const int used = std::min(last - first + 1, kNumFrames);
    auto p = run(NormalizedWord(all, first, used));
    if (!p.ok()) return p.status();
    Reading r;
    r.digit = static_cast<int>(std::max_element(p->begin(), p->end()) - p->begin());
    r.p = (*p)[r.digit];
    r.start_s = FrameStartSeconds(first_index + first);
    r.end_s = FrameEndSeconds(first_index + std::max(first, last - kTrimMargin));
    r.compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return r;
  };
  // Prints a decided digit; `heard_s` is how much of the file had arrived when it was decided.
  auto print = [&](const Reading& r, double heard_s) {
    const double wait_ms = std::max(0.0, (heard_s - r.end_s) * 1000.0);
    latencies_ms.push_back(wait_ms + r.compute_ms);
    final_latencies_ms.push_back(wait_ms + r.compute_ms);
    digits += static_cast<char>('0' + r.digit);
    std::printf("%d  %-5s at %6.2f-%.2f s  p=%.2f  latency %.0f ms (%.0f ms waiting for silence + %.1f ms compute)\n",
                r.digit, kDigitWords[r.digit], r.start_s, r.end_s, r.p, wait_ms + r.compute_ms, wait_ms, r.compute_ms);
    std::fflush(stdout);
  };

  // The open word: whether (and as what) it was printed at a short silence.
  bool printed = false;
  int printed_digit = 0;
  // A word closed by the long silence or the end of the file: print it if it was not printed,
  // revise it if the whole word reads differently from what was printed.
  auto close_word = [&](double heard_s) -> absl::Status {
    auto r = classify(endpointer.word(), endpointer.word_first_index());
    if (!r.ok()) return r.status();
    if (!printed) {
      print(*r, heard_s);
    } else if (r->digit != printed_digit) {
      digits.back() = static_cast<char>('0' + r->digit);
      const double final_ms = std::max(0.0, (heard_s - r->end_s) * 1000.0) + r->compute_ms;
      final_latencies_ms.back() = final_ms;
      std::printf("   revised: %d %s (the word went on to %.2f s; p=%.2f)  final latency %.0f ms\n", r->digit,
                  kDigitWords[r->digit], r->end_s, r->p, final_ms);
      std::fflush(stdout);
    }
    printed = false;
    return absl::OkStatus();
  };

  // Audio "arrives" 10 ms at a time; every frame whose 25 ms are complete is computed at once.
  for (int arrived = kHopSamples; arrived < n + kHopSamples; arrived += kHopSamples) {
    const int have = std::min(arrived, n);
    const double heard_s = static_cast<double>(have) / kFeatureRate;
    while (next_frame * kHopSamples + kFrameSamples <= have) {
      Frame frame;
      frame.mfcc.resize(kNumCoefficients);
      frame.db = mfcc.ComputeFrame(samples.data(), n, next_frame * kHopSamples, frame.mfcc.data());
      switch (endpointer.Push(frame, next_frame)) {
        case Endpointer::Event::kNone:
          break;
        case Endpointer::Event::kPause:
          if (!printed && endpointer.voiced_frames() >= min_word_frames) {
            auto r = classify(endpointer.word(), endpointer.word_first_index());
            if (!r.ok()) return r.status();
            if (r->p >= *min_confidence) {
              print(*r, heard_s);
              printed = true;
              printed_digit = r->digit;
            }
          }
          break;
        case Endpointer::Event::kEnd:
          if (absl::Status s = close_word(heard_s); !s.ok()) return s;
          break;
      }
      ++next_frame;
    }
  }
  if (endpointer.Flush()) {
    if (absl::Status s = close_word(static_cast<double>(n) / kFeatureRate); !s.ok()) return s;
  }
  if (digits.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(wav, ": no spoken word found (nothing rose ", kVoicedAboveFloorDb,
                                                      " dB above the background)"));
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::sort(final_latencies_ms.begin(), final_latencies_ms.end());
  std::printf("heard %zu digit%s in %.2f s of audio; latency after a word ends: median %.0f ms, max %.0f ms "
              "(to the final digit, revisions included: max %.0f ms)\n",
              digits.size(), digits.size() == 1 ? "" : "s", static_cast<double>(n) / kFeatureRate,
              latencies_ms[latencies_ms.size() / 2], latencies_ms.back(), final_latencies_ms.back());
  std::printf("%s\n", digits.c_str());
  return absl::OkStatus();
}

}  // namespace spoken_digits
