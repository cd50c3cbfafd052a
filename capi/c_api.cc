// The C API (include/seqrt/c_api.h) over the C++ one. Each entry point converts C arguments to
// seqrt types, calls the C++ API, and turns the absl::Status (or any C++ exception, which must not
// cross a C boundary) into a seqrt_status*.
#include "seqrt/c_api.h"

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "seqrt/session.h"
#include "seqrt/tensor.h"
#include "seqrt/tensor_io.h"

struct seqrt_status {
  seqrt_code code;
  std::string message;
};

struct seqrt_session_options {
  seqrt::SessionOptions options;
};

struct seqrt_session {
  explicit seqrt_session(seqrt::Session s) : session(std::move(s)) {}
  seqrt::Session session;
};

// A tensor either owns a seqrt::Tensor (created, read, or produced by a run) or borrows the
// caller's buffer (wrapped). `data`/`capacity` describe the bytes either way.
struct seqrt_tensor {
  seqrt::DType dtype = seqrt::DType::kUndefined;
  seqrt::Dims dims;
  seqrt::Tensor owned;
  void* data = nullptr;
  size_t capacity = 0;
  std::string name;

  size_t byte_size() const { return static_cast<size_t>(seqrt::NumElements(dims)) * seqrt::DTypeSize(dtype); }
  void Own(seqrt::Tensor t) {
    owned = std::move(t);
    dtype = owned.dtype();
    dims = owned.dims();
    data = owned.raw_data();
    capacity = owned.byte_size();
  }
};

namespace {

constexpr const char* kVersion = "0.1.0";

// Out of memory while reporting an error: a static status is the best left to give (release
// recognises it and leaves it alone).
seqrt_status* OutOfMemoryStatus() {
  static seqrt_status* oom = new seqrt_status{SEQRT_RESOURCE_EXHAUSTED, "out of memory"};
  return oom;
}

seqrt_status* MakeStatus(seqrt_code code, std::string message) {
  try {
    return new seqrt_status{code, std::move(message)};
  } catch (...) {
    return OutOfMemoryStatus();
  }
}

seqrt_status* FromStatus(const absl::Status& s) {
  if (s.ok()) return nullptr;
  return MakeStatus(static_cast<seqrt_code>(static_cast<int>(s.code())), std::string(s.message()));
}

seqrt_status* Invalid(std::string message) { return MakeStatus(SEQRT_INVALID_ARGUMENT, std::move(message)); }

// Runs `body` (returning seqrt_status*), turning any escaping C++ exception into a status.
template <typename Body>
seqrt_status* Guard(const char* function, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return MakeStatus(SEQRT_RESOURCE_EXHAUSTED, absl::StrCat(function, ": out of memory"));
  } catch (const std::exception& e) {
    return MakeStatus(SEQRT_INTERNAL, absl::StrCat(function, ": ", e.what()));
  } catch (...) {
    return MakeStatus(SEQRT_INTERNAL, absl::StrCat(function, ": unknown C++ exception"));
  }
}

bool KnownDType(seqrt_dtype d) {
  switch (d) {
    case SEQRT_FLOAT: case SEQRT_UINT8: case SEQRT_INT8: case SEQRT_UINT16: case SEQRT_INT16:
    case SEQRT_INT32: case SEQRT_INT64: case SEQRT_STRING: case SEQRT_BOOL: case SEQRT_FLOAT16:
    case SEQRT_DOUBLE: case SEQRT_UINT32: case SEQRT_UINT64: case SEQRT_BFLOAT16:
      return true;
    default:
      return false;
  }
}

// Checks dims for tensor creation; `what` names the caller for the message.
seqrt_status* CheckDims(const char* what, seqrt_dtype dtype, const int64_t* dims, size_t rank, seqrt::Dims* out) {
  if (!KnownDType(dtype) || dtype == SEQRT_STRING) {
    return Invalid(absl::StrCat(what, ": dtype ", static_cast<int>(dtype), " is not a numeric seqrt_dtype"));
  }
  if (rank > 0 && dims == nullptr) return Invalid(absl::StrCat(what, ": dims is NULL with rank ", rank));
  out->assign(dims, dims + rank);
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) return Invalid(absl::StrCat(what, ": dim ", i, " is negative (", dims[i], ")"));
  }
  return nullptr;
}

