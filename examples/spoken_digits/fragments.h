// The word prefixes listen decides on. listen prints a word after a short silence; inside a slow
// "six" or "eight" the stop closure is such a silence, so the model is asked about the word's
// first part. PauseFragments replays a recording through listen's endpointer and returns the
// model input listen would have built at every short pause that the word then continued past:
// training on them (labelled with the whole word's digit) teaches the model what those first
// parts are.
#pragma once

#include <vector>

#include "audio.h"
#include "utterance_features.h"

namespace spoken_digits {

// Each element is one fragment's model input, [kNumFrames, kNumCoefficients]. `audio` is any
// rate; pause_ms and end_ms are listen's --decide-silence-ms and --end-silence-ms.
std::vector<std::vector<float>> PauseFragments(const MfccExtractor& mfcc, const Audio& audio, int pause_ms, int end_ms);

}  // namespace spoken_digits
