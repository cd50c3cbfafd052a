// The runtime's own view of a Session: what streaming (runtime/stream*.cc) needs from the
// session's internals, kept to a few calls so session.cc stays the one home of Session::Impl.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "seqrt/session.h"

namespace seqrt::runtime {

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
};

}  // namespace seqrt::runtime
