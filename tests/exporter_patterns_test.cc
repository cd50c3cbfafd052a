// Exporter-pattern models (issue 4): Keras networks with native recurrent nodes as tf2onnx and
// keras2onnx emit them (tests/exporter_patterns/keras_native_patterns.py, expected outputs from a
// numpy Keras written from Keras' equations) and PyTorch networks exported by torch.onnx.export
// (tests/exporter_patterns/torch_patterns.py, expected outputs from torch in float64).
//
// Each test generates its backend-style case(s) into a scratch folder private to the process
// (python -B: nothing is written beside the scripts), checks each with `seqrt test` (the binary
// ctest names in SEQRT_CLI) at rtol 1e-4 / atol 1e-5, and checks through the Session API that
// every recurrent node of the plan got a fast kernel: every float32 RNN / GRU / LSTM should
// (tests/recurrent_kernel_choice_test.cc), masked sequence_lens included, so a silent fallback
// to the reference kernel fails here.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/scratch_dir.h"

namespace seqrt::testing {
namespace {

namespace fs = std::filesystem;

struct PatternCase {
  std::string name;                  // the generator's --case argument
  std::map<std::string, int> nodes;  // recurrent op type -> nodes the export must contain
};

void PrintTo(const PatternCase& c, std::ostream* os) { *os << c.name; }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `command`, its stdout and stderr going to `log`; returns the exit status and the log.
std::pair<int, std::string> RunShell(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " > '" + log.string() + "' 2>&1").c_str());
  return {status, ReadText(log)};
}

// Generates `cases` of `script` into a fresh scratch folder; returns it ("" after a failure).
std::string Generate(const std::string& script_name, const std::vector<std::string>& cases) {
  const std::string out =
      ProcessScratchDir("exporter_patterns_" + (cases.size() == 1 ? cases[0] : fs::path(script_name).stem().string()));
  fs::create_directories(out);
  fs::path script = fs::path(__FILE__).parent_path() / "exporter_patterns" / script_name;
  if (script.is_relative()) script = fs::path(SEQRT_TEST_BINARY_DIR) / script;
  std::string command = "/usr/bin/python3 -B '" + script.string() + "' --out '" + out + "'";
  for (const std::string& c : cases) command += " --case " + c;
  auto [status, log] = RunShell(command, out + "/generate.log");
  if (status != 0) {
    ADD_FAILURE() << "the generator failed (torch cases need Debian's python3-torch, which "
                     "scripts/install-deps.sh installs): "
                  << command << "\n"
                  << log;
    return "";
  }
  return out;
}

// `seqrt test` passes the case, and every recurrent node of its plan has a fast kernel.
void CheckCase(const fs::path& dir, const std::map<std::string, int>& expected_nodes) {
  const char* cli = std::getenv("SEQRT_CLI");
  ASSERT_NE(cli, nullptr) << "SEQRT_CLI is not set (run through ctest, or export SEQRT_CLI=<build>/seqrt)";

  // 1. The outputs, through the CLI exactly as users run conformance cases.
  auto [status, log] = RunShell(std::string("'") + cli + "' test --rtol 1e-4 --atol 1e-5 '" + dir.string() + "'",
                                dir.string() + ".test.log");
  EXPECT_EQ(status, 0) << log;
  EXPECT_NE(log.find("1 passed, 0 failed"), std::string::npos) << log;

  // 2. The kernels the plan chose for the test data's dims.
  std::vector<std::pair<std::string, Dims>> dims;
  for (int k = 0;; ++k) {
    const fs::path pb = dir / "test_data_set_0" / ("input_" + std::to_string(k) + ".pb");
    if (!fs::exists(pb)) break;
    std::string name;
    absl::StatusOr<Tensor> t = ReadTensorFile(pb.string(), &name);
    ASSERT_TRUE(t.ok()) << t.status();
    dims.emplace_back(name, t->dims());
  }
  ASSERT_FALSE(dims.empty()) << "no inputs in " << dir;
  absl::StatusOr<Session> session = Session::Load((dir / "model.onnx").string());
  ASSERT_TRUE(session.ok()) << session.status();
  absl::StatusOr<PlanInfo> plan = session->DescribePlan(dims);
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::map<std::string, int> found;
  for (const PlannedNode& n : plan->nodes) {
    if (n.op_type != "RNN" && n.op_type != "GRU" && n.op_type != "LSTM") continue;
    ++found[n.op_type];
    EXPECT_NE(n.kernel, "reference") << n.op_type << " node '" << n.name << "' fell back to the reference kernel";
    EXPECT_FALSE(n.kernel.empty()) << n.name;
  }
  EXPECT_EQ(found, expected_nodes) << "recurrent nodes in the plan differ from what the exporter emits";
}

