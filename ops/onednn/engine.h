// The one oneDNN CPU engine seqrt uses, shared by every oneDNN kernel (creating an engine is
// not free, and primitives built on one engine run on streams of the same engine), and the
// single place where oneDNN's exceptions become Status values.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace seqrt::ops {

// Process-wide CPU engine, created on first use (thread-safe). Creating it first bounds
// oneDNN's own primitive cache (OnednnPrimitiveCacheCapacity).
const dnnl::engine& CpuEngine();

// The capacity of oneDNN's process-wide primitive cache as seqrt leaves it: 64 entries unless
// ONEDNN_PRIMITIVE_CACHE_CAPACITY (or DNNL_...) is set, which is then left as the user chose.
int64_t OnednnPrimitiveCacheCapacity();

// Turns a dnnl::error into a Status naming `where` (e.g. the node) and oneDNN's status.
// oneDNN reports "unimplemented" for shapes/types it cannot handle: that maps to
// Unimplemented, so a fast kernel returning it from Prepare declines cleanly.
absl::Status DnnlErrorToStatus(const dnnl::error& e, std::string_view where);

// A fast kernel's "no" from Prepare: Unimplemented, so the planner tries the next kernel.
absl::Status Decline(std::string_view kernel, std::string_view where, std::string_view why);

// For a dnnl::error thrown while building a primitive in Prepare: oneDNN's "unimplemented"
// or "invalid arguments" mean the kernel declines; anything else is a real error.
absl::Status DeclineOrError(const dnnl::error& e, std::string_view kernel, std::string_view where);

// True when oneDNN picked only its slow reference implementation ("ref:..."), which our own
// reference kernels match or beat: fast kernels decline then.
bool IsReferenceImplementation(const dnnl::primitive_desc_base& pd);

}  // namespace seqrt::ops
