// `spoken-digits listen MODEL.onnx FILE.wav`: the file played as if it arrived live, 10 ms at a
// time. MFCC frames are computed as their samples arrive, an energy endpointer finds where
// each word starts and ends, and each word is classified through a seqrt::Stream the moment
// the endpointer closes it. Prints every digit with its time in the file and the latency from
// the word's end to the print (the endpointer's wait for silence + compute), then the digits.
//
// Why the word is run when it closes and not frame by frame: the seed's features normalise
// each coefficient over the whole word (and left-pad it to 80 frames), so no frame's model
// input is known before the word ends. The stream is what keeps the per-word cost to one pass
// over the word's frames, fed as chunks from the frames kept while the word was open.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "seqrt/session.h"
#include "seqrt/stream.h"
#include "utterance_features.h"

namespace spoken_digits {
namespace {

// Endpointer: a frame is voiced when it is this far above the background (the 10th
// percentile of the frames heard so far) and above an absolute floor.
constexpr float kVoicedAboveFloorDb = 12;
constexpr float kAbsoluteFloorDb = -55;
constexpr float kInitialFloorDb = -60;
constexpr size_t kWarmupFrames = 50;
constexpr int kPreRollFrames = 8;       // kept before the first voiced frame (TrimWord's margin)
constexpr int kDefaultEndSilenceMs = 150;  // unvoiced time that closes a word (--end-silence-ms)
constexpr int kMinVoicedFrames = 8;     // shorter bursts are clicks, not words
constexpr int kChunkFrames = 10;        // frames per Stream::Run
constexpr int kTrimMargin = 3;          // frames TrimWord keeps after the last loud one

struct Frame {
  std::vector<float> mfcc;
  float db = 0;
};

class Endpointer {
 public:
  explicit Endpointer(int end_silence_frames) : end_silence_frames_(end_silence_frames) {}
  // Returns true when this frame closes a word; `word` then holds its frames (pre-roll included).
  bool Push(const Frame& frame, int index, std::vector<Frame>* word, int* word_first_index) {
    history_.push_back(frame.db);
    const float floor = Floor();
    const bool voiced = frame.db > std::max(floor + kVoicedAboveFloorDb, kAbsoluteFloorDb);
    if (!open_) {
      recent_.push_back(frame);
      if (recent_.size() > kPreRollFrames) recent_.pop_front();
      if (!voiced) return false;
      open_ = true;
      frames_.assign(recent_.begin(), recent_.end());
      first_index_ = index - static_cast<int>(recent_.size()) + 1;
      voiced_ = 1;
      silent_run_ = 0;
      recent_.clear();
      return false;
    }
    frames_.push_back(frame);
    if (voiced) {
      ++voiced_;
      silent_run_ = 0;
      return false;
    }
    if (++silent_run_ < end_silence_frames_) return false;
    return Close(word, word_first_index);
  }
  // The end of the file closes an open word.
  bool Flush(std::vector<Frame>* word, int* word_first_index) { return open_ && Close(word, word_first_index); }
  // The background level: the 10th percentile of what was heard; until half a second is in,
  // no higher than kInitialFloorDb, so a word at the very start is not taken for background.
  float Floor() const {
    std::vector<float> sorted(history_.begin(), history_.end());
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 10, sorted.end());
    const float p10 = sorted[sorted.size() / 10];
    return history_.size() < kWarmupFrames ? std::min(p10, kInitialFloorDb) : p10;
  }

 private:
  bool Close(std::vector<Frame>* word, int* word_first_index) {
    open_ = false;
    const bool long_enough = voiced_ >= kMinVoicedFrames;
    if (long_enough) {
      *word = std::move(frames_);
      *word_first_index = first_index_;
    }
    frames_.clear();
    return long_enough;
  }
  std::deque<float> history_;
  std::deque<Frame> recent_;
  std::vector<Frame> frames_;
  int end_silence_frames_;
  bool open_ = false;
  int first_index_ = 0, voiced_ = 0, silent_run_ = 0;
};

double FrameStartSeconds(int index) { return static_cast<double>(index) * kHopSamples / kFeatureRate; }
double FrameEndSeconds(int index) { return FrameStartSeconds(index) + static_cast<double>(kFrameSamples) / kFeatureRate; }

}  // namespace