// Keras through tf2onnx (Transpose to time-major, zero states from Shape, Squeeze of the
// num_directions axis, Slice of the last step) and keras2onnx (opsets 11-13, sequence_lens from
// masks, Transpose [2,0,1,3] + Reshape outputs). Cheap to generate: one process per case.
const std::vector<PatternCase>& KerasCases() {
  static const std::vector<PatternCase> cases = {
      {"lstm", {{"LSTM", 1}}},
      {"lstm_hard_sigmoid", {{"LSTM", 1}}},
      {"gru_reset_after", {{"GRU", 1}}},
      {"gru_reset_before", {{"GRU", 1}}},
      {"simple_rnn", {{"RNN", 1}}},
      {"bidirectional_lstm", {{"LSTM", 1}}},
      {"bidirectional_gru", {{"GRU", 1}}},
      {"stacked", {{"LSTM", 2}, {"GRU", 1}}},
      {"time_distributed", {{"LSTM", 1}}},
      {"embedding", {{"GRU", 1}}},
      {"embedding_mask_zero", {{"GRU", 1}}},
      {"masking", {{"LSTM", 1}, {"GRU", 1}}},
      {"masked_bidirectional", {{"LSTM", 1}}},
      {"go_backwards_tf2onnx", {{"LSTM", 1}}},
      {"go_backwards_keras2onnx", {{"GRU", 1}}},
  };
  return cases;
}

class KerasNativePatterns : public ::testing::TestWithParam<PatternCase> {};

TEST_P(KerasNativePatterns, MatchesNumpyKeras) {
  const PatternCase& c = GetParam();
  const std::string out = Generate("keras_native_patterns.py", {c.name});
  ASSERT_FALSE(out.empty());
  CheckCase(fs::path(out) / ("keras_native_" + c.name), c.nodes);
}

INSTANTIATE_TEST_SUITE_P(Models, KerasNativePatterns, ::testing::ValuesIn(KerasCases()),
                         [](const ::testing::TestParamInfo<PatternCase>& info) { return info.param.name; });

// PyTorch through torch.onnx.export: one node per layer. Importing torch costs seconds, so one
// process generates and checks them all; failures name the case.
TEST(TorchPatterns, MatchTorch) {
  const std::vector<PatternCase> cases = {
      {"lstm_2layer_batch_first", {{"LSTM", 2}}},
      {"lstm_bidirectional_2layer", {{"LSTM", 2}}},
      {"lstm_given_states", {{"LSTM", 1}}},
      {"gru_bidirectional", {{"GRU", 1}}},
      {"gru_2layer", {{"GRU", 2}}},
      {"rnn_2layer_batch_first", {{"RNN", 2}}},
      {"rnn_relu_bidirectional", {{"RNN", 1}}},
  };
  std::vector<std::string> names;
  for (const PatternCase& c : cases) names.push_back(c.name);
  const std::string out = Generate("torch_patterns.py", names);
  ASSERT_FALSE(out.empty());
  for (const PatternCase& c : cases) {
    SCOPED_TRACE("torch_" + c.name);
    CheckCase(fs::path(out) / ("torch_" + c.name), c.nodes);
  }
}

// Audio and OCR models around recurrent layers (issue 15, tests/exporter_patterns/
// torch_audio_patterns.py): a CRNN recognizer (Conv, BatchNormalization, MaxPool, bidirectional
// LSTM, LogSoftmax), a speech enhancer (Conv, GRU, ConvTranspose, ScatterND from `x[:, 0] = y`)
// and an STFT + mel front end feeding an LSTM. One generator process per case, so each case
// passes or fails on its own.
const std::vector<PatternCase>& TorchAudioCases() {
  static const std::vector<PatternCase> cases = {
      {"crnn", {{"LSTM", 1}}},
      {"enhancer", {{"GRU", 1}}},
      {"stft_lstm", {{"LSTM", 1}}},
  };
  return cases;
}

class TorchAudioPatterns : public ::testing::TestWithParam<PatternCase> {};

TEST_P(TorchAudioPatterns, MatchesTorch) {
  const PatternCase& c = GetParam();
  const std::string out = Generate("torch_audio_patterns.py", {c.name});
  ASSERT_FALSE(out.empty());
  CheckCase(fs::path(out) / ("torch_audio_" + c.name), c.nodes);
}

INSTANTIATE_TEST_SUITE_P(Models, TorchAudioPatterns, ::testing::ValuesIn(TorchAudioCases()),
                         [](const ::testing::TestParamInfo<PatternCase>& info) { return info.param.name; });

}  // namespace
}  // namespace seqrt::testing
