// What every seqrt fuzz target does with one input: load it as a model and, when it loads,
// run it once on small seeded inputs. Shared by the libFuzzer targets (fuzz/*_fuzzer.cc) and
// the plain replay driver (fuzz/replay_main.cc) that ctest runs over tests/fuzz_corpus/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqrt::fuzz {

// Loads `data` as a serialized ModelProto and runs it once. Never fails: errors are the
// expected outcome for most inputs; only a crash, hang, leak or sanitizer report is a finding.
void LoadAndRunOnce(const uint8_t* data, size_t size);

}  // namespace seqrt::fuzz
