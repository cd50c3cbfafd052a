// What the model-running subcommands (info --plan, run, perf, profile) share: the input
// options (--input, --shape, -f, -S, -I), session options (-o, -x), building the input tensors
// (from files or seeded random data), and the exit-status conventions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "seqrt/session.h"
#include "seqrt/tensor.h"
#include "tools/args.h"

namespace seqrt::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitModelError = 1;
inline constexpr int kExitUsage = 2;

// Prints "seqrt CMD: MESSAGE (see 'seqrt CMD --help')" to stderr and returns kExitUsage.
int UsageError(const std::string& command, const std::string& message);
// Prints "seqrt CMD: MESSAGE" on one line to stderr and returns kExitModelError.
int ModelError(const std::string& command, const absl::Status& status);

// The help text shared by the input options, to paste into each command's usage.
extern const char kInputOptionsHelp[];
extern const char kSessionOptionsHelp[];

// Declares --input, --shape, -f/--free-dim, -S/--seed, -I/--random-inputs.
void AddInputOptions(ArgParser& parser);
// Declares -o/--opt-level, -x/--threads and --max-memory.
void AddSessionOptions(ArgParser& parser);

struct InputSpec {
  std::vector<std::pair<std::string, std::string>> files;  // input name -> .pb/.npy path
  std::map<std::string, Dims> shapes;                       // input name -> dims (--shape)
  std::map<std::string, int64_t> free_dims;                 // symbolic dim name -> value (-f)
  uint64_t seed = 0;
};

// Usage errors (InvalidArgument) for malformed --input/--shape/-f/-S values.
absl::StatusOr<InputSpec> ParseInputSpec(const ArgParser& parser);
absl::StatusOr<SessionOptions> ParseSessionOptions(const ArgParser& parser);
// "1x100x40" or "1,100,40"; "scalar" for rank 0.
absl::StatusOr<Dims> ParseDims(const std::string& text);

// The dims to use for each required model input: --shape when given, else the model's dims
// with symbolic ones taken from -f (1 when not given, like onnxruntime_perf_test -I).
// Model errors (unknown input name, rank or fixed-dim mismatch, unused -f name).
absl::StatusOr<std::vector<std::pair<std::string, Dims>>> ResolveInputDims(const Session& session,
                                                                           const InputSpec& spec);

struct PreparedInputs {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in the model's input order, then extras
  NamedInputs views() const;
  std::vector<std::pair<std::string, Dims>> dims() const;
};

// Reads the --input files (checking dtype and rank against the model) and fills the rest with
// seeded random data: floats uniform in [-1, 1], integers in [0, 10), bools 0/1.
// `max_bytes`: the session's memory cap (SessionOptions::max_memory_bytes; -1 = default).
absl::StatusOr<PreparedInputs> PrepareInputs(const Session& session, const InputSpec& spec,
                                             int64_t max_bytes = -1);

// "512M", "2G", "1048576": a byte count for --max-memory.
absl::StatusOr<int64_t> ParseByteSize(const std::string& text);

// Loads the model; a failure is a model error.
absl::StatusOr<Session> LoadSession(const std::string& path, const SessionOptions& options);

// Resident memory of this process from /proc/self/status (0 when unavailable).
int64_t CurrentRssBytes();
int64_t PeakRssBytes();

// The first dim of an input whose symbolic name looks like time ("T", "time", "seq_len",
// "frames"...); -1 when none does. `input` receives that input's index in session.inputs().
int FindTimeDim(const Session& session, int* input);

// A file-system-safe version of a tensor name.
std::string SafeFileName(const std::string& name);

}  // namespace seqrt::tools
