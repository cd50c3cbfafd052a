// The trainer's public API: data validation, layer parsing, initializers, reproducibility,
// and the ONNX export (checker-valid, runnable by seqrt's Session with the trainer's numbers).
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "seqrt/session.h"
#include "seqrt/train.h"
#include "trainer/activations.h"
#include "trainer/network.h"
#include "trainer/rng.h"

namespace seqrt {
namespace {

using ::testing::HasSubstr;

Tensor RandomX(int64_t n, int64_t t, int64_t f, uint64_t seed) {
  trainer::Rng rng(seed);
  Tensor x(DType::kFloat, {n, t, f});
  for (int64_t i = 0; i < x.num_elements(); ++i)
    x.data_as<float>()[i] = static_cast<float>(rng.Uniform(-1, 1));
  return x;
}

TrainingData SmallClasses(int64_t n = 64, int64_t t = 7, int64_t f = 3, int64_t k = 3) {
  Tensor x = RandomX(n, t, f, 5);
  Tensor y(DType::kInt32, {n});
  for (int64_t i = 0; i < n; ++i) y.data_as<int32_t>()[i] = static_cast<int32_t>(i % k);
  return *MakeTrainingData(std::move(x), std::move(y));
}

TEST(TrainerData, RejectsBadInputsWithClearMessages) {
  auto bad_dtype = MakeTrainingData(Tensor(DType::kDouble, {2, 3, 1}), Tensor(DType::kInt64, {2}));
  EXPECT_EQ(bad_dtype.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_dtype.status().message(), HasSubstr("float32"));
  auto bad_rank = MakeTrainingData(Tensor(DType::kFloat, {2, 3}), Tensor(DType::kInt64, {2}));
  EXPECT_THAT(bad_rank.status().message(), HasSubstr("rank 3"));
  auto bad_n = MakeTrainingData(Tensor(DType::kFloat, {2, 3, 1}), Tensor(DType::kInt64, {3}));
  EXPECT_THAT(bad_n.status().message(), HasSubstr("N = 2"));
  Tensor neg(DType::kInt64, {2});
  neg.data_as<int64_t>()[1] = -1;
  auto negative = MakeTrainingData(Tensor(DType::kFloat, {2, 3, 1}), std::move(neg));
  EXPECT_THAT(negative.status().message(), HasSubstr("negative"));
  auto missing = LoadTrainingData("/nonexistent/x.npy", "/nonexistent/y.npy");
  EXPECT_FALSE(missing.ok());
}

TEST(TrainerLayers, ParsesTheCliLanguage) {
  auto specs = ParseLayerList("lstm:64,bigru:8,dense-relu:5,dense:10");
  ASSERT_TRUE(specs.ok()) << specs.status();
  ASSERT_EQ(specs->size(), 4u);
  EXPECT_EQ((*specs)[0].kind, LayerKind::kLSTM);
  EXPECT_TRUE((*specs)[0].return_sequences);
  EXPECT_TRUE((*specs)[1].bidirectional);
  EXPECT_FALSE((*specs)[1].return_sequences);
  EXPECT_EQ((*specs)[2].activation, Activation::kRelu);
  EXPECT_FALSE(ParseLayerList("lstm:0").ok());
  EXPECT_THAT(ParseLayerList("conv:3").status().message(), HasSubstr("'conv:3'"));
  // A classifier must end in one output per sequence.
  auto seq = ParseLayerList("lstm:4,dense:2");
  (*seq)[0].return_sequences = true;
  EXPECT_THAT(TrainableModel::Create(3, *seq, TargetKind::kClasses, 2, 1).status().message(),
              HasSubstr("must not return sequences"));
  EXPECT_THAT(TrainableModel::Create(3, *ParseLayerList("lstm:4,dense:2"), TargetKind::kClasses, 3, 1)
                  .status()
                  .message(),
              HasSubstr("2 units but the targets need 3"));
}

TEST(TrainerLayers, KerasInitializers) {
  auto net =
      trainer::Network<double>::Create(5, *ParseLayerList("lstm:6,dense:2"), TargetKind::kRegression, 2, 3);
  ASSERT_TRUE(net.ok());
  auto params = net->params();
  const auto& kernel = params[0]->value;
  const auto& rec = params[1]->value;
  const auto& bias = params[2]->value;
  const double limit = std::sqrt(6.0 / (5 + 24));
  for (double w : kernel) EXPECT_LE(std::abs(w), limit);
  // Orthogonal recurrent kernel [6, 24]: rows orthonormal.
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) {
      double dot = 0;
      for (int k = 0; k < 24; ++k) dot += rec[i * 24 + k] * rec[j * 24 + k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12);
    }
  for (int j = 0; j < 24; ++j) EXPECT_EQ(bias[j], j >= 6 && j < 12 ? 1.0 : 0.0) << j;  // forget gate bias 1
}

TEST(TrainerActivations, FastFloatSigmoidAndTanhAreAccurate) {
  std::vector<float> x;
  for (float v = -30.0f; v <= 30.0f; v += 0.001f) x.push_back(v);
  x.push_back(1e-6f);
  x.push_back(-100.0f);
  x.push_back(100.0f);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> s(n), t(n);
  trainer::SigmoidArray(x.data(), s.data(), n);
  trainer::TanhArray(x.data(), t.data(), n);
  double worst_s = 0, worst_t = 0;
  for (int64_t i = 0; i < n; ++i) {
    worst_s = std::max(worst_s, std::abs(s[i] - 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])))));
    worst_t = std::max(worst_t, std::abs(t[i] - std::tanh(static_cast<double>(x[i]))));
  }
  EXPECT_LE(worst_s, 2e-7);
  EXPECT_LE(worst_t, 4e-7);
}

