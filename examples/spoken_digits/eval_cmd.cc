// `spoken-digits eval MODEL.onnx`: the exported model, run by seqrt, on the test voices (never
// heard in training): accuracy, the confusion matrix (printed and as a PNG heatmap), per-digit
// recall and the hardest speakers.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands.h"
#include "confusion_png.h"
#include "recognizer.h"
#include "seqrt/tensor_io.h"

namespace spoken_digits {

absl::Status RunEval(const std::vector<std::string>& args) {
  std::set<std::string> known = kDataOptions;
  known.insert({"png", "probabilities", "batch", "threads"});
  auto options = Options::Parse(args, known);
  if (!options.ok()) return options.status();
  if (options->positional().size() != 1) return absl::InvalidArgumentError("usage: eval MODEL.onnx [--png FILE]");
  auto threads = options->Int("threads", 1);
  if (!threads.ok()) return threads.status();
  auto batch = options->Int("batch", 64);
  if (!batch.ok()) return batch.status();
  if (*batch < 1) return absl::InvalidArgumentError("--batch must be at least 1");

  auto set = LoadDataFromOptions(*options);
  if (!set.ok()) return set.status();
  auto recognizer = Recognizer::Load(options->positional()[0], static_cast<int>(*threads));
  if (!recognizer.ok()) return recognizer.status();

  const auto start = std::chrono::steady_clock::now();
  auto probabilities = recognizer->Probabilities(set->test.x, *batch);
  if (!probabilities.ok()) return probabilities.status();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const int64_t n = set->test.size();
  std::vector<int64_t> confusion(100, 0);
  std::map<std::string, std::pair<int, int>> by_speaker;  // errors, total
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* p = probabilities->data_as<float>() + i * 10;
    const int predicted = static_cast<int>(std::max_element(p, p + 10) - p);
    const int truth = set->test.y.data_as<int32_t>()[i];
    confusion[truth * 10 + predicted]++;
    correct += predicted == truth;
    auto& s = by_speaker[set->test.speaker[i]];
    s.first += predicted != truth;
    s.second++;
  }
  const double accuracy = n > 0 ? static_cast<double>(correct) / n : 0.0;
  std::printf("test voices: %d speakers, %lld utterances, seqrt inference %.2f s (%.2f ms per utterance, batch %lld)\n",
              set->num_speakers[2], static_cast<long long>(n), seconds, n > 0 ? 1e3 * seconds / n : 0.0,
              static_cast<long long>(*batch));
  std::printf("accuracy: %.2f%% (%lld of %lld)\n\n", 100 * accuracy, static_cast<long long>(correct),
              static_cast<long long>(n));
  std::printf("confusion (rows: spoken, columns: recognized)\n%8s", "");
  for (int p = 0; p < 10; ++p) std::printf("%6s", kDigitWords[p]);
  std::printf("  recall\n");
  for (int t = 0; t < 10; ++t) {
    std::printf("%8s", kDigitWords[t]);
    int64_t row = 0;
    for (int p = 0; p < 10; ++p) {
      std::printf("%6lld", static_cast<long long>(confusion[t * 10 + p]));
      row += confusion[t * 10 + p];
    }
    std::printf("  %5.1f%%\n", row > 0 ? 100.0 * confusion[t * 11] / row : 0.0);
  }
  std::vector<std::pair<std::string, std::pair<int, int>>> speakers(by_speaker.begin(), by_speaker.end());
  std::stable_sort(speakers.begin(), speakers.end(),
                   [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::printf("\nhardest test speakers:");
  for (size_t i = 0; i < std::min<size_t>(5, speakers.size()) && speakers[i].second.first > 0; ++i) {
    std::printf(" %s (%d/%d wrong)", speakers[i].first.c_str(), speakers[i].second.first, speakers[i].second.second);
  }
  std::printf("\n");

  const std::string png = options->String("png", "confusion.png");
  auto status = WriteConfusionPng(
      png, confusion, absl::StrFormat("test voices: %.1f%% of %lld recognized", 100 * accuracy, static_cast<long long>(n)));
  if (!status.ok()) return status;
  std::printf("confusion matrix plot: %s\n", png.c_str());
  if (options->Has("probabilities")) {
    status = seqrt::WriteTensorFile(options->String("probabilities", ""), *probabilities);
    if (!status.ok()) return status;
    std::printf("probabilities: %s (test inputs: %s/test_x.npy)\n", options->String("probabilities", "").c_str(),
                set->dir.c_str());
  }
  return absl::OkStatus();
}

}  // namespace spoken_digits
