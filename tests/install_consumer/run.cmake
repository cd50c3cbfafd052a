# Installs seqrt into a scratch prefix, then configures, builds and runs a consumer program that
# finds it with find_package(seqrt) and with pkg-config.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/install_consumer" -B "${WORK_DIR}/build"
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer with find_package(seqrt) failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed (${rc})")
endif()
execute_process(COMMAND "${WORK_DIR}/build/consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc OR NOT out MATCHES "consumer ok")
  message(FATAL_ERROR "the consumer program failed (${rc}): ${out}")
endif()
execute_process(COMMAND "${WORK_DIR}/build/c_consumer" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc OR NOT out MATCHES "c consumer ok")
  message(FATAL_ERROR "the C consumer program failed (${rc}): ${out}")
endif()
# The Python package lands in the prefix's dist-packages and finds the installed libseqrt.
if(EXISTS "${BUILD_DIR}/python/seqrt")
  set(site "${WORK_DIR}/prefix/lib/python3/dist-packages")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${site} /usr/bin/python3 -c
                          "import sys, seqrt; assert seqrt.__file__.startswith(sys.argv[1]), seqrt.__file__; print('python ok', seqrt.__file__)"
                          "${site}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${out}")
  if(rc)
    message(FATAL_ERROR "importing the installed seqrt package failed (${rc}): ${err}")
  endif()
endif()
file(READ "${WORK_DIR}/prefix/lib/pkgconfig/seqrt.pc" pc)
if(NOT pc MATCHES "-lseqrt")
  message(FATAL_ERROR "seqrt.pc was not installed correctly")
endif()
