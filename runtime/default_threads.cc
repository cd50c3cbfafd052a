#include "runtime/default_threads.h"

#include <sched.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace seqrt::runtime {
namespace {

// Reads one integer from a sysfs file; -1 when it is missing.
int ReadInt(const std::string& path) {
  std::ifstream in(path);
  int v = -1;
  if (!(in >> v)) return -1;
  return v;
}

}  // namespace

int PhysicalCoresAvailable() {
  static const int cores = [] {
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return 1;
    std::set<std::pair<int, int>> seen;  // (package, core)
    int cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (!CPU_ISSET(cpu, &mask)) continue;
      ++cpus;
      const std::string topo = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
      const int package = ReadInt(topo + "physical_package_id");
      const int core = ReadInt(topo + "core_id");
      // Without topology (some containers), count the CPU itself as a core.
      seen.insert(core < 0 ? std::make_pair(-1, cpu) : std::make_pair(package, core));
    }
    return cpus == 0 ? 1 : static_cast<int>(seen.size());
  }();
  return cores;
}

int DefaultThreads() {
  // The variable itself, read once: omp_get_max_threads() would be the calling thread's own
  // setting, which a host program may have changed on that thread. Its first value counts
  // (OMP_NUM_THREADS may list one per nesting level).
  static const int from_env = [] {
    const char* env = std::getenv("OMP_NUM_THREADS");
    return env != nullptr ? std::atoi(env) : 0;
  }();
  return from_env > 0 ? from_env : PhysicalCoresAvailable();
}

}  // namespace seqrt::runtime
