// The runtime's own view of a Session: what streaming (runtime/stream*.cc) needs from the
// session's internals, kept to a few calls so session.cc stays the one home of Session::Impl.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "seqrt/session.h"

namespace seqrt::runtime {

class Plan;
struct RunInputs;

struct SessionAccess {
  // The model as the session runs it: passes applied, shapes inferred.
  static const graph::Model& PreparedModel(const Session& session);
  static const SessionOptions& Options(const Session& session);
  // A session over a rewritten copy of a prepared model (passes are idempotent on it).
  static absl::StatusOr<Session> FromModel(graph::Model model, const SessionOptions& options);
  // Per-session cache of stream programs, keyed by their options, so that streams opened
  // alike share plans and prepared weights.
  struct StreamCache {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const void>> programs;
  };
  static StreamCache& Streams(const Session& session);

  // The pieces of Session::RunValues, for a caller (Stream) that keeps the plan of a repeated
  // input signature itself and skips the lookup on later calls:
  // - the thread count a default RunOptions runs with (part of the plan's signature);
  static int RunThreads(const Session& session);
  // - `body` under that thread count and the session's run limits (planning folds nodes, so
  //   it belongs inside too);
  static void InRunScope(const Session& session, int threads, absl::FunctionRef<void()> body);
  // - inputs checked and bound, and the cached (or newly built) plan for their signature.
  //   The returned pointer keeps the plan alive after the session's cache evicts it.
  static absl::StatusOr<std::shared_ptr<Plan>> PlanFor(const Session& session, const NamedValues& inputs,
                                                       RunInputs* bound, int threads);
  // Position of graph input `name` in the session's graph (RunInputs index), or -1.
  static int GraphInputIndex(const Session& session, const std::string& name);
};

}  // namespace seqrt::runtime
