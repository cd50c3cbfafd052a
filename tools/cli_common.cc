#include "tools/cli_common.h"

#include <cctype>
#include <climits>
#include <cstdio>
#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/checked_size.h"
#include "seqrt/status.h"
#include "seqrt/tensor_io.h"

namespace seqrt::tools {

const char kInputOptionsHelp[] =
    "  --input NAME=FILE      read input NAME from a .pb (TensorProto) or .npy file (repeatable)\n"
    "  --shape NAME=DIMS      dims of a random input, e.g. x=1x100x40 (repeatable)\n"
    "  -f, --free-dim DIM:VALUE  value of a symbolic dim, e.g. -f T:100 (repeatable; default 1)\n"
    "  -S, --seed N           seed of the random inputs (default 0)\n"
    "  -I                     random inputs (the default for every input without --input)\n";

const char kSessionOptionsHelp[] =
    "  -o, --opt-level N      graph optimization level: 0 none, 1 basic, 2+ all (default 99)\n"
    "  -x, --threads N        intra-op threads (default 0: OMP_NUM_THREADS if set, else one per\n"
    "                         physical core, as onnxruntime_perf_test; on the bench models two\n"
    "                         threads measured faster than one, or tied)\n"
    "  --max-memory BYTES     cap on any tensor, arena or plan, e.g. 512M, 2G; 0 = none\n"
    "                         (default: half of physical memory)\n"
    "  --tune                 time the candidate kernels of recurrent nodes at plan time and\n"
    "                         keep the fastest on this machine (info --plan shows the timings)\n"
    "  --tuning-file FILE     with --tune: reuse decisions saved in FILE and save new ones\n"
    "  --isa NAME             instruction set of seqrt's own vector kernels: auto, avx512,\n"
    "                         avx2 or baseline (default: $SEQRT_ISA, else the best this CPU has)\n";

namespace {

std::string OneLine(std::string text) {
  absl::StrReplaceAll({{"\r\n", "; "}, {"\n", "; "}}, &text);
  return text;
}

std::vector<std::string> InputNames(const Session& session) {
  std::vector<std::string> names;
  for (const ValueInfo& vi : session.inputs()) names.push_back(vi.name);
  return names;
}

const ValueInfo* FindInput(const Session& session, const std::string& name, bool* overridable) {
  *overridable = false;
  for (const ValueInfo& vi : session.inputs())
    if (vi.name == name) return &vi;
  for (const ValueInfo& vi : session.overridable_inputs()) {
    if (vi.name == name) {
      *overridable = true;
      return &vi;
    }
  }
  return nullptr;
}

absl::Status UnknownInput(const Session& session, const std::string& name, const std::string& where) {
  return absl::InvalidArgumentError(absl::StrCat("unknown input '", name, "' in ", where,
                                                 " (the model's inputs: ", absl::StrJoin(InputNames(session), ", "),
                                                 ")"));
}

// Checks given dims against what the model declares for `vi`.
absl::Status CheckDims(const ValueInfo& vi, const Dims& dims, const std::string& where) {
  if (!vi.has_shape) return absl::OkStatus();
  if (dims.size() != vi.shape.size()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": input '", vi.name, "' has rank ", dims.size(), " (",
                                                   DimsToString(dims), "), the model expects rank ", vi.shape.size(),
                                                   " ", vi.ToString()));
  }
  for (size_t d = 0; d < dims.size(); ++d) {
    if (vi.shape[d].known() && vi.shape[d].value != dims[d]) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": input '", vi.name, "' has shape ", DimsToString(dims),
                                                     " but the model fixes dim ", d, " to ", vi.shape[d].value, " ",
                                                     vi.ToString()));
    }
  }
  return absl::OkStatus();
}

// splitmix64: a tiny, well-mixed generator whose output does not depend on the C++ library.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  double Signed() { return static_cast<double>(Next() >> 11) * (2.0 / 9007199254740992.0) - 1.0; }
};

