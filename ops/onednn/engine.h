// The one oneDNN CPU engine seqrt uses, shared by every oneDNN kernel (creating an engine is
// not free, and primitives built on one engine run on streams of the same engine), and the
// single place where oneDNN's exceptions become Status values.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace seqrt::ops {

// Process-wide CPU engine, created on first use (thread-safe).
const dnnl::engine& CpuEngine();

// Turns a dnnl::error into a Status naming `where` (e.g. the node) and oneDNN's status.
// oneDNN reports "unimplemented" for shapes/types it cannot handle: that maps to
// Unimplemented, so a fast kernel returning it from Prepare declines cleanly.
absl::Status DnnlErrorToStatus(const dnnl::error& e, std::string_view where);

}  // namespace seqrt::ops
