// How control-flow kernels (Loop, If, Scan) run their bodies without knowing the runtime:
// the runtime hands them a SubgraphRunner through ComputeContext::runtime_hook. The runner
// plans each body once per input signature and reuses that plan on later iterations.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "seqrt/tensor.h"
#include "seqrt/value.h"

namespace seqrt::ops {

class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  // Runs `body`. `inputs` are the body's formal inputs in order, then one view per entry of
  // body->captures (the node's implicit inputs for this body, in the same order); sequences
  // and optionals are views of a Value. Returns the body's outputs in order. When `needed` is not empty it has one flag per body output;
  // outputs flagged false come back empty, sparing their copy (a Loop does not take back
  // the loop-invariant values tf2onnx threads through its body, such as the weights).
  virtual absl::StatusOr<std::vector<Value>> Run(const std::shared_ptr<const graph::Graph>& body,
                                                 const std::vector<ValueView>& inputs,
                                                 const std::vector<bool>& needed = {}) const = 0;
  // Run for bodies that must yield tensors only (Scan): an error names the first output
  // that is a sequence or optional.
  absl::StatusOr<std::vector<Tensor>> RunTensors(const std::shared_ptr<const graph::Graph>& body,
                                                 const std::vector<ValueView>& inputs,
                                                 const std::vector<bool>& needed = {}) const;
};

// The runner for a kernel's Compute; null only if the runtime was built without one.
inline const SubgraphRunner* GetSubgraphRunner(const void* runtime_hook) {
  return static_cast<const SubgraphRunner*>(runtime_hook);
}

}  // namespace seqrt::ops
