// The signal family (ops/signal/): the audio front-end operators of opset 17+, one file per
// op with its shape function beside its kernel. RegisterSignalOps (signal_ops.cc) is the
// family's one registration entry.
//   fft.cc:               the FFT both transforms share (radix 2, mixed radix, Bluestein; double)
//   line_jobs.h:          DFT and STFT lines spread over the session's threads
//   dft.cc:               DFT (opset 17: axis attribute; opset 20: axis input)
//   stft.cc:              STFT
//   windows.cc:           HannWindow, HammingWindow, BlackmanWindow
//   mel_weight_matrix.cc: MelWeightMatrix
//   signal_util.cc:       scalar inputs and dtype conversions the ops above share
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "ops/dtype_dispatch.h"
#include "ops/elementwise_common.h"
#include "ops/registry.h"

namespace seqrt::ops::signal {

void RegisterDftOp(OpRegistry& registry);
void RegisterStftOp(OpRegistry& registry);
void RegisterWindowOps(OpRegistry& registry);
void RegisterMelWeightMatrixOp(OpRegistry& registry);

// Shape-function side: the value of a one-element int32/int64 input `i` when known now,
// nullopt when the input is absent or its data is not known yet.
absl::StatusOr<std::optional<int64_t>> KnownScalarInt(const InferContext& ctx, int i, std::string_view what);
// Kernel side: the value of a one-element int32/int64 input at Prepare time (a constant:
// shape functions leave outputs unknown until it is, so the node then runs dynamically
// with its inputs known); nullopt when absent.
absl::StatusOr<std::optional<int64_t>> PreparedScalarInt(const PrepareContext& ctx, int i,
                                                         std::string_view what);
// Run-time value of a one-element int32/int64 input.
absl::StatusOr<int64_t> ScalarIntAt(const ComputeContext& ctx, int i, std::string_view where,
                                    std::string_view what);
// Run-time value of a one-element floating-point input, widened to double.
absl::StatusOr<double> ScalarFloatAt(const ComputeContext& ctx, int i, std::string_view where,
                                     std::string_view what);

// The `output_datatype` attribute of the window and mel ops (default float): every numeric
// dtype but bool.
absl::StatusOr<DType> OutputDataType(const graph::Node& node);

// A double stored as T the way Cast converts: 16-bit floats round, integers truncate
// toward zero.
template <typename T>
inline T StoreAs(double v) {
  if constexpr (std::is_integral_v<T>)
    return FloatToInt<T>(v);
  else
    return FromCompute<T>(static_cast<ComputeType<T>>(v));
}

}  // namespace seqrt::ops::signal
