// Runs ONNX backend-style test cases (model.onnx + test_data_set_N/{input,output}_K.pb), the
// way onnx_test_runner does. `seqrt test` and the ctest suites share this code path.
#pragma once

#include <string>
#include <vector>

#include "seqrt/session.h"
#include "seqrt/export.h"

namespace seqrt {

struct ConformanceOptions {
  double rtol = 1e-3;
  double atol = 1e-5;
  SessionOptions session;
};

struct CaseResult {
  enum class Outcome { kPassed, kFailed, kUnsupported };
  Outcome outcome = Outcome::kFailed;
  std::string name;    // the case folder's name
  std::string detail;  // why it failed, or the worst error seen when it passed
};

// `dir` itself when it holds model.onnx, else every sub-folder (recursively) that does, sorted.
SEQRT_EXPORT std::vector<std::string> FindTestCases(const std::string& dir);

SEQRT_EXPORT CaseResult RunTestCase(const std::string& case_dir, const ConformanceOptions& options);

}  // namespace seqrt
