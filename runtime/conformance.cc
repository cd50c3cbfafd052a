#include "seqrt/conformance.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "importers/onnx/redeclare_inputs.h"
#include "ops/dtype_dispatch.h"
#include "seqrt/tensor_io.h"

namespace seqrt {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> SortedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && e.path().extension() == ".pb") files.push_back(e.path().string());
  }
  // input_10 sorts after input_9.
  std::sort(files.begin(), files.end(), [&](const std::string& a, const std::string& b) {
    auto num = [&](const std::string& s) {
      std::string stem = fs::path(s).stem().string();
      return std::atoi(stem.substr(prefix.size()).c_str());
    };
    return num(a) < num(b);
  });
  return files;
}

// Compares one output; returns an empty string when it matches, else why not. `worst`
// receives the largest |a - b| seen.
std::string Compare(const Tensor& got, const Tensor& want, const ConformanceOptions& o, double* worst) {
  if (got.dtype() != want.dtype())
    return absl::StrCat("dtype ", std::string(DTypeName(got.dtype())), ", expected ",
                        std::string(DTypeName(want.dtype())));
  if (got.dims() != want.dims())
    return absl::StrCat("shape ", DimsToString(got.dims()), ", expected ", DimsToString(want.dims()));
  std::string mismatch;
  // onnx 1.12 made its float->bfloat16 expected outputs by truncating the float's bits, while
  // seqrt rounds to nearest even (the rule later ONNX releases state): bfloat16 results may
  // differ by one unit in the last place, a relative 2^-7 at most.
  const double rtol = got.dtype() == DType::kBFloat16 ? std::max(o.rtol, 1.0 / 128) : o.rtol;
  absl::Status st = ops::VisitDType(got.dtype(), [&](auto tag) -> absl::Status {
    using T = decltype(tag);
    const T* a = got.data_as<T>();
    const T* b = want.data_as<T>();
    for (int64_t i = 0; i < got.num_elements(); ++i) {
      const double x = static_cast<double>(static_cast<ops::ComputeType<T>>(a[i]));
      const double y = static_cast<double>(static_cast<ops::ComputeType<T>>(b[i]));
      if (std::isnan(x) && std::isnan(y)) continue;
      if (x == y) continue;  // includes equal infinities
      const double diff = std::fabs(x - y);
      *worst = std::max(*worst, diff);
      if (!(diff <= o.atol + rtol * std::fabs(y)) && mismatch.empty())
        mismatch = absl::StrFormat("element %d is %.9g, expected %.9g (|diff| %.3g)", i, x, y, diff);
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return std::string(st.message());
  return mismatch;
}

// Compares a sequence or optional result element by element with Compare.
std::string CompareValues(const Value& got, const Value& want, const ConformanceOptions& o, double* worst) {
  if (got.holds() != want.holds())
    return absl::StrCat("got ", got.Describe(), ", expected ", want.Describe());
  if (got.is_tensor()) return Compare(got.tensor(), want.tensor(), o, worst);
  if (got.is_nothing()) return "";
  if (got.sequence_length() != want.sequence_length())
    return absl::StrCat("got ", got.Describe(), ", expected ", want.Describe());
  for (size_t k = 0; k < got.sequence_length(); ++k) {
    std::string why = Compare(got.element(k), want.element(k), o, worst);
    if (!why.empty()) return absl::StrCat("sequence element ", k, ": ", why);
  }
  return "";
}

// numpy has no bfloat16, so ONNX's test generator (onnx 1.12) stores bfloat16 tensors as
// uint16 holding the raw bits. Where the model says bfloat16, read such a tensor as bfloat16.
Tensor AsModelDType(Tensor t, DType model_dtype) {
  if (model_dtype != DType::kBFloat16 || t.dtype() != DType::kUInt16) return t;
  Tensor out(DType::kBFloat16, t.dims());
  std::memcpy(out.raw_data(), t.raw_data(), t.byte_size());
  return out;
}

// True when `dims` cannot be fed to an input declared as `vi` (rank or a fixed dim differs).
bool Contradicts(const ValueInfo& vi, const Dims& dims) {
  if (!vi.has_shape) return false;
  if (vi.shape.size() != dims.size()) return true;
  for (size_t d = 0; d < dims.size(); ++d)
    if (vi.shape[d].known() && vi.shape[d].value != dims[d]) return true;
  return false;
}

}  // namespace

std::vector<std::string> FindTestCases(const std::string& dir) {
  std::vector<std::string> cases;
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "model.onnx", ec)) return {dir};
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename() == "model.onnx")
      cases.push_back(e.path().parent_path().string());
  std::sort(cases.begin(), cases.end());
  return cases;
}

