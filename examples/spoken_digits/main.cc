// spoken-digits: the seed article's speech example done with seqrt — espeak-ng data, MFCC
// features, a SimpleRNN classifier trained by seqrt's trainer, exported to ONNX and run by
// seqrt's runtime. Uses seqrt only through its public headers (include/seqrt/).
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"

namespace {

constexpr const char* kUsage = R"(usage: spoken-digits COMMAND [options]

  data                       generate (or find) the cached data set
  train --out MODEL.onnx     train SimpleRNN(128) x2 + Dense(10) and export ONNX
        [--epochs 30] [--batch 32] [--lr 0.001] [--patience 5] [--clip 5] [--threads 1] [--finetune-epochs 8]
        [--layers rnn:128,rnn:128,dense:10] [--model-seed 1] [--minutes 0 (no time budget)]
  eval MODEL.onnx            accuracy and confusion matrix on the test voices, run by seqrt
        [--png confusion.png] [--probabilities FILE.npy] [--batch 64] [--threads 1]
  transcribe MODEL.onnx FILE.wav
                             the spoken digit in a sound file (any rate, mono/stereo, 16-bit/float)
  grid MODEL.onnx [--grid-speakers 40]
                             accuracy on test voices x rates {80..260 wpm} x pitches {0..99}
  listen MODEL.onnx FILE.wav [--decide-silence-ms 30] [--end-silence-ms 150] [--threads 1]
        [--min-confidence 0] [--min-word-ms 0]
                             the file as if live, 10 ms at a time: each digit printed 30 ms after
                             its word goes quiet (endpointer + seqrt::Stream), with its time and
                             latency; revised if the word goes on and reads differently

data options (data, train, eval): --cache DIR (default $XDG_CACHE_HOME/seqrt/spoken_digits)
  --seed N (7)  --speakers N (0 = all)  --takes N (1)  --augment narrow|wide|wide-clean (narrow)
  --fragments 0|1 (0; 1: also train on the word prefixes listen decides on at a pause inside a word)
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  absl::Status status;
  if (command == "data") status = spoken_digits::RunData(args);
  else if (command == "train") status = spoken_digits::RunTrain(args);
  else if (command == "eval") status = spoken_digits::RunEval(args);
  else if (command == "listen") status = spoken_digits::RunListen(args);
  else if (command == "grid") status = spoken_digits::RunGrid(args);
  else if (command == "transcribe") status = spoken_digits::RunTranscribe(args);
  else {
    std::fprintf(stderr, "spoken-digits: unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "spoken-digits %s: %s\n", command.c_str(), std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
