// The exported model run by seqrt's runtime (public API only): batches of feature sequences in,
// class probabilities out.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/session.h"
#include "seqrt/tensor.h"

namespace spoken_digits {

class Recognizer {
 public:
  static absl::StatusOr<Recognizer> Load(const std::string& model_path, int threads);

  // x: float [N, T, kNumCoefficients] → probabilities [N, 10], run in batches of `batch`.
  absl::StatusOr<seqrt::Tensor> Probabilities(const seqrt::Tensor& x, int64_t batch = 64) const;

 private:
  Recognizer(seqrt::Session session, std::string input) : session_(std::move(session)), input_(std::move(input)) {}
  seqrt::Session session_;
  std::string input_;
};

}  // namespace spoken_digits
