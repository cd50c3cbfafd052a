// listen's energy endpointer: finds where each word starts and when it has gone quiet, one
// MFCC frame (10 ms hop) at a time. A frame is voiced when it is kVoicedAboveFloorDb above the
// background (the 10th percentile of the frames heard so far) and above an absolute floor.
//
// It reports two moments of an open word: a *pause* (a short run of unvoiced frames, when a
// caller may already decide the word) and its *end* (a long run, when the word is closed).
// Voicing that resumes between the two continues the same word: the stop closure inside "six"
// or "eight" is a short silence, not a word boundary.
#pragma once

#include <deque>
#include <vector>

namespace spoken_digits {

inline constexpr float kVoicedAboveFloorDb = 12;
// listen's defaults: a word is decided after this much silence, and closed after the longer one.
inline constexpr int kDefaultPauseMs = 30;
inline constexpr int kDefaultEndMs = 150;

struct Frame {
  std::vector<float> mfcc;
  float db = 0;
};

class Endpointer {
 public:
  enum class Event { kNone, kPause, kEnd };

  // pause_frames < end_frames, both in frames (10 ms each).
  Endpointer(int pause_frames, int end_frames) : pause_frames_(pause_frames), end_frames_(end_frames) {}

  // Feeds frame `index`. kPause: the open word has just had pause_frames unvoiced frames (its
  // frames so far are word()). kEnd: end_frames unvoiced frames closed it; word() holds it
  // until the next Push. Words with fewer than kMinVoicedFrames voiced frames are clicks: they
  // close with no event.
  Event Push(const Frame& frame, int index);
  // The end of the file: true when it closes a word (then in word()).
  bool Flush();

  bool open() const { return open_; }
  const std::vector<Frame>& word() const { return frames_; }
  int word_first_index() const { return first_index_; }
  int voiced_frames() const { return voiced_; }
  // The background level: the 10th percentile of what was heard; until half a second is in,
  // no higher than kInitialFloorDb, so a word at the very start is not taken for background.
  float Floor() const;
  // The background when the open (or just closed) word started: what its frames are judged by.
  float word_floor() const { return word_floor_db_; }

 private:
  Event Close();

  std::deque<float> history_;
  std::deque<Frame> recent_;
  std::vector<Frame> frames_;
  int pause_frames_, end_frames_;
  bool open_ = false, closed_ = false;
  int first_index_ = 0, voiced_ = 0, silent_run_ = 0;
  float peak_db_ = 0;        // the open word's loudest frame
  float word_floor_db_ = 0;  // Floor() when it started
};

}  // namespace spoken_digits
