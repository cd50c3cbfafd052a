/* The C API from a C11 program: every real model in the given folders (ONNX backend-style cases:
 * model.onnx + test_data_set_0/{input,output}_K.pb with outputs from ONNX Runtime) is loaded,
 * introspected, run with library-allocated outputs and compared with the expected outputs
 * (rtol 1e-3, atol 1e-5 as in shared/models/real/SOURCES.md), then run again into
 * caller-provided tensors; bad calls must fail with the right code and a message.
 *
 *   c_api_test CASE_DIR...        exit 0 when every check passed
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "seqrt/c_api.h"

static int failures = 0;

#define CHECK(cond, ...)                                            \
  do {                                                              \
    if (!(cond)) {                                                  \
      fprintf(stderr, "FAIL %s:%d (%s): ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                 \
      fputc('\n', stderr);                                          \
      failures++;                                                   \
    }                                                               \
  } while (0)

/* Expects success; prints the status and returns 0 otherwise. */
static int ok(seqrt_status* st, const char* what) {
  if (st == NULL) return 1;
  fprintf(stderr, "FAIL %s: %s %s\n", what, seqrt_code_name(seqrt_status_code(st)), seqrt_status_message(st));
  seqrt_status_release(st);
  failures++;
  return 0;
}

/* Expects failure with `code` and a message containing `needle`. */
static void expect_error(seqrt_status* st, seqrt_code code, const char* needle, const char* what) {
  CHECK(st != NULL, "%s: succeeded, expected %s", what, seqrt_code_name(code));
  if (st == NULL) return;
  CHECK(seqrt_status_code(st) == code, "%s: code %s, expected %s (%s)", what, seqrt_code_name(seqrt_status_code(st)),
        seqrt_code_name(code), seqrt_status_message(st));
  CHECK(strstr(seqrt_status_message(st), needle) != NULL, "%s: message '%s' lacks '%s'", what,
        seqrt_status_message(st), needle);
  CHECK(strchr(seqrt_status_message(st), '\n') == NULL, "%s: message is not one line", what);
  seqrt_status_release(st);
}