const seqrt::ValueInfo* InfoAt(const std::vector<seqrt::ValueInfo>& list, size_t index) {
  return index < list.size() ? &list[index] : nullptr;
}
const seqrt::ValueInfo* InputAt(const seqrt_session* s, size_t i) { return s ? InfoAt(s->session.inputs(), i) : nullptr; }
const seqrt::ValueInfo* OutputAt(const seqrt_session* s, size_t i) { return s ? InfoAt(s->session.outputs(), i) : nullptr; }

int64_t RankOf(const seqrt::ValueInfo* vi) {
  if (vi == nullptr || !vi->has_shape) return -1;
  return static_cast<int64_t>(vi->shape.size());
}
int64_t DimOf(const seqrt::ValueInfo* vi, size_t axis) {
  if (vi == nullptr || !vi->has_shape || axis >= vi->shape.size()) return -1;
  return vi->shape[axis].known() ? vi->shape[axis].value : -1;
}
const char* SymbolOf(const seqrt::ValueInfo* vi, size_t axis) {
  if (vi == nullptr || !vi->has_shape || axis >= vi->shape.size()) return nullptr;
  return vi->shape[axis].symbol.c_str();
}

seqrt_status* LoadResult(absl::StatusOr<seqrt::Session> loaded, seqrt_session** out) {
  if (!loaded.ok()) return FromStatus(loaded.status());
  *out = new seqrt_session(std::move(*loaded));
  return nullptr;
}

}  // namespace

extern "C" {

uint32_t seqrt_api_version(void) { return SEQRT_API_VERSION; }
const char* seqrt_version_string(void) { return kVersion; }

seqrt_code seqrt_status_code(const seqrt_status* status) { return status ? status->code : SEQRT_OK; }
const char* seqrt_status_message(const seqrt_status* status) { return status ? status->message.c_str() : ""; }
void seqrt_status_release(seqrt_status* status) {
  if (status != nullptr && status != OutOfMemoryStatus()) delete status;
}

const char* seqrt_code_name(seqrt_code code) {
  switch (code) {
    case SEQRT_OK: return "OK";
    case SEQRT_CANCELLED: return "CANCELLED";
    case SEQRT_UNKNOWN: return "UNKNOWN";
    case SEQRT_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case SEQRT_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case SEQRT_NOT_FOUND: return "NOT_FOUND";
    case SEQRT_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case SEQRT_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case SEQRT_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case SEQRT_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case SEQRT_ABORTED: return "ABORTED";
    case SEQRT_OUT_OF_RANGE: return "OUT_OF_RANGE";
    case SEQRT_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case SEQRT_INTERNAL: return "INTERNAL";
    case SEQRT_UNAVAILABLE: return "UNAVAILABLE";
    case SEQRT_DATA_LOSS: return "DATA_LOSS";
    case SEQRT_UNAUTHENTICATED: return "UNAUTHENTICATED";
  }
  return "UNKNOWN_CODE";
}

size_t seqrt_dtype_size(seqrt_dtype dtype) {
  return KnownDType(dtype) ? seqrt::DTypeSize(static_cast<seqrt::DType>(dtype)) : 0;
}
const char* seqrt_dtype_name(seqrt_dtype dtype) {
  // DTypeName returns views of string literals, so .data() is NUL-terminated.
  return KnownDType(dtype) ? seqrt::DTypeName(static_cast<seqrt::DType>(dtype)).data() : "undefined";
}

seqrt_status* seqrt_session_options_create(seqrt_session_options** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_session_options_create: out is NULL");
    *out = new seqrt_session_options();
    return nullptr;
  });
}
void seqrt_session_options_release(seqrt_session_options* options) { delete options; }

seqrt_status* seqrt_session_options_set_threads(seqrt_session_options* options, int threads) {
  if (options == nullptr) return Invalid("seqrt_session_options_set_threads: options is NULL");
  if (threads < 0) return Invalid(absl::StrCat("seqrt_session_options_set_threads: threads is negative (", threads, ")"));
  options->options.threads = threads;
  return nullptr;
}

