#include "runtime/subgraph_runner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/plan.h"
#include "seqrt/status.h"

namespace seqrt {
namespace ops {

absl::StatusOr<std::vector<Tensor>> SubgraphRunner::RunTensors(const std::shared_ptr<const graph::Graph>& body,
                                                               const std::vector<ValueView>& inputs,
                                                               const std::vector<bool>& needed) const {
  SEQRT_ASSIGN_OR_RETURN(std::vector<Value> values, Run(body, inputs, needed));
  std::vector<Tensor> tensors;
  tensors.reserve(values.size());
  for (size_t o = 0; o < values.size(); ++o) {
    if (!values[o].is_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat("subgraph '", body->name, "' output ", o, " is a ",
                                                     values[o].Describe(), "; a tensor is expected here"));
    }
    tensors.push_back(std::move(values[o].tensor()));
  }
  return tensors;
}

}  // namespace ops

namespace runtime {

void SubgraphCache::set_options(const PlanOptions& options) {
  threads_ = options.threads;
  isa_ = options.isa;
  max_memory_bytes_ = options.max_memory_bytes;
  store_ = options.store;
  arenas_ = options.arenas;
}
absl::StatusOr<std::vector<Value>> SubgraphCache::Run(const std::shared_ptr<const graph::Graph>& body,
                                                      const std::vector<ValueView>& inputs,
                                                      const std::vector<bool>& needed) const {
  const size_t expected = body->inputs.size() + body->captures.size();
  if (inputs.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("subgraph '", body->name, "' takes ", body->inputs.size(),
                                                   " inputs and ", body->captures.size(),
                                                   " outer values, got ", inputs.size()));
  }
  std::vector<Dims> dims;
  std::vector<DType> dtypes;
  std::vector<ValueKind> kinds;
  std::vector<Value> boxed_copies;  // tensors handed to inputs the body declares optional
  boxed_copies.reserve(inputs.size());
  RunInputs bound;
  std::string key;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const graph::ValueId id = i < body->inputs.size() ? body->inputs[i] : body->captures[i - body->inputs.size()];
    const ValueKind declared = body->value(id).kind;
    ValueView v = inputs[i];
    // The values' run-time form decides, with the body's declaration choosing between kinds
    // that look alike at run time (an optional holding a sequence is that sequence).
    ValueKind kind = ValueKind::kTensor;
    if (!v.is_tensor()) {
      const Value& b = *v.boxed();
      if (IsBoxedKind(declared)) kind = declared;
      else if (b.is_sequence()) kind = ValueKind::kSequence;
      else if (b.is_nothing()) kind = ValueKind::kOptionalTensor;
      else v = ValueView(b.tensor().view());  // a tensor where the body wants one
    } else if (IsBoxedKind(declared)) {
      boxed_copies.emplace_back(Tensor::CopyOf(v.tensor()));
      v = ValueView(&boxed_copies.back());
      kind = declared;
    }
    kinds.push_back(kind);
    dtypes.push_back(v.dtype());
    if (IsBoxedKind(kind)) {
      dims.emplace_back();
      bound.data.push_back(nullptr);
      bound.boxed.push_back(v.boxed());
      absl::StrAppend(&key, "B", static_cast<int>(kind), ":", static_cast<int>(v.dtype()), ";");
    } else {
      dims.push_back(v.tensor().dims());
      bound.data.push_back(v.tensor().data());
      bound.boxed.push_back(nullptr);
      absl::StrAppend(&key, static_cast<int>(v.dtype()), ":", absl::StrJoin(v.tensor().dims(), ","), ";");
    }
  }
  std::shared_ptr<Plan> plan;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = plans_[{body.get(), key}];
    if (!slot) {
      PlanOptions options;
      options.threads = threads_;
      options.isa = isa_;
      options.max_memory_bytes = max_memory_bytes_;
      options.store = store_;
      options.arenas = arenas_;
      SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<Plan> built,
                             Plan::Build(body, dims, dtypes, std::vector<bool>(inputs.size(), true), options,
                                         kinds));
      slot = std::move(built);
    }
    plan = slot;
  }
  return plan->Execute(bound, nullptr, needed.empty() ? nullptr : &needed);
}

}  // namespace runtime
}  // namespace seqrt
