// `seqrt test DIR...`: an onnx_test_runner-style conformance runner.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "seqrt/conformance.h"
#include "tools/args.h"
#include "tools/cli_common.h"
#include "tools/commands.h"

namespace seqrt::tools {
namespace {

constexpr char kTestUsage[] =
    "usage: seqrt test [--rtol X] [--atol X] [-x THREADS] [--isa NAME] DIR...\n"
    "\n"
    "Each DIR is a test case (model.onnx + test_data_set_N/input_K.pb, output_K.pb) or a folder\n"
    "of cases. Prints one line per case (ok / FAIL / UNSUPPORTED) and a closing\n"
    "'N passed, M failed' line. Exit status 0 only when every case passed.\n"
    "\n"
    "  --rtol X     relative tolerance (default 1e-3)\n"
    "  --atol X     absolute tolerance (default 1e-5)\n"
    "  -x THREADS   intra-op threads (default 0: OMP_NUM_THREADS, else one per physical core)\n"
    "  --isa NAME   instruction set of seqrt's own kernels: auto, avx512, avx2, baseline\n"
    "               (default: $SEQRT_ISA, else the best this CPU has)\n";

}  // namespace

int RunTestCommand(const Args& args) {
  ArgParser parser;
  parser.Option("rtol").Option("atol").Option("threads", 'x').Option("isa");
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError("test", std::string(s.message()));
  if (parser.help()) {
    std::fputs(kTestUsage, stdout);
    return 0;
  }
  ConformanceOptions options;
  auto rtol = parser.GetDouble("rtol", options.rtol, 0);
  auto atol = parser.GetDouble("atol", options.atol, 0);
  auto threads = parser.GetInt("threads", options.session.threads, 0);
  for (const absl::Status& s : {rtol.status(), atol.status(), threads.status()})
    if (!s.ok()) return UsageError("test", std::string(s.message()));
  options.rtol = *rtol;
  options.atol = *atol;
  options.session.threads = static_cast<int>(*threads);
  if (parser.has("isa")) options.session.isa = parser.get("isa");
  const std::vector<std::string>& dirs = parser.positional();
  if (dirs.empty()) {
    std::fputs(kTestUsage, stderr);
    return 2;
  }
  int passed = 0, failed = 0, unsupported = 0;
  for (const std::string& dir : dirs) {
    std::vector<std::string> cases = FindTestCases(dir);
    if (cases.empty()) {
      std::printf("FAIL %s: no test cases (no model.onnx) found\n", dir.c_str());
      ++failed;
      continue;
    }
    for (const std::string& c : cases) {
      CaseResult r = RunTestCase(c, options);
      const char* tag = "FAIL";
      switch (r.outcome) {
        case CaseResult::Outcome::kPassed: tag = "ok"; ++passed; break;
        case CaseResult::Outcome::kFailed: ++failed; break;
        case CaseResult::Outcome::kUnsupported: tag = "UNSUPPORTED"; ++unsupported; break;
      }
      std::printf("%-11s %s: %s\n", tag, r.name.c_str(), r.detail.c_str());
      std::fflush(stdout);
    }
  }
  if (unsupported > 0) std::printf("%d passed, %d failed, %d unsupported\n", passed, failed, unsupported);
  else std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && unsupported == 0 ? 0 : 1;
}

}  // namespace seqrt::tools
