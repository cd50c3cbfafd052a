/* seqrt's C API: a plain C11 interface to libseqrt for programs (and language bindings) that
 * cannot use the C++ one. Everything is an opaque handle with a create/release pair; no C++
 * type or exception crosses it.
 *
 *   seqrt_session* s = NULL;
 *   seqrt_status* st = seqrt_session_load("model.onnx", NULL, &s);
 *   if (st) { fprintf(stderr, "%s\n", seqrt_status_message(st)); seqrt_status_release(st); }
 *
 *   int64_t dims[3] = {1, 100, 40};
 *   seqrt_tensor* x = NULL;
 *   seqrt_tensor_wrap(SEQRT_FLOAT, dims, 3, buffer, sizeof buffer, &x);  // borrows `buffer`
 *   const char* in_names[] = {"x"};
 *   seqrt_tensor* outputs[1] = {NULL};  // NULL: the library allocates the output
 *   st = seqrt_session_run(s, in_names, (const seqrt_tensor* const*)&x, 1, NULL, outputs, 1);
 *   ... seqrt_tensor_data(outputs[0]) ...
 *   seqrt_tensor_release(outputs[0]); seqrt_tensor_release(x); seqrt_session_release(s);
 *
 * Errors: every fallible call returns a seqrt_status*, NULL on success. A non-NULL status carries
 * a code (the absl::Status canonical codes, same numbers) and a one-line message saying what and
 * where; the caller releases it. Release functions accept NULL.
 *
 * Threads: a session may be run from several threads at once; a tensor must not be written by
 * one thread while another uses it.
 */
#ifndef SEQRT_C_API_H_
#define SEQRT_C_API_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define SEQRT_C_EXPORT __attribute__((visibility("default")))
#else
#define SEQRT_C_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The API version this header describes. It grows by one whenever a function is added; a
 * program built against version N runs with any library whose seqrt_api_version() >= N. */
#define SEQRT_API_VERSION 1

typedef struct seqrt_status seqrt_status;
typedef struct seqrt_session_options seqrt_session_options;
typedef struct seqrt_session seqrt_session;
typedef struct seqrt_tensor seqrt_tensor;

/* Status codes: absl::StatusCode's canonical values. */
typedef enum seqrt_code {
  SEQRT_OK = 0,
  SEQRT_CANCELLED = 1,
  SEQRT_UNKNOWN = 2,
  SEQRT_INVALID_ARGUMENT = 3,
  SEQRT_DEADLINE_EXCEEDED = 4,
  SEQRT_NOT_FOUND = 5,
  SEQRT_ALREADY_EXISTS = 6,
  SEQRT_PERMISSION_DENIED = 7,
  SEQRT_RESOURCE_EXHAUSTED = 8,
  SEQRT_FAILED_PRECONDITION = 9,
  SEQRT_ABORTED = 10,
  SEQRT_OUT_OF_RANGE = 11,
  SEQRT_UNIMPLEMENTED = 12,
  SEQRT_INTERNAL = 13,
  SEQRT_UNAVAILABLE = 14,
  SEQRT_DATA_LOSS = 15,
  SEQRT_UNAUTHENTICATED = 16
} seqrt_code;

/* Element types: ONNX TensorProto.DataType values. */
typedef enum seqrt_dtype {
  SEQRT_UNDEFINED = 0,
  SEQRT_FLOAT = 1,
  SEQRT_UINT8 = 2,
  SEQRT_INT8 = 3,
  SEQRT_UINT16 = 4,
  SEQRT_INT16 = 5,
  SEQRT_INT32 = 6,
  SEQRT_INT64 = 7,
  SEQRT_STRING = 8, /* named only to be refused */
  SEQRT_BOOL = 9,
  SEQRT_FLOAT16 = 10,
  SEQRT_DOUBLE = 11,
  SEQRT_UINT32 = 12,
  SEQRT_UINT64 = 13,
  SEQRT_BFLOAT16 = 16
} seqrt_dtype;

