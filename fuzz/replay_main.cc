// Replays fuzz inputs without libFuzzer (and so with any compiler): every file named on the
// command line, or inside a directory named there, goes through LoadAndRunOnce. ctest runs it
// over tests/fuzz_corpus/ on every build; a crash or sanitizer report fails the test.
//
// `--mutate N --seed S` instead runs N structure-aware edits (fuzz/model_mutator.cc) of each
// file, with seeds S, S+1...: blind fuzzing for builds without libFuzzer. Each run's seed is
// logged before it starts, so a crash names the edit that caused it (`--mutate 1 --seed K`
// reproduces it, `--write FILE` saves the edited model).
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_runner.h"
#include "fuzz/model_mutator.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  long mutations = 0, seed = 0;
  std::string write_to;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--mutate" || arg == "--seed" || arg == "--write") && i + 1 < argc) {
      if (arg == "--mutate") mutations = std::atol(argv[++i]);
      else if (arg == "--seed") seed = std::atol(argv[++i]);
      else write_to = argv[++i];
      continue;
    }
    const fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() != ".md") files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: fuzz_replay FILE_OR_DIR...\n");
    return 2;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (mutations > 0) {
      onnx::ModelProto original;
      if (!original.ParseFromString(bytes)) continue;
      for (long k = 0; k < mutations; ++k) {
        onnx::ModelProto model = original;
        seqrt::fuzz::MutateModel(model, static_cast<uint32_t>(seed + k));
        const std::string edited = model.SerializeAsString();
        std::fprintf(stderr, "fuzz_replay: %s --seed %ld\n", f.filename().c_str(), seed + k);
        std::fflush(stderr);
        if (!write_to.empty()) std::ofstream(write_to, std::ios::binary) << edited;
        seqrt::fuzz::LoadAndRunOnce(reinterpret_cast<const uint8_t*>(edited.data()), edited.size());
      }
      continue;
    }
    std::fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", f.filename().c_str(), bytes.size());
    seqrt::fuzz::LoadAndRunOnce(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "fuzz_replay: %zu inputs replayed, no crash\n", files.size());
  return 0;
}
