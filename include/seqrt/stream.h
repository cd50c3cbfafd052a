// Streaming: run a sequence model chunk by chunk, carrying recurrent state between calls.
//
//   auto s = seqrt::Session::Load("kws_lstm.onnx");
//   absl::StatusOr<seqrt::Stream> stream = s->OpenStream();
//   for (each chunk of 10 frames)
//     auto out = stream->Run({{"x", seqrt::TensorView(chunk, {1, 10, 40})}});
//
// What the stream carries:
//  - For every recurrent node (RNN/GRU/LSTM, Loop-exported cells fused into them) whose
//    initial state is absent, constant, or computed from shapes only, its final h (and c)
//    of one chunk become its initial state in the next, whether or not the model exposes
//    them ("carried" nodes). The first chunk after OpenStream/Reset uses the model's own
//    initial state.
//  - For models that expose state as inputs and outputs (silero-vad's state -> stateN),
//    each bound output's value of one chunk is fed to its input in the next. Bindings come
//    from StreamOptions::state_bindings and, unless turned off, from the automatic rule:
//      an output O is paired with a model input I when their dtypes are equal, their shapes
//      have the same rank and agree on every dim both fix, and O's name is I's name plus one
//      of the suffixes "N", "n", "_n", "_out", "out", "_next", "_new", or the names differ
//      only in a final "in"/"out", "input"/"output", "0"/"n" or "prev"/"next" (so
//      state/stateN, h_in/h_out, h0/hn pair; input_3/lstm_4 do not: bind those
//      explicitly). Inputs and outputs already bound explicitly are not paired again.
//    A bound input may be given in the first chunk (after OpenStream or Reset) to set the
//    initial state; otherwise it starts at zeros, its free dims taken from the chunk inputs'
//    dims of the same name, else the stream's batch.
//
// The time axis is found from the inputs (the input axis whose size reaches every carried
// node's time axis) or given in StreamOptions; chunks may have any number of steps. OpenStream
// fails, naming the node and the reason, for models whose results would change when split:
// reverse or bidirectional layers, Conv/pooling/reductions/softmax along time, recurrent
// layers over a sequence derived from the last step, ops with no streaming rule. Reductions
// over time are refused after the last recurrent layer too: over a chunk they are not the
// sequence's value. A time dim the export fixed (Keras' T = 30) is freed for the stream,
// unless a Reshape hard-codes it (then OpenStream names that Reshape).
//
// sequence_lens inputs are given per chunk: the valid steps inside that chunk (for a sequence
// of length L, clamp(L - chunk start, 0, chunk steps)); a row with 0 keeps its state.
//
// Outputs: those with the time axis return the chunk's steps (StreamInfo::output_time_axis
// says which axis); the others are the value as of the chunk's end (many-to-one heads).
//
// A Session serves many streams at once; streams opened with equal options share one set of
// plans (one per chunk length, for the first chunk and the steady ones; each plan prepares
// its weights once), built on first use. One Stream is driven by one thread at a time. A Stream keeps
// what it needs alive, so it may outlive its Session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/export.h"
#include "seqrt/session.h"
#include "seqrt/tensor.h"

namespace seqrt {

struct StreamOptions {
  // The input that carries time and its axis; empty / -1: found from the model.
  std::string time_input;
  int time_axis = -1;
  // Explicit state pairs: {output name, input name}. The output's value after one chunk is
  // the input's value in the next.
  std::vector<std::pair<std::string, std::string>> state_bindings;
  // Pair further state inputs/outputs by the naming rule above.
  bool auto_bind_state = true;
};

struct SEQRT_EXPORT StreamInfo {
  std::string time_input;  // empty when the model is called once per chunk (state I/O only)
  int time_axis = -1;
  int batch_axis = -1;     // of time_input (or of the first input when there is no time axis)
  std::vector<std::string> carried_nodes;  // "LSTM node 'lstm_1'"
  std::vector<std::pair<std::string, std::string>> state_bindings;  // {output, input}
  // Per model output: its time axis, or -1 for values as of the chunk's end.
  std::vector<int> output_time_axis;
  std::string ToString() const;  // one paragraph for `seqrt run --stream`
};

class SEQRT_EXPORT Stream {
 public:
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  // Runs one chunk. Outputs come back in the model's output order.
  absl::StatusOr<std::vector<Tensor>> Run(const NamedInputs& chunk);
  // Forgets the carried state: the next chunk starts a new sequence (its batch may differ).
  void Reset();

  const StreamInfo& info() const;
  int64_t steps_seen() const;  // time steps since OpenStream/Reset (chunks when no time axis)

  struct SEQRT_HIDDEN Program;  // the rewritten graphs and their plans, shared by streams
  struct SEQRT_HIDDEN State;    // this stream's carried tensors

 private:
  friend class Session;
  explicit Stream(std::shared_ptr<const Program> program);
  std::shared_ptr<const Program> program_;
  std::unique_ptr<State> state_;
};

}  // namespace seqrt