seqrt_status* seqrt_session_options_set_optimization_level(seqrt_session_options* options, int level) {
  if (options == nullptr) return Invalid("seqrt_session_options_set_optimization_level: options is NULL");
  if (level < 0) {
    return Invalid(absl::StrCat("seqrt_session_options_set_optimization_level: level is negative (", level, ")"));
  }
  options->options.optimization_level = level;
  return nullptr;
}

seqrt_status* seqrt_session_options_set_isa(seqrt_session_options* options, const char* isa) {
  if (options == nullptr) return Invalid("seqrt_session_options_set_isa: options is NULL");
  const std::string name = isa == nullptr ? "" : isa;
  if (!name.empty() && name != "auto" && name != "avx512" && name != "avx2" && name != "baseline")
    return Invalid(absl::StrCat("seqrt_session_options_set_isa: '", name, "' is not one of auto, avx512, avx2, baseline"));
  options->options.isa = name;
  return nullptr;
}

seqrt_status* seqrt_session_load(const char* path, const seqrt_session_options* options, seqrt_session** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_session_load: out is NULL");
    *out = nullptr;
    if (path == nullptr) return Invalid("seqrt_session_load: path is NULL");
    return LoadResult(seqrt::Session::Load(path, options ? options->options : seqrt::SessionOptions{}), out);
  });
}

seqrt_status* seqrt_session_load_from_bytes(const void* data, size_t size, const seqrt_session_options* options,
                                            const char* base_dir, seqrt_session** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_session_load_from_bytes: out is NULL");
    *out = nullptr;
    if (data == nullptr && size > 0) return Invalid("seqrt_session_load_from_bytes: data is NULL");
    std::string bytes(static_cast<const char*>(data), size);
    return LoadResult(seqrt::Session::LoadFromBytes(bytes, options ? options->options : seqrt::SessionOptions{},
                                                    base_dir ? base_dir : ""),
                      out);
  });
}

void seqrt_session_release(seqrt_session* session) { delete session; }

size_t seqrt_session_input_count(const seqrt_session* s) { return s ? s->session.inputs().size() : 0; }
size_t seqrt_session_output_count(const seqrt_session* s) { return s ? s->session.outputs().size() : 0; }
const char* seqrt_session_input_name(const seqrt_session* s, size_t i) {
  const seqrt::ValueInfo* vi = InputAt(s, i);
  return vi ? vi->name.c_str() : nullptr;
}
const char* seqrt_session_output_name(const seqrt_session* s, size_t i) {
  const seqrt::ValueInfo* vi = OutputAt(s, i);
  return vi ? vi->name.c_str() : nullptr;
}
seqrt_dtype seqrt_session_input_dtype(const seqrt_session* s, size_t i) {
  const seqrt::ValueInfo* vi = InputAt(s, i);
  return vi ? static_cast<seqrt_dtype>(vi->dtype) : SEQRT_UNDEFINED;
}
seqrt_dtype seqrt_session_output_dtype(const seqrt_session* s, size_t i) {
  const seqrt::ValueInfo* vi = OutputAt(s, i);
  return vi ? static_cast<seqrt_dtype>(vi->dtype) : SEQRT_UNDEFINED;
}
int64_t seqrt_session_input_rank(const seqrt_session* s, size_t i) { return RankOf(InputAt(s, i)); }
int64_t seqrt_session_output_rank(const seqrt_session* s, size_t i) { return RankOf(OutputAt(s, i)); }
int64_t seqrt_session_input_dim(const seqrt_session* s, size_t i, size_t axis) { return DimOf(InputAt(s, i), axis); }
int64_t seqrt_session_output_dim(const seqrt_session* s, size_t i, size_t axis) { return DimOf(OutputAt(s, i), axis); }
const char* seqrt_session_input_dim_symbol(const seqrt_session* s, size_t i, size_t axis) {
  return SymbolOf(InputAt(s, i), axis);
}
const char* seqrt_session_output_dim_symbol(const seqrt_session* s, size_t i, size_t axis) {
  return SymbolOf(OutputAt(s, i), axis);
}

