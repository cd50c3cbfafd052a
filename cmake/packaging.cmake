# Debian packages through CPack (scripts/build-debs.sh drives it):
#   libseqrt0      the shared library                       (component lib)
#   libseqrt-dev   headers, CMake config, pkg-config file   (component dev)
#   seqrt          the command line                         (component cli)
#   python3-seqrt  the Python module for Debian's python3   (component python)
# Library dependencies come from dpkg-shlibdeps; the rest are named here. Build with
# -DCMAKE_INSTALL_PREFIX=/usr so the files land where Debian expects them.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME seqrt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "seqrt")
set(CPACK_PACKAGE_CONTACT "seqrt maintainers <seqrt@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "runtime for ONNX sequence models (RNN, LSTM, GRU)")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL lib dev cli)
if(SEQRT_BUILD_PYTHON)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The CLI and the Python module need libseqrt.so.0 from this build, not from a package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(SEQRT_DEB_LIB_DEP "libseqrt0 (= ${PROJECT_VERSION})")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libseqrt0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_LIB_DESCRIPTION "seqrt runtime library\n Loads ONNX sequence models and runs them on oneDNN-backed kernels;\n C and C++ API.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libseqrt-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The public C++ headers include absl's Status; seqrtConfig.cmake finds absl.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${SEQRT_DEB_LIB_DEP}, libabsl-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "seqrt development files\n Headers (C and C++), CMake package and pkg-config file for libseqrt.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME seqrt)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "${SEQRT_DEB_LIB_DEP}")
set(CPACK_COMPONENT_CLI_DESCRIPTION "seqrt command line\n seqrt info/run/perf/profile/test/train for ONNX sequence models.")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-seqrt)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "${SEQRT_DEB_LIB_DEP}, python3 (>= 3.11), python3 (<< 3.12), python3-numpy")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION "seqrt for Python 3\n InferenceSession with onnxruntime's API shape, plans and the trainer.")

include(CPack)
