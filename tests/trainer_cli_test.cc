// `seqrt train` end to end: flags, exit statuses, one-line errors, and a model Session can run.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"

namespace seqrt {
namespace {

using ::testing::HasSubstr;

struct Result {
  int status = -1;
  std::string output;
};

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* cli = std::getenv("SEQRT_CLI");
    if (cli == nullptr) GTEST_FAIL() << "SEQRT_CLI is not set (run through ctest)";
    cli_ = cli;
    dir_ = std::filesystem::temp_directory_path() / ("seqrt_train_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    Tensor x(DType::kFloat, {40, 6, 2});
    Tensor y(DType::kInt32, {40});
    for (int64_t i = 0; i < x.num_elements(); ++i)
      x.data_as<float>()[i] = static_cast<float>((i * 37 % 17) - 8) / 8.0f;
    for (int64_t i = 0; i < 40; ++i) y.data_as<int32_t>()[i] = static_cast<int32_t>(i % 3);
    ASSERT_TRUE(WriteTensorFile(Path("x.npy"), x).ok());
    ASSERT_TRUE(WriteTensorFile(Path("y.npy"), y).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  Result Run(const std::string& args) const {
    const std::string cmd = cli_ + " train " + args + " 2>&1";
    Result r;
    FILE* pipe = popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
    const int rc = pclose(pipe);
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return r;
  }
  std::string DataArgs() const { return "--x " + Path("x.npy") + " --y " + Path("y.npy") + " "; }

  std::string cli_;
  std::filesystem::path dir_;
};

TEST_F(TrainCli, TrainsReportsAndExportsARunnableModel) {
  const Result r =
      Run(DataArgs() +
          "--layers bigru:4,dense:3 --epochs 2 --batch 8 --optimizer sgd --lr 0.05 --momentum 0.9 "
          "--clip-norm 1 --seed 3 --validation-split 0.25 --opset 15 --out " +
          Path("m.onnx"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("epoch 2/2"));
  EXPECT_THAT(r.output, HasSubstr("val_acc"));
  EXPECT_THAT(r.output, HasSubstr("samples/s"));
  EXPECT_THAT(r.output, HasSubstr("opset 15"));
  auto session = Session::Load(Path("m.onnx"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->model_info().producer_name, "seqrt");
  Tensor x(DType::kFloat, {3, 11, 2});
  auto out = session->Run({{"x", x.view()}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{3, 3}));
}

TEST_F(TrainCli, SameSeedSameModelBytes) {
  for (const char* name : {"a.onnx", "b.onnx"})
    ASSERT_EQ(Run(DataArgs() + "--layers lstm:4,dense:3 --epochs 2 --seed 5 -q --out " + Path(name)).status,
              0);
  std::ifstream a(Path("a.onnx"), std::ios::binary), b(Path("b.onnx"), std::ios::binary);
  const std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(sa.empty());
  EXPECT_EQ(sa, sb);
}

// Both BPTT backends train through the CLI; on the same seed their models differ only by
// float rounding, so both runs must print the same loss (4 decimals).
TEST_F(TrainCli, BothBackendsTrain) {
  std::string losses[2];
  const char* backends[2] = {"reference", "onednn"};
  for (int i = 0; i < 2; ++i) {
    const Result r = Run(DataArgs() + "--layers gru:8,dense:3 --epochs 3 --seed 2 -q --backend " + backends[i] +
                         " --out " + Path("m.onnx"));
    ASSERT_EQ(r.status, 0) << r.output;
    const size_t at = r.output.find("loss ");
    ASSERT_NE(at, std::string::npos) << r.output;
    losses[i] = r.output.substr(at, 11);
  }
  EXPECT_EQ(losses[0], losses[1]);
}

TEST_F(TrainCli, ErrorsAreOneLineWithTheRightStatus) {
  Result r = Run("--x " + Path("x.npy") + " --layers lstm:4,dense:3 --out " + Path("m.onnx"));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("--y is required"));
  r = Run(DataArgs() + "--layers lstm:4,conv:3 --out " + Path("m.onnx"));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("'conv:3'"));
  r = Run(DataArgs() + "--layers lstm:4,dense:3 --optimizer rmsprop --out " + Path("m.onnx"));
  EXPECT_EQ(r.status, 2);
  r = Run(DataArgs() + "--layers lstm:4,dense:3 --backend cuda --out " + Path("m.onnx"));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("backend 'cuda'"));
  r = Run("--x " + Path("y.npy") + " --y " + Path("y.npy") + " --layers lstm:4,dense:3 --out " +
          Path("m.onnx"));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("y.npy: dtype int32, expected float32"));
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  r = Run(DataArgs() + "--layers lstm:4 --out " + Path("m.onnx"));
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, HasSubstr("add dense:3"));
}

}  // namespace
}  // namespace seqrt
