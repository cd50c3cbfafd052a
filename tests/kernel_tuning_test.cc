// Opt-in kernel tuning (SessionOptions::tune_kernels): recurrent nodes with several fast
// kernels are timed at plan time, the decision is shown in the plan, remembered, saved to a
// tuning file and reused from it; bad tuning files and options are clear errors. Which kernel
// wins is the machine's business, so the tests assert how the choice was made, never which.
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"

namespace seqrt {
namespace {

namespace fs = std::filesystem;
const fs::path kBench = fs::path(SEQRT_SHARED_DIR) / "models" / "bench";

fs::path TempFile(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("seqrt_tuning_" + std::to_string(::getpid()) + "_" + name);
  fs::remove(p);
  return p;
}

std::vector<std::pair<std::string, Dims>> KwsDims(const Session& s, int64_t batch) {
  // kws_lstm: one input [N, T, features].
  const ValueInfo& in = s.inputs().at(0);
  return {{in.name, {batch, 20, in.shape.at(2).value}}};
}

int TunedRecurrentNodes(const PlanInfo& plan, const std::string& suffix, std::string* kernels) {
  int n = 0;
  for (const PlannedNode& node : plan.nodes) {
    if (node.op_type != "LSTM" && node.op_type != "GRU" && node.op_type != "RNN") continue;
    absl::StrAppend(kernels, node.kernel, ";");
    if (node.kernel_choice.rfind("tuned", 0) == 0 &&
        (suffix.empty() || (node.kernel_choice.size() >= suffix.size() &&
                                node.kernel_choice.compare(node.kernel_choice.size() - suffix.size(),
                                                           suffix.size(), suffix) == 0)))
      ++n;
  }
  return n;
}

TEST(KernelTuning, TimesCandidatesSavesAndReusesDecisions) {
  const fs::path model = kBench / "kws_lstm.onnx";
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: the shared models folder is needed";
  const fs::path file = TempFile("reuse.tsv");

  SessionOptions options;
  options.tune_kernels = true;
  options.tuning_file = file.string();
  std::string first_kernels, second_kernels, untuned_kernels;
  {
    auto session = Session::Load(model.string(), options);
    ASSERT_TRUE(session.ok()) << session.status();
    auto plan = session->DescribePlan(KwsDims(*session, 4));
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_GE(TunedRecurrentNodes(*plan, "", &first_kernels), 1) << "no recurrent node was tuned";
    for (const PlannedNode& node : plan->nodes)
      if (node.op_type == "LSTM") {
        EXPECT_NE(node.kernel_choice.find(" ms"), std::string::npos) << node.kernel_choice;
      }
  }
  std::ifstream in(file);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("# seqrt kernel tuning", 0), 0u) << header;
  int lines = 0;
  while (std::getline(in, line)) lines += !line.empty();
  EXPECT_GE(lines, 1) << "no decision saved to " << file;

  // A new session with the same file (and a fresh process-wide memo would do the same):
  // decisions are reused, not measured again, and the same kernels are chosen.
  {
    auto session = Session::Load(model.string(), options);
    ASSERT_TRUE(session.ok()) << session.status();
    auto plan = session->DescribePlan(KwsDims(*session, 4));
    ASSERT_TRUE(plan.ok()) << plan.status();
    EXPECT_GE(TunedRecurrentNodes(*plan, "(remembered)", &second_kernels), 1);
  }
  EXPECT_EQ(first_kernels, second_kernels);

  // Without tuning the plan says nothing about tuning.
  auto plain = Session::Load(model.string(), SessionOptions{});
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto plan = plain->DescribePlan(KwsDims(*plain, 4));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(TunedRecurrentNodes(*plan, "", &untuned_kernels), 0);
  fs::remove(file);
}

TEST(KernelTuning, TunedSessionRunsAndAgreesWithUntuned) {
  const fs::path model = kBench / "kws_lstm.onnx";
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: the shared models folder is needed";
  SessionOptions tuned_options;
  tuned_options.tune_kernels = true;
  auto tuned = Session::Load(model.string(), tuned_options);
  auto plain = Session::Load(model.string(), SessionOptions{});
  ASSERT_TRUE(tuned.ok() && plain.ok());
  const auto dims = KwsDims(*plain, 3);
  Tensor x(DType::kFloat, dims[0].second);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = static_cast<float>((i * 37 % 101) - 50) / 50.f;
  auto a = tuned->Run({{dims[0].first, x.view()}});
  auto b = plain->Run({{dims[0].first, x.view()}});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), b->size());
  // Both kernels are checked against the reference kernel elsewhere; here the tuned plan
  // must give the same answer within float tolerance whichever kernel it picked.
  for (size_t o = 0; o < a->size(); ++o) {
    ASSERT_EQ((*a)[o].num_elements(), (*b)[o].num_elements());
    for (int64_t i = 0; i < (*a)[o].num_elements(); ++i)
      EXPECT_NEAR((*a)[o].data_as<float>()[i], (*b)[o].data_as<float>()[i], 1e-4) << "output " << o << " at " << i;
  }
}

TEST(KernelTuning, BadFilesAndOptionsAreClearErrors) {
  const fs::path model = kBench / "kws_lstm.onnx";
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: the shared models folder is needed";
  const fs::path file = TempFile("bad.tsv");
  std::ofstream(file) << "# seqrt kernel tuning v1\nkey-without-a-kernel\n";
  SessionOptions options;
  options.tune_kernels = true;
  options.tuning_file = file.string();
  auto session = Session::Load(model.string(), options);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find(file.string()), std::string::npos) << session.status();
  EXPECT_NE(session.status().message().find("line 2"), std::string::npos) << session.status();
  fs::remove(file);

  SessionOptions no_tune;
  no_tune.tuning_file = TempFile("unused.tsv").string();
  auto refused = Session::Load(model.string(), no_tune);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("tune_kernels"), std::string::npos) << refused.status();

  SessionOptions unwritable;
  unwritable.tune_kernels = true;
  unwritable.tuning_file = "/nonexistent-dir/tuning.tsv";
  auto bad_path = Session::Load(model.string(), unwritable);
  ASSERT_FALSE(bad_path.ok());
  EXPECT_NE(bad_path.status().message().find("/nonexistent-dir/tuning.tsv"), std::string::npos) << bad_path.status();
}

}  // namespace
}  // namespace seqrt
