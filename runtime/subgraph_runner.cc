#include "runtime/subgraph_runner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/plan.h"
#include "seqrt/status.h"

namespace seqrt::runtime {

void SubgraphCache::set_options(const PlanOptions& options) {
  threads_ = options.threads;
  max_memory_bytes_ = options.max_memory_bytes;
  store_ = options.store;
  arenas_ = options.arenas;
}

absl::StatusOr<std::vector<Tensor>> SubgraphCache::Run(const std::shared_ptr<const graph::Graph>& body,
                                                       const std::vector<TensorView>& inputs,
                                                       const std::vector<bool>& needed) const {
  const size_t expected = body->inputs.size() + body->captures.size();
  if (inputs.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("subgraph '", body->name, "' takes ", body->inputs.size(),
                                                   " inputs and ", body->captures.size(),
                                                   " outer values, got ", inputs.size()));
  }
  std::vector<Dims> dims;
  std::vector<DType> dtypes;
  RunInputs bound;
  std::string key;
  for (const TensorView& v : inputs) {
    dims.push_back(v.dims());
    dtypes.push_back(v.dtype());
    bound.data.push_back(v.data());
    absl::StrAppend(&key, static_cast<int>(v.dtype()), ":", absl::StrJoin(v.dims(), ","), ";");
  }
  std::shared_ptr<Plan> plan;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = plans_[{body.get(), key}];
    if (!slot) {
      PlanOptions options;
      options.threads = threads_;
      options.max_memory_bytes = max_memory_bytes_;
      options.store = store_;
      options.arenas = arenas_;
      SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<Plan> built,
                             Plan::Build(body, dims, dtypes, std::vector<bool>(inputs.size(), true), options));
      slot = std::move(built);
    }
    plan = slot;
  }
  return plan->Execute(bound, nullptr, needed.empty() ? nullptr : &needed);
}

}  // namespace seqrt::runtime
