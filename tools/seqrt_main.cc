// `seqrt`: one binary, one subcommand per job.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "tools/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: seqrt <command> [options]\n"
    "\n"
    "commands:\n"
    "  info MODEL        producer, opsets, inputs/outputs, operators; --plan: kernels and memory plan\n"
    "  run MODEL         run once on given or seeded random inputs; print or write the outputs\n"
    "  perf MODEL        latency, throughput and memory, like onnxruntime_perf_test\n"
    "  profile MODEL     per-node time table and a Chrome trace\n"
    "  test DIR...       run ONNX backend-style test cases (model.onnx + test_data_set_N)\n"
    "  train ...         train a small recurrent model on .npy data and export it to ONNX\n"
    "\n"
    "Run 'seqrt <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::map<std::string, std::function<int(const seqrt::tools::Args&)>> commands = {
      {"info", seqrt::tools::RunInfoCommand},
      {"run", seqrt::tools::RunRunCommand},
      {"perf", seqrt::tools::RunPerfCommand},
      {"profile", seqrt::tools::RunProfileCommand},
      {"test", seqrt::tools::RunTestCommand},
      {"train", seqrt::tools::RunTrainCommand},
  };
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::fprintf(stderr, "seqrt: unknown command '%s'\n%s", argv[1], kUsage);
    return 2;
  }
  return it->second(seqrt::tools::Args(argv + 2, argv + argc));
}
