#include "endpointer.h"

#include <algorithm>

#include "utterance_features.h"

namespace spoken_digits {
namespace {

constexpr float kAbsoluteFloorDb = -55;
constexpr float kInitialFloorDb = -60;
constexpr size_t kWarmupFrames = 50;
constexpr size_t kPreRollFrames = 8;  // kept before the first voiced frame (TrimWord's margin)
constexpr int kMinVoicedFrames = 8;   // shorter bursts are clicks, not words

}  // namespace

float Endpointer::Floor() const {
  std::vector<float> sorted(history_.begin(), history_.end());
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 10, sorted.end());
  const float p10 = sorted[sorted.size() / 10];
  return history_.size() < kWarmupFrames ? std::min(p10, kInitialFloorDb) : p10;
}

Endpointer::Event Endpointer::Push(const Frame& frame, int index) {
  if (closed_) {  // the word handed out by the last kEnd
    closed_ = false;
    frames_.clear();
  }
  history_.push_back(frame.db);
  // An open word is judged against the background from before it started: its own frames
  // would otherwise lift the 10th percentile (a word in the first half second is most of
  // what has been heard) and cut off its quiet end.
  const float floor = open_ ? word_floor_db_ : Floor();
  const bool voiced = frame.db > std::max(floor + kVoicedAboveFloorDb, kAbsoluteFloorDb);
  if (!open_) {
    recent_.push_back(frame);
    if (recent_.size() > kPreRollFrames) recent_.pop_front();
    if (!voiced) return Event::kNone;
    open_ = true;
    frames_.assign(recent_.begin(), recent_.end());
    first_index_ = index - static_cast<int>(recent_.size()) + 1;
    voiced_ = 1;
    silent_run_ = 0;
    peak_db_ = frame.db;
    word_floor_db_ = floor;
    recent_.clear();
    return Event::kNone;
  }
  frames_.push_back(frame);
  // Frames TrimWord would cut off the word's end count as silence: the wait for silence starts
  // where the model's input ends, not where the last faint tail fades below the endpointer's
  // own threshold (clean recordings have 50 dB and more of range).
  peak_db_ = std::max(peak_db_, frame.db);
  if (voiced && frame.db >= peak_db_ - kSpeechBelowPeakDb) {
    ++voiced_;
    silent_run_ = 0;
    return Event::kNone;
  }
  ++silent_run_;
  if (silent_run_ >= end_frames_) return Close();
  if (silent_run_ == pause_frames_ && voiced_ >= kMinVoicedFrames) return Event::kPause;
  return Event::kNone;
}

bool Endpointer::Flush() { return open_ && Close() == Event::kEnd; }

Endpointer::Event Endpointer::Close() {
  open_ = false;
  if (voiced_ < kMinVoicedFrames) {
    frames_.clear();
    return Event::kNone;
  }
  closed_ = true;
  return Event::kEnd;
}

}  // namespace spoken_digits
