// `--stream N` for `seqrt run` and `seqrt perf`: split the inputs' time axis into chunks of N
// steps, drive a seqrt::Stream through them, stitch the outputs back together.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/stream.h"
#include "tools/cli_common.h"

namespace seqrt::tools {

// Steps [start, start + len) of `t` along `axis` as a new tensor.
Tensor SliceAlongAxis(const Tensor& t, int axis, int64_t start, int64_t len);
// The parts joined along `axis` (all other dims equal).
Tensor ConcatAlongAxis(const std::vector<Tensor>& parts, int axis);

// The axis chunks are cut along and its length: the stream's time axis, or for models called
// once per chunk (state I/O only), the last axis of their first input.
struct ChunkAxis {
  std::string input;
  int axis = -1;
  int64_t length = 0;
};
absl::StatusOr<ChunkAxis> FindChunkAxis(const Stream& stream, const PreparedInputs& inputs);

struct ChunkResult {
  int64_t start = 0, steps = 0;
  double ms = 0;  // Stream::Run wall time
  std::vector<Tensor> outputs;
};
// Runs every chunk of `chunk` steps (the last may be shorter) through `stream`, calling
// `on_chunk` after each.
absl::Status RunChunks(Stream& stream, const PreparedInputs& inputs, const ChunkAxis& axis, int64_t chunk,
                       const std::function<void(const ChunkResult&)>& on_chunk);

// --bind OUT=IN (repeatable) and --no-auto-bind, declared on `parser` by AddStreamOptions.
void AddStreamOptions(ArgParser& parser);
absl::StatusOr<StreamOptions> ParseStreamOptions(const ArgParser& parser);
extern const char kStreamOptionsHelp[];

int RunStreamMode(const Session& session, const StreamOptions& options, const PreparedInputs& inputs, int64_t chunk,
                  bool check, bool print);
int PerfStreamMode(const Session& session, const StreamOptions& options, const PreparedInputs& inputs, int64_t chunk,
                   double frame_ms, int64_t rounds, bool json);

}  // namespace seqrt::tools
