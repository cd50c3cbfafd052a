/* The installed C API from C11: the header compiles as C and the library answers. */
#include <stdio.h>

#include "seqrt/c_api.h"

int main(void) {
  if (seqrt_api_version() < SEQRT_API_VERSION) return 1;
  seqrt_session* s = NULL;
  seqrt_status* st = seqrt_session_load("/nonexistent.onnx", NULL, &s);
  int ok = st != NULL && seqrt_status_code(st) == SEQRT_NOT_FOUND && s == NULL;
  seqrt_status_release(st);
  printf("c consumer %s (seqrt %s, C API %u)\n", ok ? "ok" : "FAILED", seqrt_version_string(), seqrt_api_version());
  return ok ? 0 : 1;
}
