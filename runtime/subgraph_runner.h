// The runtime's SubgraphRunner: plans a Loop/If/Scan body once per input signature (dtypes
// and dims) and reuses that plan, so a loop does not re-plan on every iteration.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ops/subgraph.h"

namespace seqrt::runtime {

class Plan;

class SubgraphCache : public ops::SubgraphRunner {
 public:
  void set_threads(int threads) { threads_ = threads; }
  void set_max_memory_bytes(int64_t bytes) { max_memory_bytes_ = bytes; }
  absl::StatusOr<std::vector<Tensor>> Run(const std::shared_ptr<const graph::Graph>& body,
                                          const std::vector<TensorView>& inputs,
                                          const std::vector<bool>& needed = {}) const override;

 private:
  int threads_ = 1;
  int64_t max_memory_bytes_ = 0;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<const graph::Graph*, std::string>, std::shared_ptr<Plan>> plans_;
};

}  // namespace seqrt::runtime
