// A scratch folder private to this test process. ctest runs each gtest case as its own
// process, several at once (-j), so generated test data must not share one folder.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace seqrt::testing {

// SEQRT_TEST_BINARY_DIR/<name>.<pid>, emptied now and removed (with its .log) at exit.
inline std::string ProcessScratchDir(const std::string& name) {
  namespace fs = std::filesystem;
  struct Cleanup {
    std::vector<fs::path> paths;
    ~Cleanup() {
      std::error_code ec;
      for (const fs::path& p : paths) {
        fs::remove_all(p, ec);
        fs::remove(p.string() + ".log", ec);
      }
    }
  };
  static Cleanup cleanup;
  const fs::path dir = fs::path(SEQRT_TEST_BINARY_DIR) / (name + "." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  cleanup.paths.push_back(dir);
  return dir.string();
}

}  // namespace seqrt::testing
