// `seqrt run MODEL`: one inference on given or seeded random inputs; outputs written and/or printed.
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "seqrt/session.h"
#include "seqrt/status.h"
#include "seqrt/tensor_io.h"
#include "tools/cli_common.h"
#include "tools/commands.h"
#include "tools/stream_cli.h"
#include "tools/tensor_print.h"

namespace seqrt::tools {
namespace {

constexpr char kCommand[] = "run";

std::string Usage() {
  return absl::StrCat(
      "usage: seqrt run MODEL [--input NAME=FILE ...] [--shape NAME=DIMS ...] [-f DIM:VALUE ...] [-S SEED]\n"
      "                 [-o LEVEL] [-x THREADS] [--output-dir DIR] [--output-format pb|npy] [--print]\n"
      "\n"
      "Runs the model once. Inputs not given with --input get seeded random data of the model's\n"
      "dtype (floats uniform in [-1, 1], integers in [0, 10)); symbolic dims are 1 unless set.\n"
      "Outputs are printed (large tensors summarized, top-5 for probabilities) unless written with\n"
      "--output-dir; --print prints them as well.\n"
      "\n",
      kInputOptionsHelp, kSessionOptionsHelp,
      "  --output-dir DIR       write each output to DIR/NAME.pb (or .npy)\n"
      "  --output-format FMT    pb (TensorProto, default) or npy\n"
      "  --save-inputs          also write the inputs used to DIR/inputs/NAME.pb (or .npy)\n"
      "  --print                print the outputs even with --output-dir\n"
      "  --stream N             run through a seqrt::Stream in chunks of N time steps (give the\n"
      "                         time dim with -f/--shape); prints per-chunk summaries\n"
      "  --check                with --stream: compare the stitched outputs with one full run\n",
      kStreamOptionsHelp);
}

absl::Status WriteAll(const std::filesystem::path& dir, const std::string& ext,
                      const std::vector<std::pair<std::string, const Tensor*>>& tensors) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir.string(), ": cannot create directory: ", ec.message()));
  for (const auto& [name, t] : tensors) {
    const std::string path = (dir / (SafeFileName(name) + ext)).string();
    SEQRT_RETURN_IF_ERROR(WriteTensorFile(path, *t, name));
  }
  return absl::OkStatus();
}

}  // namespace

int RunRunCommand(const Args& args) {
  ArgParser parser;
  AddInputOptions(parser);
  AddSessionOptions(parser);
  AddStreamOptions(parser);
  parser.Option("output-dir").Option("output-format").Flag("save-inputs").Flag("print").Option("stream").Flag("check");
  if (absl::Status s = parser.Parse(args); !s.ok()) return UsageError(kCommand, std::string(s.message()));
  if (parser.help()) {
    std::fputs(Usage().c_str(), stdout);
    return kExitOk;
  }
  if (parser.positional().size() != 1) return UsageError(kCommand, "expected exactly one MODEL");
  auto spec = ParseInputSpec(parser);
  if (!spec.ok()) return UsageError(kCommand, std::string(spec.status().message()));
  auto session_options = ParseSessionOptions(parser);
  if (!session_options.ok()) return UsageError(kCommand, std::string(session_options.status().message()));
  const std::string format = parser.get("output-format", "pb");
  if (format != "pb" && format != "npy")
    return UsageError(kCommand, absl::StrCat("--output-format must be pb or npy, got '", format, "'"));
  const std::string out_dir = parser.get("output-dir");
  if (parser.has("save-inputs") && out_dir.empty()) return UsageError(kCommand, "--save-inputs needs --output-dir");

  auto session = LoadSession(parser.positional()[0], *session_options);
  if (!session.ok()) return ModelError(kCommand, session.status());
  auto inputs = PrepareInputs(*session, *spec);
  if (!inputs.ok()) return ModelError(kCommand, inputs.status());
  if (parser.has("stream")) {
    auto chunk = parser.GetInt("stream", 1, 1);
    if (!chunk.ok()) return UsageError(kCommand, std::string(chunk.status().message()));
    if (!out_dir.empty()) return UsageError(kCommand, "--stream does not write outputs (no --output-dir)");
    auto stream_options = ParseStreamOptions(parser);
    if (!stream_options.ok()) return UsageError(kCommand, std::string(stream_options.status().message()));
    return RunStreamMode(*session, *stream_options, *inputs, *chunk, parser.has("check"), parser.has("print"));
  }
  if (parser.has("check")) return UsageError(kCommand, "--check needs --stream");
  auto outputs = session->Run(inputs->views());
  if (!outputs.ok()) return ModelError(kCommand, outputs.status());

  if (!out_dir.empty()) {
    const std::string ext = "." + format;
    std::vector<std::pair<std::string, const Tensor*>> outs;
    for (size_t i = 0; i < outputs->size(); ++i) outs.emplace_back(session->outputs()[i].name, &(*outputs)[i]);
    if (absl::Status s = WriteAll(out_dir, ext, outs); !s.ok()) return ModelError(kCommand, s);
    if (parser.has("save-inputs")) {
      std::vector<std::pair<std::string, const Tensor*>> ins;
      for (const auto& [name, t] : inputs->tensors) ins.emplace_back(name, &t);
      if (absl::Status s = WriteAll(std::filesystem::path(out_dir) / "inputs", ext, ins); !s.ok())
        return ModelError(kCommand, s);
    }
  }
  if (out_dir.empty() || parser.has("print")) {
    for (const auto& [name, t] : inputs->tensors)
      std::printf("input %s: %s %s\n", name.c_str(), std::string(DTypeName(t.dtype())).c_str(),
                  DimsToString(t.dims()).c_str());
    for (size_t i = 0; i < outputs->size(); ++i)
      std::fputs(FormatTensor(session->outputs()[i].name, (*outputs)[i]).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace seqrt::tools
