#include "base/checked_size.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace seqrt {

absl::StatusOr<int64_t> CheckedNumElements(const Dims& dims, absl::string_view what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has a negative dim ", d, " in ", DimsToString(dims)));
    }
  }
  // A zero anywhere makes the product 0 however large the other dims are.
  for (int64_t d : dims)
    if (d == 0) return 0;
  for (int64_t d : dims) {
    if (!CheckedMul(n, d, &n)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " has dims ", DimsToString(dims), " whose element count overflows int64"));
    }
  }
  return n;
}

absl::StatusOr<int64_t> CheckedByteSize(DType dtype, const Dims& dims, absl::string_view what) {
  absl::StatusOr<int64_t> n = CheckedNumElements(dims, what);
  if (!n.ok()) return n.status();
  int64_t bytes = 0;
  if (!CheckedMul(*n, static_cast<int64_t>(DTypeSize(dtype)), &bytes) || bytes > kMaxBufferBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has dims ", DimsToString(dims), " of ",
                                                   std::string(DTypeName(dtype)), ": ", *n,
                                                   " elements, more bytes than any machine holds"));
  }
  return bytes;
}

std::string DescribeBytes(int64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return absl::StrCat(bytes, " bytes");
  return absl::StrFormat("%.1f %s (%d bytes)", v, units[u], bytes);
}

absl::Status CheckMemoryCap(int64_t bytes, int64_t cap, absl::string_view what) {
  if (cap <= 0 || bytes <= cap) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(what, " needs ", DescribeBytes(bytes),
                                                   ", more than the memory cap of ", DescribeBytes(cap),
                                                   " (SessionOptions::max_memory_bytes, --max-memory)"));
}

absl::StatusOr<int64_t> CheckedTensorBytes(DType dtype, const Dims& dims, int64_t cap,
                                           absl::string_view what) {
  absl::StatusOr<int64_t> bytes = CheckedByteSize(dtype, dims, what);
  if (!bytes.ok()) return bytes.status();
  absl::Status st = CheckMemoryCap(*bytes, cap, what);
  if (!st.ok()) return st;
  return *bytes;
}

absl::StatusOr<Tensor> CreateTensor(DType dtype, Dims dims, int64_t max_bytes, absl::string_view what) {
  absl::StatusOr<int64_t> bytes = CheckedTensorBytes(dtype, dims, max_bytes, what);
  if (!bytes.ok()) return bytes.status();
  Tensor t(dtype, std::move(dims));
  if (t.raw_data() == nullptr)
    return absl::ResourceExhaustedError(absl::StrCat(what, ": allocating ", DescribeBytes(*bytes), " failed"));
  return t;
}

int64_t DefaultMaxMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return int64_t{8} << 30;
  return static_cast<int64_t>(pages) * page_size / 2;
}

}  // namespace seqrt
