// Memory limits a caller may want to apply before handing data to a session: the default cap
// of SessionOptions::max_memory_bytes and the checked byte size of a tensor. Public (and
// exported) because the command line sizes its inputs with the same rules the session uses.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "seqrt/export.h"
#include "seqrt/tensor.h"

namespace seqrt {

// Bytes of a dense tensor of `dtype` and `dims`: InvalidArgument for a negative dim or an
// overflowing size, ResourceExhausted above `cap` (cap <= 0: no cap); `what` names it.
SEQRT_EXPORT absl::StatusOr<int64_t> CheckedTensorBytes(DType dtype, const Dims& dims, int64_t cap,
                                                        absl::string_view what);

// The default SessionOptions::max_memory_bytes: half of physical memory (the rest is the
// system's and other processes'); 8 GiB when physical memory cannot be read.
SEQRT_EXPORT int64_t DefaultMaxMemoryBytes();

}  // namespace seqrt
