// How many threads a session uses when SessionOptions::threads is 0 (the default).
#pragma once

namespace seqrt::runtime {

// OMP_NUM_THREADS when it is set (its first value; the usual way to cap OpenMP programs), else one thread per
// physical core this process may run on, as ONNX Runtime defaults to: hyperthread siblings
// share a core's vector units, and the recurrent kernels are bound by them.
int DefaultThreads();

// Physical cores among the CPUs in this process's affinity mask (>= 1).
int PhysicalCoresAvailable();

}  // namespace seqrt::runtime