seqrt_status* seqrt_session_run(const seqrt_session* session, const char* const* input_names,
                                const seqrt_tensor* const* inputs, size_t input_count,
                                const char* const* output_names, seqrt_tensor** outputs, size_t output_count) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (session == nullptr) return Invalid("seqrt_session_run: session is NULL");
    if (input_count > 0 && (input_names == nullptr || inputs == nullptr)) {
      return Invalid("seqrt_session_run: input_names or inputs is NULL with input_count > 0");
    }
    if (output_count > 0 && outputs == nullptr) return Invalid("seqrt_session_run: outputs is NULL");
    const std::vector<seqrt::ValueInfo>& model_outputs = session->session.outputs();

    // Which model output each slot receives, checked before any work.
    std::vector<size_t> slot_output(output_count);
    if (output_names == nullptr) {
      if (output_count != model_outputs.size()) {
        return Invalid(absl::StrCat("seqrt_session_run: output_names is NULL, so output_count must be the model's ",
                                    model_outputs.size(), " outputs, not ", output_count));
      }
      for (size_t i = 0; i < output_count; ++i) slot_output[i] = i;
    } else {
      for (size_t i = 0; i < output_count; ++i) {
        if (output_names[i] == nullptr) return Invalid(absl::StrCat("seqrt_session_run: output_names[", i, "] is NULL"));
        size_t found = model_outputs.size();
        for (size_t k = 0; k < model_outputs.size(); ++k)
          if (model_outputs[k].name == output_names[i]) found = k;
        if (found == model_outputs.size()) {
          std::vector<std::string> names;
          for (const seqrt::ValueInfo& vi : model_outputs) names.push_back(vi.name);
          return Invalid(absl::StrCat("unknown output '", output_names[i], "' (the model's outputs: ",
                                      absl::StrJoin(names, ", "), ")"));
        }
        slot_output[i] = found;
      }
    }

    seqrt::NamedInputs named;
    named.reserve(input_count);
    for (size_t i = 0; i < input_count; ++i) {
      if (input_names[i] == nullptr) return Invalid(absl::StrCat("seqrt_session_run: input_names[", i, "] is NULL"));
      if (inputs[i] == nullptr) {
        return Invalid(absl::StrCat("seqrt_session_run: input '", input_names[i], "' is a NULL tensor"));
      }
      named.emplace_back(input_names[i], seqrt::TensorView(inputs[i]->dtype, inputs[i]->dims, inputs[i]->data));
    }

    absl::StatusOr<std::vector<seqrt::Tensor>> results = session->session.Run(named);
    if (!results.ok()) return FromStatus(results.status());

    // Caller-provided slots must take their result whole; check them all before writing any.
    for (size_t i = 0; i < output_count; ++i) {
      const seqrt_tensor* slot = outputs[i];
      if (slot == nullptr) continue;
      const seqrt::Tensor& r = (*results)[slot_output[i]];
      const std::string& name = model_outputs[slot_output[i]].name;
      if (slot->dtype != r.dtype()) {
        return Invalid(absl::StrCat("output '", name, "' has dtype ", std::string(seqrt::DTypeName(r.dtype())),
                                    ", the tensor given for it has dtype ", std::string(seqrt::DTypeName(slot->dtype))));
      }
      if (r.byte_size() > slot->capacity) {
        return Invalid(absl::StrCat("output '", name, "' needs ", r.byte_size(), " bytes (", seqrt::DimsToString(r.dims()),
                                    "), the tensor given for it holds ", slot->capacity));
      }
    }
    // Caller slots first (they copy), then library slots; an output asked for twice is moved
    // into its last library slot and copied into the earlier ones.
    for (size_t i = 0; i < output_count; ++i) {
      if (outputs[i] == nullptr) continue;
      const seqrt::Tensor& r = (*results)[slot_output[i]];
      if (r.byte_size() > 0) std::memcpy(outputs[i]->data, r.raw_data(), r.byte_size());
      outputs[i]->dims = r.dims();
    }
    std::vector<std::unique_ptr<seqrt_tensor>> made(output_count);
    for (size_t i = 0; i < output_count; ++i) {
      if (outputs[i] != nullptr) continue;
      bool used_later = false;
      for (size_t j = i + 1; j < output_count; ++j)
        if (outputs[j] == nullptr && slot_output[j] == slot_output[i]) used_later = true;
      seqrt::Tensor& r = (*results)[slot_output[i]];
      made[i] = std::make_unique<seqrt_tensor>();
      made[i]->Own(used_later ? seqrt::Tensor(r) : std::move(r));
    }
    for (size_t i = 0; i < output_count; ++i)
      if (made[i]) outputs[i] = made[i].release();
    return nullptr;
  });
}

