// Status helpers shared by every layer. Debian's abseil (20220623) has no
// RETURN_IF_ERROR / ASSIGN_OR_RETURN, so seqrt defines its own two macros.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SEQRT_CONCAT_INNER_(a, b) a##b
#define SEQRT_CONCAT_(a, b) SEQRT_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` yields a non-OK status.
#define SEQRT_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::absl::Status seqrt_status_ = (expr);           \
    if (!seqrt_status_.ok()) return seqrt_status_;   \
  } while (0)

// `SEQRT_ASSIGN_OR_RETURN(auto x, Foo());` unwraps a StatusOr or returns its error.
#define SEQRT_ASSIGN_OR_RETURN(lhs, rexpr) \
  SEQRT_ASSIGN_OR_RETURN_IMPL_(SEQRT_CONCAT_(seqrt_statusor_, __LINE__), lhs, rexpr)
#define SEQRT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