static int file_exists(const char* path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

static double half_to_double(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (exp == 0) return sign * ldexp(mant, -24);
  if (exp == 31) return mant ? NAN : sign * INFINITY;
  return sign * ldexp(mant + 1024, exp - 25);
}

/* Element i of a tensor as double (the reference check is done in double). */
static double element(const seqrt_tensor* t, int64_t i) {
  const void* d = seqrt_tensor_const_data(t);
  switch (seqrt_tensor_dtype(t)) {
    case SEQRT_FLOAT: return ((const float*)d)[i];
    case SEQRT_DOUBLE: return ((const double*)d)[i];
    case SEQRT_FLOAT16: return half_to_double(((const uint16_t*)d)[i]);
    case SEQRT_BFLOAT16: {
      uint32_t u = (uint32_t)((const uint16_t*)d)[i] << 16;
      float f;
      memcpy(&f, &u, sizeof f);
      return f;
    }
    case SEQRT_INT8: return ((const int8_t*)d)[i];
    case SEQRT_UINT8: return ((const uint8_t*)d)[i];
    case SEQRT_INT16: return ((const int16_t*)d)[i];
    case SEQRT_UINT16: return ((const uint16_t*)d)[i];
    case SEQRT_INT32: return ((const int32_t*)d)[i];
    case SEQRT_UINT32: return ((const uint32_t*)d)[i];
    case SEQRT_INT64: return (double)((const int64_t*)d)[i];
    case SEQRT_UINT64: return (double)((const uint64_t*)d)[i];
    case SEQRT_BOOL: return ((const uint8_t*)d)[i] ? 1.0 : 0.0;
    default: return NAN;
  }
}

/* 1 when `got` matches `want` in dtype, dims and values (|got-want| <= 1e-5 + 1e-3 |want|). */
static int same_tensor(const seqrt_tensor* got, const seqrt_tensor* want, const char* what) {
  if (seqrt_tensor_dtype(got) != seqrt_tensor_dtype(want)) {
    fprintf(stderr, "FAIL %s: dtype %s, expected %s\n", what, seqrt_dtype_name(seqrt_tensor_dtype(got)),
            seqrt_dtype_name(seqrt_tensor_dtype(want)));
    return 0;
  }
  size_t rank = seqrt_tensor_rank(got);
  if (rank != seqrt_tensor_rank(want) ||
      (rank > 0 && memcmp(seqrt_tensor_dims(got), seqrt_tensor_dims(want), rank * sizeof(int64_t)) != 0)) {
    fprintf(stderr, "FAIL %s: dims differ (rank %zu vs %zu)\n", what, rank, seqrt_tensor_rank(want));
    return 0;
  }
  int64_t n = seqrt_tensor_element_count(got);
  for (int64_t i = 0; i < n; ++i) {
    double x = element(got, i), y = element(want, i);
    if (isnan(x) && isnan(y)) continue;
    if (!(fabs(x - y) <= 1e-5 + 1e-3 * fabs(y))) {
      fprintf(stderr, "FAIL %s: element %lld is %.9g, expected %.9g\n", what, (long long)i, x, y);
      return 0;
    }
  }
  return 1;
}

static void check_globals(void) {
  CHECK(seqrt_api_version() >= SEQRT_API_VERSION, "library API %u older than header %d", seqrt_api_version(),
        SEQRT_API_VERSION);
  CHECK(strlen(seqrt_version_string()) > 0, "empty version string");
  CHECK(strcmp(seqrt_code_name(SEQRT_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0, "code name");
  CHECK(seqrt_status_code(NULL) == SEQRT_OK && strcmp(seqrt_status_message(NULL), "") == 0, "NULL status is OK");
  CHECK(seqrt_dtype_size(SEQRT_FLOAT16) == 2 && seqrt_dtype_size(SEQRT_STRING) == 0, "dtype sizes");
  CHECK(strcmp(seqrt_dtype_name(SEQRT_INT64), "int64") == 0, "dtype name");

  seqrt_session* s = NULL;
  expect_error(seqrt_session_load("/nonexistent/model.onnx", NULL, &s), SEQRT_NOT_FOUND, "/nonexistent/model.onnx",
               "load of a missing file");
  CHECK(s == NULL, "failed load left a session");
  const char junk[] = "this is not a protobuf";
  seqrt_status* st = seqrt_session_load_from_bytes(junk, sizeof junk, NULL, NULL, &s);
  CHECK(st != NULL && s == NULL, "junk bytes loaded");
  seqrt_status_release(st);
  expect_error(seqrt_session_load(NULL, NULL, &s), SEQRT_INVALID_ARGUMENT, "path is NULL", "NULL path");

  seqrt_session_options* opts = NULL;
  if (ok(seqrt_session_options_create(&opts), "options")) {
    expect_error(seqrt_session_options_set_threads(opts, -1), SEQRT_INVALID_ARGUMENT, "negative", "threads -1");
    CHECK(seqrt_session_options_set_threads(opts, 1) == NULL, "threads 1");
    CHECK(seqrt_session_options_set_optimization_level(opts, 0) == NULL, "level 0");
    expect_error(seqrt_session_options_set_isa(opts, "sse9"), SEQRT_INVALID_ARGUMENT, "'sse9' is not one of",
                 "isa sse9");
    CHECK(seqrt_session_options_set_isa(opts, "baseline") == NULL, "isa baseline");
    CHECK(seqrt_session_options_set_isa(opts, NULL) == NULL, "isa NULL (the default)");
    seqrt_session_options_release(opts);
  }

  int64_t dims[2] = {2, 3};
  seqrt_tensor* t = NULL;
  if (ok(seqrt_tensor_create(SEQRT_FLOAT, dims, 2, &t), "tensor_create")) {
    CHECK(seqrt_tensor_byte_size(t) == 24 && seqrt_tensor_element_count(t) == 6, "created tensor size");
    CHECK(((const float*)seqrt_tensor_const_data(t))[5] == 0.0f, "created tensor is zeroed");
    seqrt_tensor_release(t);
  }
  float small[4];
  expect_error(seqrt_tensor_wrap(SEQRT_FLOAT, dims, 2, small, sizeof small, &t), SEQRT_INVALID_ARGUMENT, "needs 24 bytes",
               "wrap of a short buffer");
  int64_t negative[1] = {-2};
  expect_error(seqrt_tensor_create(SEQRT_FLOAT, negative, 1, &t), SEQRT_INVALID_ARGUMENT, "negative", "negative dim");
  expect_error(seqrt_tensor_create(SEQRT_STRING, dims, 2, &t), SEQRT_INVALID_ARGUMENT, "dtype", "string tensor");
  seqrt_tensor_release(NULL);
  seqrt_session_release(NULL);
  seqrt_status_release(NULL);
}

#define MAX_IO 16

/* One real-model case; returns 1 when it passed. */
static int run_case(const char* dir) {
  int failures_before = failures;
  char path[4096];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  seqrt_session* s = NULL;
  if (!ok(seqrt_session_load(path, NULL, &s), path)) return 0;

  size_t n_in = seqrt_session_input_count(s), n_out = seqrt_session_output_count(s);
  CHECK(n_out > 0 && n_out <= MAX_IO && n_in <= MAX_IO, "%s: %zu inputs, %zu outputs", dir, n_in, n_out);
  CHECK(seqrt_session_input_name(s, n_in) == NULL && seqrt_session_output_dim(s, n_out, 0) == -1,
        "%s: out-of-range introspection", dir);

  seqrt_tensor* inputs[MAX_IO] = {0};
  const char* names[MAX_IO] = {0};
  size_t count = 0;
  for (; count < MAX_IO; ++count) {
    snprintf(path, sizeof path, "%s/test_data_set_0/input_%zu.pb", dir, count);
    if (!file_exists(path)) break;
    if (!ok(seqrt_tensor_read_file(path, &inputs[count]), path)) break;
    names[count] = seqrt_tensor_name(inputs[count]);
    if (names[count][0] == '\0') names[count] = seqrt_session_input_name(s, count);
    /* Introspection agrees with the data: same dtype, rank, and every known dim. */
    for (size_t i = 0; i < n_in; ++i) {
      if (names[count] == NULL || strcmp(seqrt_session_input_name(s, i), names[count]) != 0) continue;
      CHECK(seqrt_session_input_dtype(s, i) == seqrt_tensor_dtype(inputs[count]), "%s: input %s dtype", dir, names[count]);
      int64_t rank = seqrt_session_input_rank(s, i);
      if (rank >= 0) {
        CHECK((size_t)rank == seqrt_tensor_rank(inputs[count]), "%s: input %s rank", dir, names[count]);
        for (int64_t a = 0; a < rank && (size_t)a < seqrt_tensor_rank(inputs[count]); ++a) {
          int64_t d = seqrt_session_input_dim(s, i, (size_t)a);
          const char* sym = seqrt_session_input_dim_symbol(s, i, (size_t)a);
          CHECK(sym != NULL, "%s: dim symbol NULL", dir);
          CHECK(d == -1 || d == seqrt_tensor_dims(inputs[count])[a], "%s: input %s dim %lld", dir, names[count],
                (long long)a);
        }
      }
    }
  }

  /* Library-allocated outputs, all of them in model order. */
  seqrt_tensor* outputs[MAX_IO] = {0};
  if (ok(seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, NULL, outputs, n_out), dir)) {
    for (size_t k = 0; k < n_out; ++k) {
      snprintf(path, sizeof path, "%s/test_data_set_0/output_%zu.pb", dir, k);
      if (!file_exists(path)) continue;
      seqrt_tensor* want = NULL;
      if (!ok(seqrt_tensor_read_file(path, &want), path)) continue;
      size_t index = k;
      for (size_t i = 0; i < n_out; ++i)
        if (strcmp(seqrt_tensor_name(want), seqrt_session_output_name(s, i)) == 0) index = i;
      char what[4200];
      snprintf(what, sizeof what, "%s output %s", dir, seqrt_session_output_name(s, index));
      if (!same_tensor(outputs[index], want, what)) failures++;
      CHECK(seqrt_session_output_dtype(s, index) == SEQRT_UNDEFINED ||
                seqrt_session_output_dtype(s, index) == seqrt_tensor_dtype(outputs[index]),
            "%s: declared dtype differs", what);

      /* The same output into a caller-provided tensor, asked for by name: the same bytes. */
      seqrt_tensor* mine = NULL;
      if (ok(seqrt_tensor_create(seqrt_tensor_dtype(want), seqrt_tensor_dims(want), seqrt_tensor_rank(want), &mine),
             "caller tensor")) {
        const char* out_name = seqrt_session_output_name(s, index);
        if (ok(seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, &out_name, &mine, 1), what)) {
          CHECK(seqrt_tensor_byte_size(mine) == seqrt_tensor_byte_size(outputs[index]) &&
                    memcmp(seqrt_tensor_const_data(mine), seqrt_tensor_const_data(outputs[index]),
                           seqrt_tensor_byte_size(mine)) == 0,
                "%s: caller-provided output differs from the allocated one", what);
        }
        seqrt_tensor_release(mine);
      }
      seqrt_tensor_release(want);
    }
  }
  /* The same output asked for twice: two tensors of their own with the same bytes. */
  if (outputs[0] != NULL) {
    const char* twice[2] = {seqrt_session_output_name(s, 0), seqrt_session_output_name(s, 0)};
    seqrt_tensor* pair[2] = {NULL, NULL};
    if (ok(seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, twice, pair, 2), "twice")) {
      CHECK(pair[0] != pair[1] && seqrt_tensor_const_data(pair[0]) != seqrt_tensor_const_data(pair[1]),
            "%s: one output asked twice shares a buffer", dir);
      CHECK(seqrt_tensor_byte_size(pair[0]) == seqrt_tensor_byte_size(outputs[0]) &&
                seqrt_tensor_byte_size(pair[1]) == seqrt_tensor_byte_size(outputs[0]) &&
                memcmp(seqrt_tensor_const_data(pair[0]), seqrt_tensor_const_data(outputs[0]),
                       seqrt_tensor_byte_size(pair[0])) == 0 &&
                memcmp(seqrt_tensor_const_data(pair[1]), seqrt_tensor_const_data(outputs[0]),
                       seqrt_tensor_byte_size(pair[1])) == 0,
            "%s: one output asked twice differs", dir);
      seqrt_tensor_release(pair[0]);
      seqrt_tensor_release(pair[1]);
    }
  }
  for (size_t k = 0; k < n_out; ++k) seqrt_tensor_release(outputs[k]);

  /* Bad calls on a real model: unknown output, wrong dtype for the first input, short buffer. */
  if (count > 0) {
    const char* bogus = "no_such_output";
    seqrt_tensor* slot = NULL;
    expect_error(seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, &bogus, &slot, 1),
                 SEQRT_INVALID_ARGUMENT, "unknown output 'no_such_output'", "unknown output");
    CHECK(slot == NULL, "failed run filled a slot");

    seqrt_dtype wrong = seqrt_tensor_dtype(inputs[0]) == SEQRT_DOUBLE ? SEQRT_FLOAT : SEQRT_DOUBLE;
    seqrt_tensor* bad = NULL;
    if (ok(seqrt_tensor_create(wrong, seqrt_tensor_dims(inputs[0]), seqrt_tensor_rank(inputs[0]), &bad), "bad")) {
      seqrt_tensor* saved = inputs[0];
      inputs[0] = bad;
      seqrt_tensor* out[MAX_IO] = {0};
      char needle[512];
      snprintf(needle, sizeof needle, "input '%s'", names[0]);
      expect_error(seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, NULL, out, n_out),
                   SEQRT_INVALID_ARGUMENT, needle, "wrong input dtype");
      inputs[0] = saved;
      seqrt_tensor_release(bad);
    }

    float one = 0;
    int64_t scalar_dims[1] = {0};
    seqrt_tensor* tiny = NULL;
    if (seqrt_session_output_dtype(s, 0) == SEQRT_FLOAT &&
        ok(seqrt_tensor_wrap(SEQRT_FLOAT, scalar_dims, 1, &one, 0, &tiny), "tiny")) {
      const char* first = seqrt_session_output_name(s, 0);
      seqrt_status* st = seqrt_session_run(s, names, (const seqrt_tensor* const*)inputs, count, &first, &tiny, 1);
      /* An output with elements cannot fit a zero-byte buffer. */
      expect_error(st, SEQRT_INVALID_ARGUMENT, "bytes", "short caller buffer");
      seqrt_tensor_release(tiny);
    }
  }

  for (size_t k = 0; k < count; ++k) seqrt_tensor_release(inputs[k]);
  seqrt_session_release(s);
  return failures == failures_before;
}

int main(int argc, char** argv) {
  check_globals();
  int passed = 0, cases = 0;
  for (int i = 1; i < argc; ++i) {
    ++cases;
    int good = run_case(argv[i]);
    passed += good;
    printf("%s %s\n", good ? "ok  " : "FAIL", argv[i]);
  }
  printf("c_api_test: %d/%d models passed, %d failed checks\n", passed, cases, failures);
  return failures == 0 ? 0 : 1;
}