/* ---- Version ---- */
SEQRT_C_EXPORT uint32_t seqrt_api_version(void);
/* The library's version, "0.1.0". */
SEQRT_C_EXPORT const char* seqrt_version_string(void);

/* ---- Status ---- */
SEQRT_C_EXPORT seqrt_code seqrt_status_code(const seqrt_status* status); /* SEQRT_OK for NULL */
/* The one-line message; valid until the status is released ("" for NULL). */
SEQRT_C_EXPORT const char* seqrt_status_message(const seqrt_status* status);
SEQRT_C_EXPORT void seqrt_status_release(seqrt_status* status);
/* "INVALID_ARGUMENT", "NOT_FOUND", ...; "UNKNOWN_CODE" for values outside the enum. */
SEQRT_C_EXPORT const char* seqrt_code_name(seqrt_code code);

/* ---- Element types ---- */
/* Bytes per element; 0 for SEQRT_UNDEFINED, SEQRT_STRING and unknown values. */
SEQRT_C_EXPORT size_t seqrt_dtype_size(seqrt_dtype dtype);
/* ONNX's lower-case name: "float", "int64", ...; "undefined" for unknown values. */
SEQRT_C_EXPORT const char* seqrt_dtype_name(seqrt_dtype dtype);

/* ---- Session options ---- */
SEQRT_C_EXPORT seqrt_status* seqrt_session_options_create(seqrt_session_options** out);
SEQRT_C_EXPORT void seqrt_session_options_release(seqrt_session_options* options);
/* Intra-op threads; 0 keeps the library default. Negative values are refused. */
SEQRT_C_EXPORT seqrt_status* seqrt_session_options_set_threads(seqrt_session_options* options, int threads);
/* 0: no graph optimizations, 1: basic, 2 and above: all (the default). Negative values are refused. */
SEQRT_C_EXPORT seqrt_status* seqrt_session_options_set_optimization_level(seqrt_session_options* options,
                                                                         int level);

/* Instruction set of seqrt's own vector kernels: "auto", "avx512", "avx2", "baseline", or NULL / ""
 * for the default ($SEQRT_ISA, else the best the CPU has). An unknown name is refused here; one
 * the CPU lacks makes seqrt_session_load fail with SEQRT_INVALID_ARGUMENT. */
SEQRT_C_EXPORT seqrt_status* seqrt_session_options_set_isa(seqrt_session_options* options, const char* isa);

/* ---- Sessions ---- */
/* Loads and validates a model. `options` may be NULL (defaults). On failure *out stays NULL. */
SEQRT_C_EXPORT seqrt_status* seqrt_session_load(const char* path, const seqrt_session_options* options,
                                                seqrt_session** out);
/* `data` is a serialized ModelProto; external data is resolved relative to `base_dir` (may be NULL). */
SEQRT_C_EXPORT seqrt_status* seqrt_session_load_from_bytes(const void* data, size_t size,
                                                           const seqrt_session_options* options,
                                                           const char* base_dir, seqrt_session** out);
SEQRT_C_EXPORT void seqrt_session_release(seqrt_session* session);

/* Introspection. Inputs are the ones the caller must supply, outputs are in model order. Strings
 * stay valid as long as the session. An out-of-range index yields NULL / SEQRT_UNDEFINED / -1. */
