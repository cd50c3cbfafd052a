#include "runtime/kernel_tuner.h"

#include <cpuid.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/plan_common.h"

namespace seqrt::runtime {
namespace {

constexpr char kFileHeader[] = "# seqrt kernel tuning v1: key<TAB>kernel<TAB>how it was chosen";
// A tuning file is user input: refuse absurd ones rather than read them into memory.
constexpr int64_t kMaxFileBytes = int64_t{16} << 20;
// Candidates are timed on buffers of the node's real sizes; beyond this the node keeps the
// built-in choice rather than allocate that much at plan time.
constexpr int64_t kMaxTimingBytes = int64_t{512} << 20;
// Per candidate: one warm-up run, then up to kMaxRuns timed runs within kBudget.
constexpr int kMaxRuns = 5;
constexpr std::chrono::milliseconds kBudget{150};

// The CPU's brand string and the vector extensions that change which kernel wins.
std::string CpuSignature() {
  static const std::string signature = [] {
    unsigned int regs[12] = {};
    unsigned int max_ext = __get_cpuid_max(0x80000000u, nullptr);
    std::string brand;
    if (max_ext >= 0x80000004u) {
      for (unsigned int i = 0; i < 3; ++i)
        __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
      brand.assign(reinterpret_cast<const char*>(regs), sizeof(regs));
      brand.resize(std::strlen(brand.c_str()));
    }
    while (!brand.empty() && brand.back() == ' ') brand.pop_back();
    return absl::StrCat(brand.empty() ? "x86-64" : brand, "/", ops::simd::IsaName(ops::simd::BestIsa()));
  }();
  return signature;
}

// Keys and kernel names live on one line of a tab-separated file.
std::string Sanitize(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string AttributeText(const graph::Attribute& attr) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, std::string>) {
          return absl::StrCat(v);
        } else if constexpr (std::is_same_v<T, float>) {
          return absl::StrFormat("%.9g", v);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<std::string>>) {
          return absl::StrCat("[", absl::StrJoin(v, ","), "]");
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* out, float f) {
                                absl::StrAppend(out, absl::StrFormat("%.9g", f));
                              }), "]");
        } else {
          return "<value>";  // tensors, graphs, types: not part of a recurrent op's identity
        }
      },
      attr);
}

struct AlignedBuffer {
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> data;
  explicit AlignedBuffer(size_t bytes)
      : data(static_cast<char*>(std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64)))) {
    if (data) std::memset(data.get(), 0, bytes);
  }
};

// Sets the calling thread's OpenMP thread count to the plan's while timing.
class TimingThreads {
 public:
  explicit TimingThreads(int threads) : previous_(omp_get_max_threads()) {
    if (threads > 0 && threads != previous_) omp_set_num_threads(threads);
  }
  ~TimingThreads() { omp_set_num_threads(previous_); }

 private:
  int previous_;
};

