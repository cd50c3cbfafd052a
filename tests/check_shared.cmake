# Fails with a plain message when the shared/ folder (real models, benchmark models, the list of
# excluded node tests) is not beside the checkout.
if(NOT EXISTS "${DIR}/onnx_node_tests_excluded.txt" OR NOT IS_DIRECTORY "${DIR}/models/real")
  message(FATAL_ERROR "shared material is absent: expected ${DIR}/onnx_node_tests_excluded.txt and "
                      "${DIR}/models/real (set -DSEQRT_SHARED_DIR=...); node and real-model tests cannot run")
endif()
message(STATUS "shared material found at ${DIR}")
