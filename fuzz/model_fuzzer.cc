// Target (b), structure-aware: corpus entries are serialized ModelProtos (seeded from real
// exported models); each mutation parses one, applies semantic edits (fuzz/model_mutator.cc:
// dims, dtypes, attributes, wiring, initializer data) and serialises it again, so inputs stay
// models that get past the parser. Execution is the same load-and-run as target (a).
#include <cstring>
#include <string>

#include "fuzz/fuzz_runner.h"
#include "fuzz/model_mutator.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  onnx::ModelProto model;
  // Not a model (or libFuzzer's own byte edit broke it): fall back to byte-level mutation.
  if (seed % 16 == 0 || !model.ParseFromArray(data, static_cast<int>(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, max_size);
  seqrt::fuzz::MutateModel(model, seed);
  const std::string out = model.SerializeAsString();
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seqrt::fuzz::LoadAndRunOnce(data, size);
  return 0;
}