seqrt_status* seqrt_tensor_create(seqrt_dtype dtype, const int64_t* dims, size_t rank, seqrt_tensor** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_tensor_create: out is NULL");
    *out = nullptr;
    seqrt::Dims d;
    if (seqrt_status* st = CheckDims("seqrt_tensor_create", dtype, dims, rank, &d)) return st;
    auto t = std::make_unique<seqrt_tensor>();
    t->Own(seqrt::Tensor(static_cast<seqrt::DType>(dtype), d));
    *out = t.release();
    return nullptr;
  });
}

seqrt_status* seqrt_tensor_wrap(seqrt_dtype dtype, const int64_t* dims, size_t rank, void* data,
                                size_t capacity_bytes, seqrt_tensor** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_tensor_wrap: out is NULL");
    *out = nullptr;
    seqrt::Dims d;
    if (seqrt_status* st = CheckDims("seqrt_tensor_wrap", dtype, dims, rank, &d)) return st;
    auto t = std::make_unique<seqrt_tensor>();
    t->dtype = static_cast<seqrt::DType>(dtype);
    t->dims = std::move(d);
    t->data = data;
    t->capacity = capacity_bytes;
    if (t->byte_size() > capacity_bytes) {
      return Invalid(absl::StrCat("seqrt_tensor_wrap: ", seqrt::DimsToString(t->dims), " ", std::string(seqrt::DTypeName(t->dtype)),
                                  " needs ", t->byte_size(), " bytes, the buffer holds ", capacity_bytes));
    }
    if (data == nullptr && capacity_bytes > 0) return Invalid("seqrt_tensor_wrap: data is NULL");
    *out = t.release();
    return nullptr;
  });
}

seqrt_status* seqrt_tensor_read_file(const char* path, seqrt_tensor** out) {
  return Guard(__func__, [&]() -> seqrt_status* {
    if (out == nullptr) return Invalid("seqrt_tensor_read_file: out is NULL");
    *out = nullptr;
    if (path == nullptr) return Invalid("seqrt_tensor_read_file: path is NULL");
    std::string name;
    absl::StatusOr<seqrt::Tensor> read = seqrt::ReadTensorFile(path, &name);
    if (!read.ok()) return FromStatus(read.status());
    auto t = std::make_unique<seqrt_tensor>();
    t->Own(std::move(*read));
    t->name = std::move(name);
    *out = t.release();
    return nullptr;
  });
}

void seqrt_tensor_release(seqrt_tensor* tensor) { delete tensor; }

seqrt_dtype seqrt_tensor_dtype(const seqrt_tensor* t) { return t ? static_cast<seqrt_dtype>(t->dtype) : SEQRT_UNDEFINED; }
size_t seqrt_tensor_rank(const seqrt_tensor* t) { return t ? t->dims.size() : 0; }
const int64_t* seqrt_tensor_dims(const seqrt_tensor* t) { return t ? t->dims.data() : nullptr; }
int64_t seqrt_tensor_element_count(const seqrt_tensor* t) { return t ? seqrt::NumElements(t->dims) : 0; }
size_t seqrt_tensor_byte_size(const seqrt_tensor* t) { return t ? t->byte_size() : 0; }
void* seqrt_tensor_data(seqrt_tensor* t) { return t ? t->data : nullptr; }
const void* seqrt_tensor_const_data(const seqrt_tensor* t) { return t ? t->data : nullptr; }
const char* seqrt_tensor_name(const seqrt_tensor* t) { return t ? t->name.c_str() : ""; }

}  // extern "C"
