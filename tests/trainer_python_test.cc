// Runs the trainer's Python checks (numpy forward pass, ONNX Runtime agreement) under ctest.
// They drive the `seqrt` binary named by SEQRT_CLI (set by tests/CMakeLists.txt for every
// unit test). Both fail, never skip, when their tools are missing.
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace {

int RunScript(const std::string& script) {
  const char* cli = std::getenv("SEQRT_CLI");
  if (cli == nullptr) {
    ADD_FAILURE() << "SEQRT_CLI is not set (run through ctest, or export SEQRT_CLI=<build>/seqrt)";
    return -1;
  }
  const std::filesystem::path dir = std::filesystem::path(__FILE__).parent_path();
  const std::string cmd = "/usr/bin/python3 " + (dir / script).string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(TrainerPython, ExportMatchesIndependentNumpyForward) {
  EXPECT_EQ(RunScript("trainer_numpy_forward.py"), 0);
}

TEST(TrainerPython, ExportRunsInOnnxRuntimeAndAgrees) { EXPECT_EQ(RunScript("trainer_ort_check.py"), 0); }

}  // namespace
