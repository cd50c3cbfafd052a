// Spoken words from espeak-ng (libespeak-ng, in process: one synthesis takes a few ms, where
// spawning the CLI per word costs ~70 ms). espeak-ng keeps global state, so every call goes
// through one process-wide synthesizer, serialized by a lock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audio.h"

namespace spoken_digits {

// A speaker is an English voice (accent) with a variant (voice quality: f3, m7, whisper, ...).
struct Speaker {
  std::string voice;    // espeak-ng identifier, e.g. "gmw/en-US"
  std::string variant;  // variant file name, e.g. "f3"
  std::string Name() const { return voice.substr(voice.find('/') + 1) + "+" + variant; }
};

struct Prosody {
  int rate_wpm = 175;  // espeakRATE
  int pitch = 50;      // espeakPITCH, 0..100
  int range = 50;      // espeakRANGE, 0..100
};

// Every English espeak-ng voice that needs no external engine (the MBROLA ones do), crossed with
// every variant, in a fixed order.
absl::StatusOr<std::vector<Speaker>> ListEnglishSpeakers();

// `text` spoken by `speaker` (at espeak-ng's native rate, 22050 Hz).
absl::StatusOr<Audio> Synthesize(const Speaker& speaker, const Prosody& prosody, const std::string& text);

}  // namespace spoken_digits