CaseResult RunTestCase(const std::string& case_dir, const ConformanceOptions& options) {
  CaseResult result;
  result.name = fs::path(case_dir).filename().string();
  if (result.name.empty()) result.name = fs::path(case_dir).parent_path().filename().string();
  auto fail = [&](CaseResult::Outcome outcome, std::string why) {
    result.outcome = outcome;
    result.detail = std::move(why);
    return result;
  };
  auto outcome_of = [](const absl::Status& st) {
    return st.code() == absl::StatusCode::kUnimplemented ? CaseResult::Outcome::kUnsupported
                                                         : CaseResult::Outcome::kFailed;
  };

  auto session = Session::Load((fs::path(case_dir) / "model.onnx").string(), options.session);
  if (!session.ok()) return fail(outcome_of(session.status()), std::string(session.status().message()));

  std::vector<std::string> data_sets;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(case_dir, ec))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      data_sets.push_back(e.path().string());
  std::sort(data_sets.begin(), data_sets.end());
  if (data_sets.empty()) return fail(CaseResult::Outcome::kFailed, "no test_data_set_* folder");

  // Test inputs follow the graph's input order, initializer-backed ones included.
  std::vector<std::string> input_order;
  for (const ValueInfo& vi : session->inputs()) input_order.push_back(vi.name);
  double worst = 0;
  std::vector<std::string> redeclared_names;  // inputs whose declared shape the data contradicted
  for (const std::string& set : data_sets) {
    std::vector<Value> inputs;
    NamedValues named;
    std::vector<std::string> input_files = SortedFiles(set, "input_");
    inputs.reserve(input_files.size());
    for (size_t k = 0; k < input_files.size(); ++k) {
      // The file's proto type follows the model's declared input type, found by name (the
      // proto's own) or else by position.
      const ValueInfo* info = k < session->inputs().size() ? &session->inputs()[k] : nullptr;
      std::string name;
      auto v = ReadValueFile(input_files[k], info ? info->kind : ValueKind::kTensor,
                             info ? info->dtype : DType::kUndefined, &name);
      if (!v.ok()) return fail(CaseResult::Outcome::kFailed, std::string(v.status().message()));
      if (name.empty()) {
        if (k >= input_order.size())
          return fail(CaseResult::Outcome::kFailed, absl::StrCat(input_files[k], " has no name and no matching input"));
        name = input_order[k];
      }
      DType model_dtype = DType::kUndefined;
      for (const ValueInfo& vi : session->inputs()) if (vi.name == name) model_dtype = vi.dtype;
      if (v->is_tensor()) v->tensor() = AsModelDType(std::move(v->tensor()), model_dtype);
      inputs.push_back(*std::move(v));
      const Value& in = inputs.back();
      named.emplace_back(name, info && IsBoxedKind(info->kind) ? ValueView(&in) : in.view());
    }
    std::vector<std::pair<std::string, Dims>> contradicting;
    for (const auto& [name, view] : named)
      for (const ValueInfo& vi : session->inputs())
        if (vi.name == name && view.is_tensor() && Contradicts(vi, view.tensor().dims()))
          contradicting.emplace_back(name, view.tensor().dims());
    std::optional<Session> redeclared;
    if (!contradicting.empty()) {
      const std::string model_path = (fs::path(case_dir) / "model.onnx").string();
      // Some onnx 1.12 cases declare an input with a shape their own stored data does not
      // have (the CastLike bfloat16 cases declare 'like' [3,4] and store [1]); onnx's reference
      // runner feeds inputs without checking them. Then the stored data is taken as the truth:
      // the model is re-read with those inputs declared as the data is. The session itself
      // keeps refusing contradicting inputs.
      auto bytes = importers::onnx::RedeclareInputShapes(model_path, contradicting);
      if (!bytes.ok()) return fail(CaseResult::Outcome::kFailed, std::string(bytes.status().message()));
      auto s2 = Session::LoadFromBytes(*bytes, options.session, case_dir);
      if (!s2.ok()) return fail(outcome_of(s2.status()), std::string(s2.status().message()));
      redeclared.emplace(*std::move(s2));
      for (const auto& c : contradicting) redeclared_names.push_back(c.first);
    }
    auto outputs = (redeclared ? *redeclared : *session).RunValues(named);
    if (!outputs.ok()) return fail(outcome_of(outputs.status()), std::string(outputs.status().message()));
    std::vector<std::string> output_files = SortedFiles(set, "output_");
    for (size_t k = 0; k < output_files.size(); ++k) {
      const ValueInfo* info = k < session->outputs().size() ? &session->outputs()[k] : nullptr;
      std::string name;
      auto want = ReadValueFile(output_files[k], info ? info->kind : ValueKind::kTensor,
                                info ? info->dtype : DType::kUndefined, &name);
      if (!want.ok()) return fail(CaseResult::Outcome::kFailed, std::string(want.status().message()));
      size_t index = k;
      for (size_t i = 0; i < session->outputs().size(); ++i)
        if (!name.empty() && session->outputs()[i].name == name) index = i;
      if (index >= outputs->size())
        return fail(CaseResult::Outcome::kFailed, absl::StrCat("expected output ", k, " was not produced"));
      if (want->is_tensor())
        want->tensor() = AsModelDType(std::move(want->tensor()), session->outputs()[index].dtype);
      std::string why = CompareValues((*outputs)[index], *want, options, &worst);
      if (!why.empty()) {
        const std::string& out_name = session->outputs()[index].name;
        return fail(CaseResult::Outcome::kFailed,
                    absl::StrCat(fs::path(set).filename().string(), " output '", out_name, "': ", why));
      }
    }
  }
  result.outcome = CaseResult::Outcome::kPassed;
  result.detail = absl::StrFormat("max |diff| %.3g", worst);
  if (!redeclared_names.empty()) {
    absl::StrAppend(&result.detail, " (input shape declared by the model contradicts the test data, taken from the data: ",
                    absl::StrJoin(redeclared_names, ", "), ")");
  }
  return result;
}

}  // namespace seqrt