// Median milliseconds of one Compute of `kernel` (prepared with `ctx`) on representative
// inputs, or an error when it cannot be timed (too large, or Compute fails).
absl::StatusOr<double> TimeKernel(const ops::OpKernel& kernel, const ops::OpSchema& schema,
                                  const ops::PrepareContext& ctx) {
  int64_t total = static_cast<int64_t>(ctx.scratch_bytes());
  for (int i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && ctx.input_constant(i) == nullptr)
      total += NumElements(ctx.input_dims(i)) * static_cast<int64_t>(DTypeSize(ctx.input_dtype(i)));
  for (int o = 0; o < ctx.num_outputs(); ++o)
    if (ctx.has_output(o))
      total += NumElements(ctx.output_dims(o)) * static_cast<int64_t>(DTypeSize(ctx.output_dtype(o)));
  if (total > kMaxTimingBytes)
    return absl::ResourceExhaustedError(absl::StrCat("timing needs ", total, " bytes"));

  std::vector<AlignedBuffer> buffers;
  buffers.reserve(ctx.num_inputs() + ctx.num_outputs() + 1);
  auto allocate = [&](size_t bytes) -> void* {
    buffers.emplace_back(bytes);
    return buffers.back().data.get();
  };
  std::vector<ops::ComputeContext::In> ins(ctx.num_inputs());
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    ins[i].dtype = ctx.input_dtype(i);
    ins[i].dims = &ctx.input_dims(i);
    if (const Tensor* c = ctx.input_constant(i)) {
      ins[i].data = c->raw_data();
    } else {
      void* data = allocate(NumElements(ctx.input_dims(i)) * DTypeSize(ctx.input_dtype(i)));
      if (data == nullptr) return absl::ResourceExhaustedError("timing buffer");
      schema.tuning_input(ctx, i, data);
      ins[i].data = data;
    }
  }
  std::vector<ops::ComputeContext::Out> outs(ctx.num_outputs());
  for (int o = 0; o < ctx.num_outputs(); ++o) {
    if (!ctx.has_output(o)) continue;
    outs[o].dtype = ctx.output_dtype(o);
    outs[o].dims = &ctx.output_dims(o);
    outs[o].data = allocate(NumElements(ctx.output_dims(o)) * DTypeSize(ctx.output_dtype(o)));
    if (outs[o].data == nullptr) return absl::ResourceExhaustedError("timing buffer");
  }
  void* scratch = allocate(ctx.scratch_bytes());
  if (scratch == nullptr) return absl::ResourceExhaustedError("timing buffer");
  ops::ComputeContext cctx(std::move(ins), std::move(outs), scratch);

  TimingThreads threads(ctx.threads());
  using Clock = std::chrono::steady_clock;
  SEQRT_RETURN_IF_ERROR(kernel.Compute(cctx));  // warm-up: caches, page faults, oneDNN's JIT
  std::vector<double> ms;
  const Clock::time_point start = Clock::now();
  while (static_cast<int>(ms.size()) < kMaxRuns && (ms.empty() || Clock::now() - start < kBudget)) {
    const Clock::time_point t0 = Clock::now();
    SEQRT_RETURN_IF_ERROR(kernel.Compute(cctx));
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

bool Declined(const absl::Status& s) { return s.code() == absl::StatusCode::kUnimplemented; }

}  // namespace

std::string TuningKey(const graph::Node& node, const ops::PrepareContext& pctx) {
  std::string key = absl::StrCat(node.domain, node.domain.empty() ? "" : ".", node.op_type, "(");
  bool first = true;
  for (const auto& [name, attr] : node.attrs.all()) {
    absl::StrAppend(&key, first ? "" : ",", name, "=", AttributeText(attr));
    first = false;
  }
  absl::StrAppend(&key, ")");
  for (int i = 0; i < pctx.num_inputs(); ++i) {
    if (!pctx.has_input(i)) {
      absl::StrAppend(&key, i == 0 ? "" : " ", "-");
      continue;
    }
    absl::StrAppend(&key, i == 0 ? "" : " ", std::string(DTypeName(pctx.input_dtype(i))), "[",
                    absl::StrJoin(pctx.input_dims(i), ","), "]", pctx.input_constant(i) ? "c" : "");
  }
  // The ISA in use, not only the CPU's best: a session forced to AVX2 times other kernels.
  absl::StrAppend(&key, " t", pctx.threads(), " ", CpuSignature(), " isa=", ops::simd::IsaName(pctx.isa()));
  return Sanitize(std::move(key));
}

absl::StatusOr<std::shared_ptr<KernelTuner>> KernelTuner::ForFile(const std::string& file) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::weak_ptr<KernelTuner>> registry;
  std::lock_guard<std::mutex> lock(registry_mutex);
  if (std::shared_ptr<KernelTuner> existing = registry[file].lock()) return existing;
  std::shared_ptr<KernelTuner> tuner(new KernelTuner(file));
  SEQRT_RETURN_IF_ERROR(tuner->Load());
  registry[file] = tuner;
  return tuner;
}

