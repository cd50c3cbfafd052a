// The session's store of shape-independent kernel state (packed weights, constants folded
// from initializers): built once per key and shared by every plan of the session, so a new
// input shape costs only shape-dependent work and no new copy of the weights.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "ops/kernel.h"

namespace seqrt::runtime {

class PreparedStateStore final : public ops::PreparedStore {
 public:
  absl::StatusOr<std::shared_ptr<const void>> GetOrBuild(const std::string& key, Builder build) override;
  // States built so far (each key at most once; introspection for tests and Session::stats()).
  int64_t builds() const;

 private:
  // One key's state. Its own mutex makes a second thread asking for the same key wait for
  // the first build instead of repeating it, without holding up other keys.
  struct Entry {
    std::mutex mutex;
    std::shared_ptr<const void> value;
  };
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<Entry>> entries_;
  int64_t builds_ = 0;
};

}  // namespace seqrt::runtime
