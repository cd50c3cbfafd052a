#include "base/run_limits.h"

#include "absl/strings/str_cat.h"

namespace seqrt {
namespace {
thread_local const RunLimits* current_limits = nullptr;
}  // namespace

const RunLimits* CurrentRunLimits() { return current_limits; }

ScopedRunLimits::ScopedRunLimits(const RunLimits* limits) : previous_(current_limits) {
  current_limits = limits;
}
ScopedRunLimits::~ScopedRunLimits() { current_limits = previous_; }

absl::Status CheckRunLimits(absl::string_view where) {
  const RunLimits* l = current_limits;
  if (l == nullptr) return absl::OkStatus();
  const std::string prefix = where.empty() ? std::string() : absl::StrCat(where, ": ");
  if (l->cancel != nullptr && l->cancel->load(std::memory_order_relaxed))
    return absl::CancelledError(absl::StrCat(prefix, "run cancelled (RunOptions::cancel)"));
  if (l->deadline != RunLimits::Clock::time_point::max() && RunLimits::Clock::now() > l->deadline)
    return absl::DeadlineExceededError(absl::StrCat(prefix, "run deadline passed (RunOptions::deadline, --timeout)"));
  return absl::OkStatus();
}

int64_t CurrentMemoryCap() { return current_limits ? current_limits->max_memory_bytes : 0; }

}  // namespace seqrt
