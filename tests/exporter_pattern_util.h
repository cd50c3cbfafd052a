// Helpers shared by the tests that build models with tests/exporter_patterns/*.py at test
// time and compare seqrt's plans and outputs (fusion tests).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/scratch_dir.h"

namespace seqrt::testing {

// Runs tests/exporter_patterns/<script> --out <a fresh scratch folder named after `scratch`>
// with Debian's python; returns the folder, or "" after reporting the generator's failure.
inline std::string GenerateExporterPatterns(const std::string& script, const std::string& scratch) {
  namespace fs = std::filesystem;
  const std::string out = ProcessScratchDir(scratch);
  fs::path path = fs::path(__FILE__).parent_path() / "exporter_patterns" / script;
  if (path.is_relative()) path = fs::path(SEQRT_TEST_BINARY_DIR) / path;
  const std::string cmd = "/usr/bin/python3 '" + path.string() + "' --out '" + out + "' > '" + out + ".log' 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    ADD_FAILURE() << "the model generator failed: " << cmd << " (see " << out << ".log)";
    return "";
  }
  return out;
}

inline int CountOps(const PlanInfo& plan, const std::string& op_type) {
  int n = 0;
  for (const PlannedNode& node : plan.nodes) n += node.op_type == op_type;
  return n;
}

// A tensor file, or an empty Tensor after reporting why it could not be read.
inline Tensor LoadTensorOrFail(const std::string& path) {
  auto t = ReadTensorFile(path);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : Tensor();
}

// Max violation of |a - b| <= atol + rtol * |b| over float tensors, as a ratio (<= 1 passes);
// 1e9 when they cannot be compared (missing, other dtype, other dims).
inline double WorstRatio(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.dtype() != DType::kFloat || b.dtype() != DType::kFloat) {
    ADD_FAILURE() << "an output to compare is missing or not float";
    return 1e9;
  }
  EXPECT_EQ(a.dims(), b.dims());
  if (a.dims() != b.dims()) return 1e9;
  double worst = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    const double x = a.data_as<float>()[i], y = b.data_as<float>()[i];
    worst = std::max(worst, std::abs(x - y) / (atol + rtol * std::abs(y)));
  }
  return worst;
}

}  // namespace seqrt::testing