TEST(TrainerFit, ReproducibleForASeedAndThreadCount) {
  const TrainingData data = SmallClasses();
  std::vector<std::string> exported;
  for (int run = 0; run < 2; ++run) {
    auto model = TrainableModel::Create(3, *ParseLayerList("gru:5,dense:3"), TargetKind::kClasses, 3, 9);
    ASSERT_TRUE(model.ok());
    TrainOptions opt;
    opt.epochs = 3;
    opt.batch_size = 8;
    opt.seed = 4;
    opt.validation_split = 0.25;
    opt.clip_norm = 0.5;
    auto h = model->Fit(data, opt);
    ASSERT_TRUE(h.ok()) << h.status();
    ASSERT_EQ(h->epochs.size(), 3u);
    EXPECT_TRUE(h->epochs[0].has_validation);
    exported.push_back(*model->SerializeOnnx());
  }
  EXPECT_EQ(exported[0], exported[1]);
}

TEST(TrainerFit, SgdMomentumLowersTheLossAndEarlyStoppingStops) {
  const TrainingData data = SmallClasses(96);
  auto model = TrainableModel::Create(3, *ParseLayerList("rnn:8,dense:3"), TargetKind::kClasses, 3, 2);
  ASSERT_TRUE(model.ok());
  TrainOptions opt;
  opt.epochs = 40;
  opt.optimizer = OptimizerKind::kSGD;
  opt.learning_rate = 0.1;
  opt.momentum = 0.9;
  opt.early_stopping_patience = 2;
  opt.validation_split = 0.5;  // labels are i % 3 of random inputs: validation cannot improve for long
  auto h = model->Fit(data, opt);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_LT(h->epochs.back().train_loss, h->epochs.front().train_loss);
  EXPECT_TRUE(h->stopped_early);
  EXPECT_LT(h->epochs.size(), 40u);
}

struct ExportCase {
  std::string name;
  std::string layers;
  bool regression = false;
  int opset = 13;
};

// Names, not bytes, in ctest's test list.
void PrintTo(const ExportCase& c, std::ostream* os) { *os << c.name; }

class TrainerExport : public ::testing::TestWithParam<ExportCase> {};

TEST_P(TrainerExport, CheckerValidAndSessionMatchesTrainer) {
  const ExportCase& c = GetParam();
  const int64_t f = 3, k = 4;
  auto specs = ParseLayerList(c.layers);
  ASSERT_TRUE(specs.ok());
  auto model =
      TrainableModel::Create(f, *specs, c.regression ? TargetKind::kRegression : TargetKind::kClasses, k, 17);
  ASSERT_TRUE(model.ok()) << model.status();
  // Random non-zero biases everywhere, by a short training run on random data.
  Tensor x = RandomX(24, 6, f, 3);
  Tensor y = c.regression ? RandomX(24, 1, k, 4) : Tensor(DType::kInt64, {24});
  if (c.regression)
    y.Reshape({24, k});
  else
    for (int64_t i = 0; i < 24; ++i) y.data_as<int64_t>()[i] = i % k;
  TrainOptions opt;
  opt.epochs = 2;
  opt.batch_size = 8;
  opt.learning_rate = 0.05;
  ASSERT_TRUE(model->Fit(*MakeTrainingData(x, y), opt).ok());

  ExportOptions eo;
  eo.opset = c.opset;
  auto bytes = model->SerializeOnnx(eo);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(*bytes));
  EXPECT_NO_THROW(onnx::checker::check_model(proto));
  EXPECT_EQ(proto.producer_name(), "seqrt");
  EXPECT_EQ(proto.opset_import(0).version(), c.opset);

  auto session = Session::LoadFromBytes(*bytes);
  ASSERT_TRUE(session.ok()) << session.status();
  // Dynamic batch and time: two shapes through one session.
  for (auto [n, t] : {std::pair<int64_t, int64_t>{5, 9}, {1, 2}}) {
    Tensor xi = RandomX(n, t, f, 100 + n);
    auto expected = model->Predict(xi);
    ASSERT_TRUE(expected.ok()) << expected.status();
    auto out = session->Run({{"x", xi.view()}});
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ((*out)[0].dims(), expected->dims());
    double max_err = 0;
    for (int64_t i = 0; i < expected->num_elements(); ++i)
      max_err =
          std::max<double>(max_err, std::abs((*out)[0].data_as<float>()[i] - expected->data_as<float>()[i]));
    std::printf("[export %s] N=%ld T=%ld max |seqrt - trainer| = %.2e\n", c.name.c_str(),
                static_cast<long>(n), static_cast<long>(t), max_err);
    EXPECT_LE(max_err, 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, TrainerExport,
                         ::testing::Values(ExportCase{"lstm", "lstm:5,dense:4"},
                                           ExportCase{"gru", "gru:5,dense:4"},
                                           ExportCase{"gru_v1", "gru-v1:5,dense:4"},
                                           ExportCase{"rnn_relu", "rnn-relu:5,dense:4"},
                                           ExportCase{"bilstm_stack", "bilstm:4,gru:3,dense-relu:6,dense:4"},
                                           ExportCase{"bigru_birnn", "bigru:3,birnn:3,dense:4", false, 14},
                                           ExportCase{"regression", "lstm:5,dense:4", true, 17}),
                         [](const auto& info) { return info.param.name; });

TEST(TrainerExportOptions, RejectsUnsupportedOpset) {
  auto model = TrainableModel::Create(2, *ParseLayerList("lstm:2,dense:2"), TargetKind::kClasses, 2, 1);
  ExportOptions eo;
  eo.opset = 12;
  EXPECT_EQ(model->SerializeOnnx(eo).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace seqrt
