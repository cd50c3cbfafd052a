// Marks what libseqrt.so exports. The library is compiled with -fvisibility=hidden, so only
// declarations carrying SEQRT_EXPORT (the public C++ API in include/seqrt/ and the C API) are
// visible to programs linking it; everything else stays an implementation detail.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define SEQRT_EXPORT __attribute__((visibility("default")))
#define SEQRT_HIDDEN __attribute__((visibility("hidden")))
#else
#define SEQRT_EXPORT
#define SEQRT_HIDDEN
#endif
