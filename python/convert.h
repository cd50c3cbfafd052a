// What the binding's files share: statuses turned into Python exceptions, and numpy arrays
// turned into seqrt tensors and back.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "seqrt/tensor.h"

namespace seqrt::python {

namespace py = pybind11;

// Carries a Status from C++ to the exception translator (which holds the GIL).
struct StatusError : std::runtime_error {
  explicit StatusError(absl::Status s) : std::runtime_error(std::string(s.message())), status(std::move(s)) {}
  absl::Status status;
};

[[noreturn]] inline void Throw(const absl::Status& s) { throw StatusError(s); }
[[noreturn]] inline void ThrowInvalid(const std::string& message) { Throw(absl::InvalidArgumentError(message)); }

template <typename T>
T Unwrap(absl::StatusOr<T> v) {
  if (!v.ok()) Throw(v.status());
  return std::move(*v);
}

// Raises the seqrt._errors class matching the status code, with the status message.
void TranslateStatus(const StatusError& e);

// numpy dtype <-> seqrt DType. bfloat16 has no numpy type.
std::optional<DType> DTypeOfNumpy(const py::dtype& dt);
const char* NumpyCodeOf(DType t);  // nullptr when numpy has no such type
// An owning tensor handed to numpy without a copy (bfloat16 widened to float32).
py::array ToNumpy(Tensor t);
// A copy of a numpy array as a tensor; `what` names it in errors.
Tensor CopyToTensor(const py::array& in, const char* what);

// Registers EpochStats, _Trained and _train (python/train_binding.cc).
void BindTrainer(py::module_& m);

}  // namespace seqrt::python