uint64_t HashName(const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

template <typename T>
void FillInts(Tensor& t, Rng& rng) {
  T* p = t.data_as<T>();
  for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<T>(rng.Next() % 10);
}

absl::StatusOr<Tensor> RandomTensor(const ValueInfo& vi, const Dims& dims, uint64_t seed) {
  Tensor t(vi.dtype, dims);
  // Each input has its own stream so adding an input does not change the others.
  Rng rng{seed ^ HashName(vi.name)};
  const int64_t n = t.num_elements();
  switch (vi.dtype) {
    case DType::kFloat: {
      float* p = t.data_as<float>();
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(rng.Signed());
      break;
    }
    case DType::kDouble: {
      double* p = t.data_as<double>();
      for (int64_t i = 0; i < n; ++i) p[i] = rng.Signed();
      break;
    }
    case DType::kFloat16: {
      Float16* p = t.data_as<Float16>();
      for (int64_t i = 0; i < n; ++i) p[i] = Float16(static_cast<float>(rng.Signed()));
      break;
    }
    case DType::kBFloat16: {
      BFloat16* p = t.data_as<BFloat16>();
      for (int64_t i = 0; i < n; ++i) p[i] = BFloat16(static_cast<float>(rng.Signed()));
      break;
    }
    case DType::kBool: {
      bool* p = t.data_as<bool>();
      for (int64_t i = 0; i < n; ++i) p[i] = (rng.Next() & 1) != 0;
      break;
    }
    case DType::kInt8: FillInts<int8_t>(t, rng); break;
    case DType::kUInt8: FillInts<uint8_t>(t, rng); break;
    case DType::kInt16: FillInts<int16_t>(t, rng); break;
    case DType::kUInt16: FillInts<uint16_t>(t, rng); break;
    case DType::kInt32: FillInts<int32_t>(t, rng); break;
    case DType::kUInt32: FillInts<uint32_t>(t, rng); break;
    case DType::kInt64: FillInts<int64_t>(t, rng); break;
    case DType::kUInt64: FillInts<uint64_t>(t, rng); break;
    default:
      return absl::UnimplementedError(absl::StrCat("input '", vi.name, "' has dtype ", std::string(DTypeName(vi.dtype)),
                                                   ": cannot make random data for it, give it with --input"));
  }
  return t;
}

}  // namespace

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "seqrt %s: %s (see 'seqrt %s --help')\n", command.c_str(), OneLine(message).c_str(),
               command.c_str());
  return kExitUsage;
}

int ModelError(const std::string& command, const absl::Status& status) {
  std::fprintf(stderr, "seqrt %s: %s\n", command.c_str(), OneLine(std::string(status.message())).c_str());
  return kExitModelError;
}

void AddInputOptions(ArgParser& parser) {
  parser.Option("input").Option("shape").Option("free-dim", 'f').Option("seed", 'S').Flag("random-inputs", 'I');
}

void AddSessionOptions(ArgParser& parser) {
  parser.Option("opt-level", 'o').Option("threads", 'x').Option("max-memory").Flag("tune").Option("tuning-file").Option("isa");
}

absl::StatusOr<int64_t> ParseByteSize(const std::string& text) {
  std::string digits = text;
  int shift = 0;
  if (!digits.empty()) {
    switch (std::toupper(static_cast<unsigned char>(digits.back()))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: break;
    }
    if (shift) digits.pop_back();
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(digits, &v) || v < 0 || v > (INT64_MAX >> shift))
    return absl::InvalidArgumentError(absl::StrCat("--max-memory: bad size '", text, "' (e.g. 1073741824, 512M, 2G)"));
  return v << shift;
}

absl::StatusOr<Dims> ParseDims(const std::string& text) {
  if (text == "scalar") return Dims{};
  Dims dims;
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar("x,"))) {
    int64_t d;
    if (!absl::SimpleAtoi(part, &d) || d < 0)
      return absl::InvalidArgumentError(absl::StrCat("bad dims '", text, "': expected e.g. 1x100x40"));
    dims.push_back(d);
  }
  return dims;
}

