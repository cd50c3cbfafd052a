// Control flow: Loop, If and Scan run body graphs through the runtime's SubgraphRunner
// (ops/subgraph.h). Each op lives in its own file (control_flow_{loop,if,scan}.cc).
#include "ops/control_flow_common.h"
#include "ops/registry.h"

namespace seqrt::ops {

void RegisterControlFlowOps(OpRegistry& registry) {
  registry.Register(LoopSchema());
  registry.Register(IfSchema());
  registry.Register(ScanSchema());
}

}  // namespace seqrt::ops
