#include "runtime/prepared_store.h"

#include "seqrt/status.h"

namespace seqrt::runtime {

absl::StatusOr<std::shared_ptr<const void>> PreparedStateStore::GetOrBuild(const std::string& key, Builder build) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::shared_ptr<Entry>& slot = entries_[key];
    if (!slot) slot = std::make_shared<Entry>();
    entry = slot;
  }
  std::lock_guard<std::mutex> lock(entry->mutex);
  if (entry->value) return entry->value;
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const void> value, build());
  entry->value = value;
  {
    std::lock_guard<std::mutex> count(mutex_);
    ++builds_;
  }
  return value;
}

int64_t PreparedStateStore::builds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return builds_;
}

}  // namespace seqrt::runtime