absl::StatusOr<InputSpec> ParseInputSpec(const ArgParser& parser) {
  InputSpec spec;
  for (const std::string& item : parser.all("input")) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return absl::InvalidArgumentError(absl::StrCat("--input needs NAME=FILE, got '", item, "'"));
    spec.files.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  for (const std::string& item : parser.all("shape")) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return absl::InvalidArgumentError(absl::StrCat("--shape needs NAME=DIMS (e.g. x=1x100x40), got '", item, "'"));
    auto dims = ParseDims(item.substr(eq + 1));
    if (!dims.ok()) return absl::InvalidArgumentError(absl::StrCat("--shape ", item, ": ", dims.status().message()));
    spec.shapes[item.substr(0, eq)] = *dims;
  }
  for (const std::string& item : parser.all("free-dim")) {
    const size_t colon = item.rfind(':');
    int64_t v;
    if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(item.substr(colon + 1), &v) || v < 0)
      return absl::InvalidArgumentError(absl::StrCat("-f needs DIM:VALUE (e.g. T:100), got '", item, "'"));
    spec.free_dims[item.substr(0, colon)] = v;
  }
  SEQRT_ASSIGN_OR_RETURN(int64_t seed, parser.GetInt("seed", 0, 0));
  spec.seed = static_cast<uint64_t>(seed);
  return spec;
}

absl::StatusOr<SessionOptions> ParseSessionOptions(const ArgParser& parser) {
  SessionOptions options;
  SEQRT_ASSIGN_OR_RETURN(int64_t level, parser.GetInt("opt-level", options.optimization_level, 0));
  SEQRT_ASSIGN_OR_RETURN(int64_t threads, parser.GetInt("threads", 0, 0));
  options.optimization_level = static_cast<int>(level);
  options.threads = static_cast<int>(threads);
  options.tune_kernels = parser.has("tune");
  if (parser.has("tuning-file")) {
    if (!options.tune_kernels) return absl::InvalidArgumentError("--tuning-file needs --tune");
    options.tuning_file = parser.get("tuning-file");
  }
  if (parser.has("max-memory")) {
    SEQRT_ASSIGN_OR_RETURN(options.max_memory_bytes, ParseByteSize(parser.get("max-memory")));
  }
  if (parser.has("isa")) options.isa = parser.get("isa");
  return options;
}

absl::StatusOr<std::vector<std::pair<std::string, Dims>>> ResolveInputDims(const Session& session,
                                                                           const InputSpec& spec) {
  bool overridable;
  for (const auto& [name, dims] : spec.shapes)
    if (!FindInput(session, name, &overridable)) return UnknownInput(session, name, "--shape");
  std::set<std::string> symbols;
  for (const ValueInfo& vi : session.inputs())
    for (const DimInfo& d : vi.shape)
      if (!d.known() && !d.symbol.empty()) symbols.insert(d.symbol);
  for (const auto& [symbol, value] : spec.free_dims) {
    if (!symbols.count(symbol)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "-f ", symbol, ": no model input has a dimension named '", symbol, "' (symbolic dims: ",
          symbols.empty() ? std::string("none") : absl::StrJoin(symbols, ", "), ")"));
    }
  }
  std::vector<std::pair<std::string, Dims>> out;
  for (const ValueInfo& vi : session.inputs()) {
    if (IsBoxedKind(vi.kind)) {  // a plan does not depend on a sequence's length or shapes
      out.emplace_back(vi.name, Dims{});
      continue;
    }
    auto given = spec.shapes.find(vi.name);
    if (given != spec.shapes.end()) {
      SEQRT_RETURN_IF_ERROR(CheckDims(vi, given->second, "--shape"));
      out.emplace_back(vi.name, given->second);
      continue;
    }
    if (!vi.has_shape) {
      return absl::InvalidArgumentError(absl::StrCat("input '", vi.name,
                                                     "' has no shape in the model: give it with --shape ", vi.name,
                                                     "=DIMS or --input"));
    }
    Dims dims;
    for (const DimInfo& d : vi.shape) {
      if (d.known()) {
        dims.push_back(d.value);
      } else {
        auto it = spec.free_dims.find(d.symbol);
        dims.push_back(it != spec.free_dims.end() && !d.symbol.empty() ? it->second : 1);
      }
    }
    out.emplace_back(vi.name, dims);
  }
  for (const auto& [name, dims] : spec.shapes) {
    const ValueInfo* vi = FindInput(session, name, &overridable);
    if (overridable) {
      SEQRT_RETURN_IF_ERROR(CheckDims(*vi, dims, "--shape"));
      out.emplace_back(name, dims);
    }
  }
  return out;
}

