// Target (a): raw bytes -> Session::LoadFromBytes -> one Run. libFuzzer mutates the bytes
// themselves; seeds are real exported models (scripts/fuzz.sh). The work is fuzz/fuzz_runner.cc.
#include "fuzz/fuzz_runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seqrt::fuzz::LoadAndRunOnce(data, size);
  return 0;
}
