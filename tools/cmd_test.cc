// `seqrt test DIR...`: an onnx_test_runner-style conformance runner.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "seqrt/conformance.h"
#include "tools/commands.h"

namespace seqrt::tools {
namespace {

constexpr char kTestUsage[] =
    "usage: seqrt test [--rtol X] [--atol X] [-x THREADS] DIR...\n"
    "\n"
    "Each DIR is a test case (model.onnx + test_data_set_N/input_K.pb, output_K.pb) or a folder\n"
    "of cases. Prints one line per case (ok / FAIL / UNSUPPORTED) and a closing\n"
    "'N passed, M failed' line. Exit status 0 only when every case passed.\n"
    "\n"
    "  --rtol X     relative tolerance (default 1e-3)\n"
    "  --atol X     absolute tolerance (default 1e-5)\n"
    "  -x THREADS   intra-op threads (default 1)\n";

}  // namespace

int RunTestCommand(const Args& args) {
  ConformanceOptions options;
  std::vector<std::string> dirs;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](double* out) {
      if (i + 1 >= args.size() || !absl::SimpleAtod(args[i + 1], out)) {
        std::fprintf(stderr, "seqrt test: %s needs a number\n", a.c_str());
        return false;
      }
      ++i;
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kTestUsage, stdout);
      return 0;
    } else if (a == "--rtol") {
      if (!value(&options.rtol)) return 2;
    } else if (a == "--atol") {
      if (!value(&options.atol)) return 2;
    } else if (a == "-x") {
      double threads;
      if (!value(&threads)) return 2;
      options.session.threads = static_cast<int>(threads);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "seqrt test: unknown option '%s'\n%s", a.c_str(), kTestUsage);
      return 2;
    } else {
      dirs.push_back(a);
    }
  }
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
