#include "tools/tensor_print.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace seqrt::tools {
namespace {

constexpr int64_t kFullPrintLimit = 64;  // tensors up to this many elements are printed whole
constexpr int64_t kFirstValues = 8;
constexpr int kTopK = 5;
constexpr int64_t kTopKRows = 8;  // rows of a 2-D probability output that get a top-k line

std::string FormatValue(const Tensor& t, int64_t i) {
  const double v = ElementAsDouble(t, i);
  if (t.dtype() == DType::kBool) return v != 0 ? "true" : "false";
  if (IsFloatingPoint(t.dtype())) return absl::StrFormat("%.6g", v);
  return absl::StrFormat("%.0f", v);
}

// Row-major, one innermost row per line; for rank >= 3 each 2-D slice is a block headed by
// its leading indices ("[1, 0, :, :]").
void AppendRows(const Tensor& t, int indent, std::string* out) {
  const Dims& dims = t.dims();
  if (dims.empty()) {
    absl::StrAppend(out, std::string(indent, ' '), FormatValue(t, 0), "\n");
    return;
  }
  const int64_t cols = dims.back();
  const int64_t rows_per_slice = dims.size() >= 2 ? dims[dims.size() - 2] : 1;
  const int64_t rows = cols ? t.num_elements() / cols : 0;
  for (int64_t r = 0; r < rows; ++r) {
    if (dims.size() >= 3 && r % rows_per_slice == 0) {
      // The leading indices of this slice, from its first row number.
      std::vector<int64_t> lead(dims.size() - 2);
      int64_t rest = r / rows_per_slice;
      for (size_t k = lead.size(); k-- > 0;) {
        lead[k] = rest % dims[k];
        rest /= dims[k];
      }
      std::string head = "[";
      for (int64_t i : lead) absl::StrAppend(&head, i, ", ");
      absl::StrAppend(out, std::string(indent, ' '), head, ":, :]\n");
    }
    std::string row = std::string(indent + (dims.size() >= 3 ? 2 : 0), ' ') + "[";
    for (int64_t j = 0; j < cols; ++j) absl::StrAppend(&row, j ? ", " : "", FormatValue(t, r * cols + j));
    absl::StrAppend(out, row, "]\n");
  }
}

// True for a float tensor of rank 1 or 2 whose rows are non-negative and sum to ~1.
bool LooksLikeProbabilities(const Tensor& t) {
  if (!IsFloatingPoint(t.dtype()) || t.dims().empty() || t.dims().size() > 2) return false;
  const int64_t cols = t.dims().back();
  if (cols < 2) return false;
  const int64_t rows = t.num_elements() / cols;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      const double v = ElementAsDouble(t, r * cols + c);
      if (!(v >= 0) || v > 1.0 + 1e-6) return false;
      sum += v;
    }
    if (std::fabs(sum - 1.0) > 1e-3) return false;
  }
  return rows > 0;
}

}  // namespace

double ElementAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat: return t.data_as<float>()[i];
    case DType::kDouble: return t.data_as<double>()[i];
    case DType::kFloat16: return static_cast<float>(t.data_as<Float16>()[i]);
    case DType::kBFloat16: return static_cast<float>(t.data_as<BFloat16>()[i]);
    case DType::kBool: return t.data_as<bool>()[i] ? 1 : 0;
    case DType::kInt8: return t.data_as<int8_t>()[i];
    case DType::kUInt8: return t.data_as<uint8_t>()[i];
    case DType::kInt16: return t.data_as<int16_t>()[i];
    case DType::kUInt16: return t.data_as<uint16_t>()[i];
    case DType::kInt32: return t.data_as<int32_t>()[i];
    case DType::kUInt32: return t.data_as<uint32_t>()[i];
    case DType::kInt64: return static_cast<double>(t.data_as<int64_t>()[i]);
    case DType::kUInt64: return static_cast<double>(t.data_as<uint64_t>()[i]);
    default: return 0;
  }
}

std::string FormatTensor(const std::string& name, const Tensor& t) {
  std::string out = absl::StrCat(name, ": ", std::string(DTypeName(t.dtype())), " ", DimsToString(t.dims()), "\n");
  const int64_t n = t.num_elements();
  if (n == 0) return out + "  (empty)\n";
  if (n <= kFullPrintLimit) {
    AppendRows(t, 2, &out);
  } else {
    double lo = ElementAsDouble(t, 0), hi = lo, sum = 0;
    int64_t nan = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double v = ElementAsDouble(t, i);
      if (std::isnan(v)) {
        ++nan;
        continue;
      }
      lo = std::isnan(lo) ? v : std::min(lo, v);
      hi = std::isnan(hi) ? v : std::max(hi, v);
      sum += v;
    }
    absl::StrAppend(&out, absl::StrFormat("  min %.6g  max %.6g  mean %.6g", lo, hi, n > nan ? sum / (n - nan) : NAN));
    if (nan) absl::StrAppend(&out, "  NaN count ", nan);
    absl::StrAppend(&out, "\n  first values:");
    for (int64_t i = 0; i < std::min(n, kFirstValues); ++i) absl::StrAppend(&out, " ", FormatValue(t, i));
    absl::StrAppend(&out, " ...\n");
  }
  if (LooksLikeProbabilities(t)) {
    const int64_t cols = t.dims().back();
    const int64_t rows = n / cols;
    for (int64_t r = 0; r < std::min(rows, kTopKRows); ++r) {
      std::vector<int64_t> order(cols);
      std::iota(order.begin(), order.end(), 0);
      const int k = static_cast<int>(std::min<int64_t>(kTopK, cols));
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
        return ElementAsDouble(t, r * cols + a) > ElementAsDouble(t, r * cols + b);
      });
      absl::StrAppend(&out, "  top-", k, rows > 1 ? absl::StrCat(" (row ", r, ")") : "", ":");
      for (int j = 0; j < k; ++j)
        absl::StrAppend(&out, absl::StrFormat("  [%d] %.4f", order[j], ElementAsDouble(t, r * cols + order[j])));
      absl::StrAppend(&out, "\n");
    }
    if (rows > kTopKRows) absl::StrAppend(&out, "  ... (", rows - kTopKRows, " more rows)\n");
  }
  return out;
}

}  // namespace seqrt::tools