NamedInputs PreparedInputs::views() const {
  NamedInputs v;
  for (const auto& [name, t] : tensors) v.emplace_back(name, t.view());
  return v;
}

std::vector<std::pair<std::string, Dims>> PreparedInputs::dims() const {
  std::vector<std::pair<std::string, Dims>> d;
  for (const auto& [name, t] : tensors) d.emplace_back(name, t.dims());
  return d;
}

absl::StatusOr<PreparedInputs> PrepareInputs(const Session& session, const InputSpec& spec,
                                             int64_t max_bytes) {
  std::map<std::string, Tensor> from_files;
  std::vector<std::string> file_order;
  for (const auto& [name, path] : spec.files) {
    bool overridable;
    const ValueInfo* vi = FindInput(session, name, &overridable);
    if (!vi) return UnknownInput(session, name, "--input");
    if (from_files.count(name)) return absl::InvalidArgumentError(absl::StrCat("--input ", name, " is given twice"));
    if (spec.shapes.count(name))
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' has both --input and --shape"));
    SEQRT_ASSIGN_OR_RETURN(Tensor t, ReadTensorFile(path));
    if (vi->dtype != DType::kUndefined && t.dtype() != vi->dtype) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": input '", name, "' has dtype ",
                                                     std::string(DTypeName(t.dtype())), ", the model expects ",
                                                     std::string(DTypeName(vi->dtype))));
    }
    SEQRT_RETURN_IF_ERROR(CheckDims(*vi, t.dims(), path));
    from_files.emplace(name, std::move(t));
    file_order.push_back(name);
  }
  // Dims for the random inputs; inputs read from files keep their own.
  InputSpec rest = spec;
  for (const auto& [name, t] : from_files) rest.shapes[name] = t.dims();
  SEQRT_ASSIGN_OR_RETURN(auto dims, ResolveInputDims(session, rest));
  PreparedInputs prepared;
  for (const auto& [name, d] : dims) {
    auto file = from_files.find(name);
    if (file != from_files.end()) {
      prepared.tensors.emplace_back(name, std::move(file->second));
      from_files.erase(file);
      continue;
    }
    bool overridable;
    const ValueInfo* vi = FindInput(session, name, &overridable);
    // The input itself must respect the memory cap before it is allocated.
    const int64_t cap = max_bytes < 0 ? DefaultMaxMemoryBytes() : max_bytes;
    SEQRT_RETURN_IF_ERROR(
        CheckedTensorBytes(vi->dtype, d, cap, absl::StrCat("input '", name, "' (", DimsToString(d), ")")).status());
    SEQRT_ASSIGN_OR_RETURN(Tensor t, RandomTensor(*vi, d, spec.seed));
    prepared.tensors.emplace_back(name, std::move(t));
  }
  return prepared;
}

absl::StatusOr<Session> LoadSession(const std::string& path, const SessionOptions& options) {
  return Session::Load(path, options);
}

namespace {

int64_t ReadStatusKb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      int64_t kb = 0;
      std::string digits;
      for (char c : line.substr(prefix.size()))
        if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
      if (absl::SimpleAtoi(digits, &kb)) return kb * 1024;
    }
  }
  return 0;
}

bool LooksLikeTime(const std::string& symbol) {
  const std::string s = absl::AsciiStrToLower(symbol);
  if (s == "t" || s == "l" || s == "s") return true;
  for (const char* word : {"time", "seq", "len", "frame", "step"})
    if (s.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

int64_t CurrentRssBytes() { return ReadStatusKb("VmRSS"); }
int64_t PeakRssBytes() { return ReadStatusKb("VmHWM"); }

int FindTimeDim(const Session& session, int* input) {
  for (size_t i = 0; i < session.inputs().size(); ++i) {
    const ValueInfo& vi = session.inputs()[i];
    for (size_t d = 0; d < vi.shape.size(); ++d) {
      if (!vi.shape[d].known() && LooksLikeTime(vi.shape[d].symbol)) {
        *input = static_cast<int>(i);
        return static_cast<int>(d);
      }
    }
  }
  return -1;
}

std::string SafeFileName(const std::string& name) {
  std::string out;
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

}  // namespace seqrt::tools
