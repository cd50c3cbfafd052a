// NumPy .npy: a magic string, a version, a Python-dict header, then raw C-order data.
// The format is small and fixed (numpy's NEP 1); Debian ships no C++ reader for it.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "seqrt/tensor_io.h"

namespace seqrt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct DescrEntry {
  const char* descr;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {"f4", DType::kFloat}, {"f8", DType::kDouble}, {"f2", DType::kFloat16}, {"i1", DType::kInt8},
    {"u1", DType::kUInt8}, {"i2", DType::kInt16}, {"u2", DType::kUInt16}, {"i4", DType::kInt32},
    {"u4", DType::kUInt32}, {"i8", DType::kInt64}, {"u8", DType::kUInt64}, {"b1", DType::kBool},
};

// Finds the value text after 'key': in the header dict.
std::string_view DictValue(std::string_view header, std::string_view key) {
  std::string quoted = absl::StrCat("'", std::string(key), "'");
  size_t pos = header.find(quoted);
  if (pos == std::string_view::npos) return {};
  pos = header.find(':', pos + quoted.size());
  if (pos == std::string_view::npos) return {};
  std::string_view rest = header.substr(pos + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return {};
  if (rest.front() == '(') return rest.substr(0, rest.find(')') + 1);
  if (rest.front() == '\'') return rest.substr(0, rest.find('\'', 1) + 1);
  return rest.substr(0, rest.find_first_of(",}"));
}

}  // namespace

absl::StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& what) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a valid .npy file (", std::string(why), ")"));
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) return bad("no NUMPY magic");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    uint32_t len;
    std::memcpy(&len, bytes.data() + 8, 4);
    header_len = len;
    header_start = 12;
  } else {
    return bad(absl::StrCat("unknown version ", major));
  }
  if (header_start + header_len > bytes.size()) return bad("truncated header");
  std::string_view header(bytes.data() + header_start, header_len);
  std::string_view descr = DictValue(header, "descr");
  std::string_view fortran = DictValue(header, "fortran_order");
  std::string_view shape = DictValue(header, "shape");
  if (descr.size() < 4 || shape.empty()) return bad("header lacks descr or shape");
  if (fortran == "True") return bad("Fortran order is not supported; save with np.ascontiguousarray");
  std::string_view code = descr.substr(1, descr.size() - 2);  // strip quotes
  const char order = code[0];
  code.remove_prefix(1);
  if (order == '>' && code != "i1" && code != "u1" && code != "b1")
    return bad("big-endian data is not supported");
  DType dtype = DType::kUndefined;
  for (const DescrEntry& e : kDescrs)
    if (code == e.descr) dtype = e.dtype;
  if (dtype == DType::kUndefined)
    return absl::UnimplementedError(absl::StrCat(what, ": .npy dtype '", std::string(code), "' is not supported"));
  Dims dims;
  std::string_view inner = shape.substr(1, shape.size() - 2);
  for (absl::string_view part : absl::StrSplit(std::string(inner), ',', absl::SkipWhitespace())) {
    int64_t d;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(part), &d) || d < 0) return bad("bad shape");
    dims.push_back(d);
  }
  Tensor t(dtype, dims);
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != t.byte_size()) {
    return bad(absl::StrCat("shape ", DimsToString(dims), " of ", std::string(DTypeName(dtype)), " needs ",
                            t.byte_size(), " data bytes, the file has ", bytes.size() - data_start));
  }
  if (t.byte_size() > 0) std::memcpy(t.raw_data(), bytes.data() + data_start, t.byte_size());
  return t;
}

std::string SerializeNpy(const Tensor& tensor) {
  std::string descr = "<f4";
  for (const DescrEntry& e : kDescrs)
    if (e.dtype == tensor.dtype()) descr = absl::StrCat(e.descr[0] == 'b' || e.descr[1] == '1' ? "|" : "<", e.descr);
  if (tensor.dtype() == DType::kBFloat16) descr = "<u2";  // numpy has no bfloat16: raw bits
  std::string shape;
  if (tensor.dims().size() == 1) shape = absl::StrCat("(", tensor.dims()[0], ",)");
  else shape = absl::StrCat("(", absl::StrJoin(tensor.dims(), ", "), ")");
  std::string header = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  // Pad so the data starts on a 64-byte boundary, ending the header with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  return out;
}

}  // namespace seqrt
