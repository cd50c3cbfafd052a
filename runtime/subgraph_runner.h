// The runtime's SubgraphRunner: plans a Loop/If/Scan body once per input signature (dtypes
// and dims) and reuses that plan, so a loop does not re-plan on every iteration.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ops/simd/isa.h"
#include "ops/subgraph.h"

namespace seqrt::runtime {

class Plan;
class PreparedStateStore;
class ArenaPool;
struct PlanOptions;

class SubgraphCache : public ops::SubgraphRunner {
 public:
  // Body plans share the enclosing plan's threads, prepared-state store and arena pool.
  void set_options(const PlanOptions& options);
  absl::StatusOr<std::vector<Value>> Run(const std::shared_ptr<const graph::Graph>& body,
                                         const std::vector<ValueView>& inputs,
                                         const std::vector<bool>& needed = {}) const override;

 private:
  int threads_ = 1;
  ops::simd::Isa isa_ = ops::simd::DefaultIsa();
  int64_t max_memory_bytes_ = 0;
  std::shared_ptr<PreparedStateStore> store_;
  std::shared_ptr<ArenaPool> arenas_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<const graph::Graph*, std::string>, std::shared_ptr<Plan>> plans_;
};

}  // namespace seqrt::runtime
