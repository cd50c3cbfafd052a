#include "synth.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace spoken_digits {
namespace {

std::mutex& EspeakMutex() {
  static std::mutex m;
  return m;
}

// espeak-ng hands synthesized samples to a callback; this is where they go. Guarded by EspeakMutex.
std::vector<short>* g_sink = nullptr;

int CollectSamples(short* wav, int count, espeak_EVENT*) {
  if (wav != nullptr && g_sink != nullptr) g_sink->insert(g_sink->end(), wav, wav + count);
  return 0;  // continue
}

// Initializes once; returns the output sample rate (or an error). Caller holds EspeakMutex.
absl::StatusOr<int> EnsureInitialized() {
  static int rate = 0;
  if (rate > 0) return rate;
  rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
  if (rate <= 0) {
    rate = 0;
    return absl::FailedPreconditionError(
        "espeak-ng could not start (is the espeak-ng-data package installed? scripts/install-deps.sh)");
  }
  espeak_SetSynthCallback(CollectSamples);
  return rate;
}

}  // namespace

absl::StatusOr<std::vector<Speaker>> ListEnglishSpeakers() {
  std::lock_guard<std::mutex> lock(EspeakMutex());
  auto rate = EnsureInitialized();
  if (!rate.ok()) return rate.status();
  std::vector<std::string> voices, variants;
  espeak_VOICE spec{};
  spec.languages = "en";
  for (const espeak_VOICE** v = espeak_ListVoices(&spec); *v != nullptr; ++v) {
    if (absl::StartsWith((*v)->identifier, "gmw/")) voices.push_back((*v)->identifier);
  }
  spec.languages = "variant";
  for (const espeak_VOICE** v = espeak_ListVoices(&spec); *v != nullptr; ++v) {
    const std::string id = (*v)->identifier;
    if (absl::StartsWith(id, "!v/")) variants.push_back(id.substr(3));
  }
  std::sort(voices.begin(), voices.end());
  std::sort(variants.begin(), variants.end());
  std::vector<Speaker> speakers;
  for (const auto& voice : voices) {
    for (const auto& variant : variants) {
      // A variant espeak-ng cannot combine with this voice is left out, not failed on.
      if (espeak_SetVoiceByName(absl::StrCat(voice, "+", variant).c_str()) == EE_OK) {
        speakers.push_back({voice, variant});
      }
    }
  }
  if (speakers.empty()) {
    return absl::FailedPreconditionError("espeak-ng lists no English voices (is espeak-ng-data installed?)");
  }
  return speakers;
}

absl::StatusOr<Audio> Synthesize(const Speaker& speaker, const Prosody& prosody, const std::string& text) {
  std::lock_guard<std::mutex> lock(EspeakMutex());
  auto rate = EnsureInitialized();
  if (!rate.ok()) return rate.status();
  const std::string name = absl::StrCat(speaker.voice, "+", speaker.variant);
  if (espeak_SetVoiceByName(name.c_str()) != EE_OK) {
    return absl::NotFoundError(absl::StrCat("espeak-ng has no voice '", name, "'"));
  }
  espeak_SetParameter(espeakRATE, prosody.rate_wpm, 0);
  espeak_SetParameter(espeakPITCH, prosody.pitch, 0);
  espeak_SetParameter(espeakRANGE, prosody.range, 0);
  std::vector<short> samples;
  g_sink = &samples;
  const espeak_ERROR error =
      espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr, nullptr);
  espeak_Synchronize();
  g_sink = nullptr;
  if (error != EE_OK || samples.empty()) {
    return absl::InternalError(absl::StrCat("espeak-ng produced no audio for '", text, "' as ", name));
  }
  Audio audio;
  audio.sample_rate = *rate;
  audio.samples.resize(samples.size());
  std::transform(samples.begin(), samples.end(), audio.samples.begin(),
                 [](short s) { return static_cast<float>(s) / 32768.0f; });
  return audio;
}

}  // namespace spoken_digits