SEQRT_C_EXPORT size_t seqrt_session_input_count(const seqrt_session* session);
SEQRT_C_EXPORT size_t seqrt_session_output_count(const seqrt_session* session);
SEQRT_C_EXPORT const char* seqrt_session_input_name(const seqrt_session* session, size_t index);
SEQRT_C_EXPORT const char* seqrt_session_output_name(const seqrt_session* session, size_t index);
SEQRT_C_EXPORT seqrt_dtype seqrt_session_input_dtype(const seqrt_session* session, size_t index);
SEQRT_C_EXPORT seqrt_dtype seqrt_session_output_dtype(const seqrt_session* session, size_t index);
/* The rank, or -1 when the model gives no shape at all. */
SEQRT_C_EXPORT int64_t seqrt_session_input_rank(const seqrt_session* session, size_t index);
SEQRT_C_EXPORT int64_t seqrt_session_output_rank(const seqrt_session* session, size_t index);
/* One dim: its size, or -1 when symbolic or unknown. */
SEQRT_C_EXPORT int64_t seqrt_session_input_dim(const seqrt_session* session, size_t index, size_t axis);
SEQRT_C_EXPORT int64_t seqrt_session_output_dim(const seqrt_session* session, size_t index, size_t axis);
/* The dim's symbol ("batch"), or "" when it has none. */
SEQRT_C_EXPORT const char* seqrt_session_input_dim_symbol(const seqrt_session* session, size_t index,
                                                          size_t axis);
SEQRT_C_EXPORT const char* seqrt_session_output_dim_symbol(const seqrt_session* session, size_t index,
                                                           size_t axis);

/* Runs the model.
 *   inputs:  `input_count` tensors named by `input_names`.
 *   outputs: `output_count` slots for the outputs named by `output_names`; `output_names` NULL
 *            means the model's outputs in order (then output_count must equal the output count).
 *            A slot holding NULL receives a new tensor the library allocated (release it); a slot
 *            holding a tensor (seqrt_tensor_create or _wrap) is written in place: its dtype must
 *            match and its buffer must hold the result; its dims become the result's dims.
 * On failure no slot that held NULL is changed. */
SEQRT_C_EXPORT seqrt_status* seqrt_session_run(const seqrt_session* session, const char* const* input_names,
                                               const seqrt_tensor* const* inputs, size_t input_count,
                                               const char* const* output_names, seqrt_tensor** outputs,
                                               size_t output_count);

/* ---- Tensors: dense, row-major ---- */
/* A zero-filled tensor the library owns. */
SEQRT_C_EXPORT seqrt_status* seqrt_tensor_create(seqrt_dtype dtype, const int64_t* dims, size_t rank,
                                                 seqrt_tensor** out);
/* A tensor over the caller's `data` of `capacity_bytes` (not copied, not freed; keep it alive and
 * 64-byte aligned for best speed). The dims' bytes must fit in the capacity. */
SEQRT_C_EXPORT seqrt_status* seqrt_tensor_wrap(seqrt_dtype dtype, const int64_t* dims, size_t rank, void* data,
                                               size_t capacity_bytes, seqrt_tensor** out);
/* Reads a `.npy` file (by extension) or a serialized ONNX TensorProto (anything else). */
SEQRT_C_EXPORT seqrt_status* seqrt_tensor_read_file(const char* path, seqrt_tensor** out);
SEQRT_C_EXPORT void seqrt_tensor_release(seqrt_tensor* tensor);

SEQRT_C_EXPORT seqrt_dtype seqrt_tensor_dtype(const seqrt_tensor* tensor);
SEQRT_C_EXPORT size_t seqrt_tensor_rank(const seqrt_tensor* tensor);
/* `rank` dims; valid until the tensor is released or run into. */
SEQRT_C_EXPORT const int64_t* seqrt_tensor_dims(const seqrt_tensor* tensor);
SEQRT_C_EXPORT int64_t seqrt_tensor_element_count(const seqrt_tensor* tensor);
SEQRT_C_EXPORT size_t seqrt_tensor_byte_size(const seqrt_tensor* tensor);
SEQRT_C_EXPORT void* seqrt_tensor_data(seqrt_tensor* tensor);
SEQRT_C_EXPORT const void* seqrt_tensor_const_data(const seqrt_tensor* tensor);
/* The name a TensorProto file gave the tensor ("" otherwise). */
SEQRT_C_EXPORT const char* seqrt_tensor_name(const seqrt_tensor* tensor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEQRT_C_API_H_ */