absl::Status KernelTuner::Load() {
  if (file_.empty()) return absl::OkStatus();
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    std::ofstream create(file_, std::ios::app);
    create << kFileHeader << "\n";
    if (!create.flush())
      return absl::InvalidArgumentError(absl::StrCat("tuning file '", file_, "': cannot create it"));
    return absl::OkStatus();
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxFileBytes)
    return absl::InvalidArgumentError(
        absl::StrCat("tuning file '", file_, "': ", size, " bytes, more than a tuning file can be (",
                     kMaxFileBytes, ")"));
  in.seekg(0);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 2 || fields[0].empty() || fields[1].empty())
      return absl::InvalidArgumentError(absl::StrCat("tuning file '", file_, "' line ", number,
                                                     ": expected key<TAB>kernel<TAB>note"));
    // Later lines win: a key tuned again is appended.
    chosen_[fields[0]] = {fields[1], fields.size() > 2 ? fields[2] : std::string("tuned")};
  }
  if (!std::ofstream(file_, std::ios::app))
    return absl::InvalidArgumentError(absl::StrCat("tuning file '", file_, "': not writable"));
  return absl::OkStatus();
}

void KernelTuner::Remember(const std::string& key, const std::string& kernel, const std::string& how) {
  std::lock_guard<std::mutex> lock(mutex_);
  chosen_[key] = {kernel, how};
  if (file_.empty()) return;
  // Appending one line per decision keeps concurrent sessions' writes whole lines; a failed
  // write only loses the memo (the choice itself stands).
  std::ofstream out(file_, std::ios::app);
  out << key << '\t' << Sanitize(kernel) << '\t' << Sanitize(how) << '\n';
}

size_t KernelTuner::decisions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return chosen_.size();
}

absl::StatusOr<KernelChoice> KernelTuner::Choose(const graph::Node& node, const ops::OpSchema& schema,
                                                 ops::PrepareContext& pctx) {
  auto built_in = [&]() -> absl::StatusOr<KernelChoice> {
    SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<ops::OpKernel> kernel, ChooseKernel(node, schema, pctx));
    return KernelChoice{std::move(kernel), ""};
  };
  // The last kernel is the reference one: never a candidate when fast ones exist.
  const size_t fast = schema.kernels.size() - 1;
  if (schema.tuning_input == nullptr || fast < 2) return built_in();
  const std::string key = TuningKey(node, pctx);

  Decision remembered;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = chosen_.find(key); it != chosen_.end()) remembered = it->second;
  }
  // The first kernel of that name that accepts (two entries may share a name, one of them
  // restricted to some shapes).
  auto prepare_named = [&](const std::string& name) -> absl::StatusOr<std::unique_ptr<ops::OpKernel>> {
    for (size_t k = 0; k < fast; ++k) {
      SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<ops::OpKernel> kernel, schema.kernels[k](node));
      if (kernel->name() != name) continue;
      absl::Status st = kernel->Prepare(pctx);
      if (st.ok()) return kernel;
      if (!Declined(st)) return AnnotateNode(st, node);
    }
    return absl::NotFoundError(name);
  };
  if (!remembered.kernel.empty()) {
    absl::StatusOr<std::unique_ptr<ops::OpKernel>> kernel = prepare_named(remembered.kernel);
    if (kernel.ok()) return KernelChoice{std::move(*kernel), absl::StrCat(remembered.how, " (remembered)")};
    if (!absl::IsNotFound(kernel.status())) return kernel.status();
    // The remembered kernel no longer exists or accepts (another seqrt version): tune again.
  }

  std::vector<std::pair<double, std::string>> timed;
  for (size_t k = 0; k < fast; ++k) {
    SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<ops::OpKernel> kernel, schema.kernels[k](node));
    const std::string name(kernel->name());
    if (std::any_of(timed.begin(), timed.end(), [&](const auto& t) { return t.second == name; })) continue;
    ops::PrepareContext trial = pctx.Unshared();
    absl::Status st = kernel->Prepare(trial);
    if (!st.ok()) {
      if (Declined(st)) continue;
      return AnnotateNode(st, node);
    }
    absl::StatusOr<double> ms = TimeKernel(*kernel, schema, trial);
    if (ms.ok()) timed.emplace_back(*ms, name);
  }
  if (timed.size() < 2) return built_in();
  std::sort(timed.begin(), timed.end());
  std::string how = "tuned:";
  for (const auto& [ms, name] : timed) absl::StrAppend(&how, " ", name, absl::StrFormat(" %.3f ms", ms));
  SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<ops::OpKernel> winner, prepare_named(timed.front().second));
  Remember(key, timed.front().second, how);
  return KernelChoice{std::move(winner), how};
}

}  // namespace seqrt::runtime
