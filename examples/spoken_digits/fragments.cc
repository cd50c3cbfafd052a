#include "fragments.h"

#include <algorithm>

#include "endpointer.h"

namespace spoken_digits {

std::vector<std::vector<float>> PauseFragments(const MfccExtractor& mfcc, const Audio& audio, int pause_ms, int end_ms) {
  std::vector<std::vector<float>> fragments;
  auto resampled = Resample(audio, kFeatureRate);
  if (!resampled.ok() || resampled->samples.empty()) return fragments;
  std::vector<float> frame_db;
  const std::vector<float> all = mfcc.Compute(resampled->samples, &frame_db);
  const int frames = static_cast<int>(frame_db.size());
  Endpointer endpointer(std::max(1, pause_ms / 10), std::max(2, end_ms / 10));
  // The reading at each pause of the open word; all but the last are fragments once it closes
  // (the last pause is the one the word ended at).
  std::vector<std::vector<float>> pauses;
  auto close = [&]() {
    if (!pauses.empty()) fragments.insert(fragments.end(), pauses.begin(), pauses.end() - 1);
    pauses.clear();
  };
  for (int i = 0; i < frames; ++i) {
    Frame frame;
    frame.db = frame_db[i];
    frame.mfcc.assign(all.begin() + static_cast<size_t>(i) * kNumCoefficients,
                      all.begin() + static_cast<size_t>(i + 1) * kNumCoefficients);
    const Endpointer::Event event = endpointer.Push(frame, i);
    if (event == Endpointer::Event::kPause) {
      std::vector<float> db, word;
      for (const Frame& f : endpointer.word()) {
        db.push_back(f.db);
        word.insert(word.end(), f.mfcc.begin(), f.mfcc.end());
      }
      int first = 0, last = 0;
      TrimWord(db, endpointer.word_floor(), &first, &last);
      pauses.push_back(NormalizedWord(word, first, std::min(last - first + 1, kNumFrames)));
    } else if (event == Endpointer::Event::kEnd) {
      close();
    }
  }
  if (endpointer.Flush()) close();
  return fragments;
}

}  // namespace spoken_digits
