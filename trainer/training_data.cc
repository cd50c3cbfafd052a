// Training data: validation of X / labels as users write them from NumPy.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "seqrt/status.h"
#include "seqrt/tensor_io.h"
#include "seqrt/train.h"

namespace seqrt {
namespace {

std::string Name(DType t) { return std::string(DTypeName(t)); }

}  // namespace

int64_t TrainingData::num_outputs() const {
  if (target == TargetKind::kRegression) return y.dims().back();
  int64_t mx = -1;
  for (int64_t v : y.values<int64_t>()) mx = std::max(mx, v);
  return mx + 1;
}

absl::StatusOr<TrainingData> MakeTrainingData(Tensor x, Tensor y) {
  if (x.dtype() != DType::kFloat)
    return absl::InvalidArgumentError(absl::StrCat("training data X: dtype ", Name(x.dtype()),
                                                   ", expected float32 (numpy: x.astype(np.float32))"));
  if (x.dims().size() != 3)
    return absl::InvalidArgumentError(
        absl::StrCat("training data X: shape ", DimsToString(x.dims()), ", expected rank 3 [N, T, F]"));
  const int64_t n = x.dims()[0];
  if (n <= 0 || x.dims()[1] <= 0 || x.dims()[2] <= 0)
    return absl::InvalidArgumentError(
        absl::StrCat("training data X: shape ", DimsToString(x.dims()), " has an empty dim"));
  for (float v : x.values<float>())
    if (!std::isfinite(v)) return absl::InvalidArgumentError("training data X: contains NaN or infinity");
  if (y.dims().empty() || y.dims()[0] != n)
    return absl::InvalidArgumentError(absl::StrCat("training data Y: shape ", DimsToString(y.dims()),
                                                   ", expected its first dim to be N = ", n, " like X"));
  TrainingData data;
  if (y.dtype() == DType::kInt32 || y.dtype() == DType::kInt64) {
    if (y.dims().size() != 1)
      return absl::InvalidArgumentError(
          absl::StrCat("training data Y: integer labels must have shape [N], got ", DimsToString(y.dims())));
    Tensor labels(DType::kInt64, {n});
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = y.dtype() == DType::kInt32 ? y.data_as<int32_t>()[i] : y.data_as<int64_t>()[i];
      if (v < 0)
        return absl::InvalidArgumentError(
            absl::StrCat("training data Y: label ", v, " at index ", i, " is negative"));
      labels.data_as<int64_t>()[i] = v;
    }
    data.y = std::move(labels);
    data.target = TargetKind::kClasses;
  } else if (y.dtype() == DType::kFloat) {
    if (y.dims().size() > 3)
      return absl::InvalidArgumentError(absl::StrCat(
          "training data Y: float targets must be [N], [N, K] or [N, T, K], got ", DimsToString(y.dims())));
    if (y.dims().size() == 3 && y.dims()[1] != x.dims()[1])
      return absl::InvalidArgumentError(absl::StrCat("training data Y: sequence targets have ", y.dims()[1],
                                                     " steps, X has ", x.dims()[1]));
    for (float v : y.values<float>())
      if (!std::isfinite(v)) return absl::InvalidArgumentError("training data Y: contains NaN or infinity");
    if (y.dims().size() == 1) y.Reshape({n, 1});
    data.y = std::move(y);
    data.target = TargetKind::kRegression;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("training data Y: dtype ", Name(y.dtype()),
                                                   ", expected int32/int64 labels or float32 targets"));
  }
  data.x = std::move(x);
  return data;
}

absl::StatusOr<TrainingData> LoadTrainingData(const std::string& x_path, const std::string& y_path) {
  SEQRT_ASSIGN_OR_RETURN(Tensor x, ReadTensorFile(x_path));
  SEQRT_ASSIGN_OR_RETURN(Tensor y, ReadTensorFile(y_path));
  auto data = MakeTrainingData(std::move(x), std::move(y));
  if (!data.ok()) {
    // Name the file the user wrote instead of "X" / "Y".
    std::string message(data.status().message());
    for (const auto& [what, path] :
         {std::pair<std::string, std::string>{"training data X", x_path}, {"training data Y", y_path}})
      if (message.rfind(what, 0) == 0) message = absl::StrCat(path, message.substr(what.size()));
    return absl::Status(data.status().code(), message);
  }
  return data;
}

}  // namespace seqrt