absl::Status RunListen(const std::vector<std::string>& args) {
  auto options = Options::Parse(args, {"threads", "end-silence-ms"});
  if (!options.ok()) return options.status();
  if (options->positional().size() != 2)
    return absl::InvalidArgumentError("usage: listen MODEL.onnx FILE.wav [--end-silence-ms 150] [--threads 1]");
  auto end_silence_ms = options->Int("end-silence-ms", kDefaultEndSilenceMs);
  if (!end_silence_ms.ok()) return end_silence_ms.status();
  if (*end_silence_ms < 10) return absl::InvalidArgumentError("--end-silence-ms must be at least 10");
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
  Endpointer endpointer(static_cast<int>(*end_silence_ms / 10));
  const std::vector<float>& samples = resampled->samples;
  const int n = static_cast<int>(samples.size());
  std::string digits;
  std::vector<double> latencies_ms;
  int next_frame = 0;
  using Clock = std::chrono::steady_clock;

  // Classifies one closed word; `heard` is how much of the file had arrived when it closed.
  auto classify = [&](const std::vector<Frame>& word, int first_index, double heard_s) -> absl::Status {
    const auto t0 = Clock::now();
    std::vector<float> db, all;
    for (const Frame& f : word) {
      db.push_back(f.db);
      all.insert(all.end(), f.mfcc.begin(), f.mfcc.end());
    }
    int first = 0, last = 0;
    TrimWord(db, endpointer.Floor(), &first, &last);
    const int used = std::min(last - first + 1, kNumFrames);
    const std::vector<float> x = NormalizedWord(all, first, used);
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
    const int digit = static_cast<int>(std::max_element(p, p + 10) - p);
    const double compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const double word_end_s = FrameEndSeconds(first_index + std::max(first, last - kTrimMargin));
    const double wait_ms = std::max(0.0, (heard_s - word_end_s) * 1000.0);
    latencies_ms.push_back(wait_ms + compute_ms);
    digits += static_cast<char>('0' + digit);
    std::printf("%d  %-5s at %6.2f-%.2f s  p=%.2f  latency %.0f ms (%.0f ms waiting for silence + %.1f ms compute)\n",
                digit, kDigitWords[digit], FrameStartSeconds(first_index + first), word_end_s, p[digit],
                wait_ms + compute_ms, wait_ms, compute_ms);
    std::fflush(stdout);
    return absl::OkStatus();
  };

  // Audio "arrives" 10 ms at a time; every frame whose 25 ms are complete is computed at once.
  std::vector<Frame> word;
  int word_first = 0;
  for (int arrived = kHopSamples; arrived < n + kHopSamples; arrived += kHopSamples) {
    const int have = std::min(arrived, n);
    while (next_frame * kHopSamples + kFrameSamples <= have) {
      Frame frame;
      frame.mfcc.resize(kNumCoefficients);
      frame.db = mfcc.ComputeFrame(samples.data(), n, next_frame * kHopSamples, frame.mfcc.data());
      if (endpointer.Push(frame, next_frame, &word, &word_first)) {
        if (absl::Status s = classify(word, word_first, static_cast<double>(have) / kFeatureRate); !s.ok()) return s;
      }
      ++next_frame;
    }
  }
  if (endpointer.Flush(&word, &word_first)) {
    if (absl::Status s = classify(word, word_first, static_cast<double>(n) / kFeatureRate); !s.ok()) return s;
  }
  if (digits.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(wav, ": no spoken word found (nothing rose ", kVoicedAboveFloorDb,
                                                      " dB above the background)"));
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("heard %zu digit%s in %.2f s of audio; latency after a word ends: median %.0f ms, max %.0f ms\n",
              digits.size(), digits.size() == 1 ? "" : "s", static_cast<double>(n) / kFeatureRate,
              latencies_ms[latencies_ms.size() / 2], latencies_ms.back());
  std::printf("%s\n", digits.c_str());
  return absl::OkStatus();
}

}  // namespace spoken_digits
