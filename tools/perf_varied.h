// The varied-length mode of `seqrt perf` (--lengths-file): see tools/perf_varied.cc.
#pragma once

#include <cstdint>
#include <string>

#include "seqrt/session.h"
#include "tools/args.h"
#include "tools/cli_common.h"

namespace seqrt::tools {

// The stream's input generator, shared with benchmarks/compare_ort/ort_runner.mjs.
float StreamInputValue(uint32_t seed, uint32_t input, uint32_t call, uint32_t k);

int RunVariedPerf(const std::string& command, const std::string& model, const ArgParser& parser,
                  const InputSpec& spec, const SessionOptions& options);

}  // namespace seqrt::tools
