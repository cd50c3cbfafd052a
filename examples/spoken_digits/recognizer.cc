#include "recognizer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "utterance_features.h"

namespace spoken_digits {

absl::StatusOr<Recognizer> Recognizer::Load(const std::string& model_path, int threads) {
  seqrt::SessionOptions options;
  options.threads = threads;
  auto session = seqrt::Session::Load(model_path, options);
  if (!session.ok()) return session.status();
  if (session->inputs().size() != 1 || session->outputs().size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(model_path, ": expected one input and one output, got ",
                                                   session->inputs().size(), " and ", session->outputs().size()));
  }
  const seqrt::ValueInfo& in = session->inputs()[0];
  if (in.has_shape && (in.shape.size() != 3 || (in.shape[2].known() && in.shape[2].value != kNumCoefficients))) {
    return absl::InvalidArgumentError(absl::StrCat(model_path, ": input ", in.ToString(),
                                                   " is not [batch, time, ", kNumCoefficients, "] MFCC frames"));
  }
  std::string name = in.name;
  return Recognizer(*std::move(session), std::move(name));
}

absl::StatusOr<seqrt::Tensor> Recognizer::Probabilities(const seqrt::Tensor& x, int64_t batch) const {
  const int64_t n = x.dims()[0], t = x.dims()[1], f = x.dims()[2];
  seqrt::Tensor probabilities(seqrt::DType::kFloat, {n, 10});
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t rows = std::min(batch, n - begin);
    seqrt::TensorView view(x.data_as<float>() + begin * t * f, {rows, t, f});
    auto outputs = session_.Run({{input_, view}});
    if (!outputs.ok()) return outputs.status();
    const seqrt::Tensor& y = (*outputs)[0];
    if (y.dims() != seqrt::Dims{rows, 10} || y.dtype() != seqrt::DType::kFloat) {
      return absl::InvalidArgumentError(absl::StrCat("the model's output is ", seqrt::DimsToString(y.dims()),
                                                     ", expected ", rows, "x10 float probabilities"));
    }
    std::memcpy(probabilities.data_as<float>() + begin * 10, y.raw_data(), y.byte_size());
  }
  return probabilities;
}

}  // namespace spoken_digits
