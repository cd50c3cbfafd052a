// Bad models and bad inputs get one clear error saying what and where — never a crash — and
// the session stays usable after a failed run.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string Message(const absl::Status& st) { return std::string(st.message()); }

// y = Relu(x + c), x float[N, 3].
testing::ModelBuilder GoodModel() {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {-1, 3});
  b.Initializer("c", {3}, {1, 2, 3});
  b.Node("Add", {"x", "c"}, {"s"}, "add");
  b.Node("Relu", {"s"}, {"y"}, "relu");
  b.Output("y", onnx::TensorProto::FLOAT, {-1, 3});
  return b;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("seqrt_bad_input_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
    return (path_ / name).string();
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(BadModel, MissingFile) {
  auto s = Session::Load("/nonexistent/model.onnx");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("/nonexistent/model.onnx: no such file"));
}

TEST(BadModel, EmptyFile) {
  TempDir dir;
  auto s = Session::Load(dir.Write("empty.onnx", ""));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("file is empty"));
}

TEST(BadModel, NotAProtobuf) {
  TempDir dir;
  auto s = Session::Load(dir.Write("text.onnx", "this is plainly not a protobuf \xff\xff\xff\xff"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("not a valid ONNX model"));
}

TEST(BadModel, TruncatedProtobuf) {
  std::string bytes = GoodModel().Bytes();
  TempDir dir;
  auto s = Session::Load(dir.Write("cut.onnx", bytes.substr(0, bytes.size() * 2 / 3)));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("cut.onnx"));
}

TEST(BadModel, CorruptedBytesNeverCrash) {
  const std::string good = GoodModel().Bytes();
  int failures = 0;
  for (size_t i = 0; i < good.size(); i += 3) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    auto s = Session::LoadFromBytes(bad);
    if (!s.ok()) {
      ++failures;
      EXPECT_FALSE(s.status().message().empty());
      continue;
    }
    // A flip that still parses must give a model that runs or fails cleanly.
    std::vector<float> x(3, 1.f);
    auto out = s->Run({{"x", TensorView(x.data(), {1, 3})}});
    (void)out;
  }
  EXPECT_GT(failures, 0);
}

TEST(BadModel, UnknownOperatorNamesOpDomainOpsetAndNode) {
  auto b = GoodModel();
  b.Node("FrobnicateZ", {"y"}, {"z"}, "frob");
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(Message(s.status()), HasSubstr("FrobnicateZ (domain ai.onnx, opset 13, node 'frob')"));
}

TEST(BadModel, UnsupportedOpset) {
  auto b = GoodModel();
  b.proto().mutable_opset_import(0)->set_version(99);
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("ai.onnx opset 99 is not supported"));
}

TEST(BadModel, DomainNotImported) {
  auto b = GoodModel();
  b.Node("Relu", {"y"}, {"z"}, "alien")->set_domain("com.example");
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("Relu node 'alien' uses domain 'com.example', which the model does not import"));
}

TEST(BadModel, UndefinedInput) {
  auto b = GoodModel();
  b.Node("Add", {"y", "ghost"}, {"z"}, "haunted");
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()),
              HasSubstr("Add node 'haunted': input 'ghost' is not defined by any node, graph input or initializer"));
}

TEST(BadModel, Cycle) {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {3});
  b.Node("Add", {"x", "q"}, {"p"}, "first");
  b.Node("Relu", {"p"}, {"q"}, "second");
  b.Output("q", onnx::TensorProto::FLOAT, {3});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("the graph has a cycle through"));
}

TEST(BadModel, ValueDefinedTwice) {
  auto b = GoodModel();
  b.Node("Relu", {"x"}, {"s"}, "again");
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("value 's' is defined twice"));
}

TEST(BadModel, InitializerSizeMismatch) {
  auto b = GoodModel();
  b.proto().mutable_graph()->mutable_initializer(0)->add_dims(2);  // now [3,2] with 3 values
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("initializer 'c' has 3 elements of data but dims 3x2 of float need 6"));
}

TEST(BadModel, RawInitializerSizeMismatch) {
  auto b = GoodModel();
  auto* init = b.proto().mutable_graph()->mutable_initializer(0);
  init->clear_float_data();
  init->set_raw_data(std::string(10, '\0'));
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("initializer 'c' has 10 bytes of data but dims 3 of float need 12"));
}

void MakeExternal(testing::ModelBuilder& b, const std::string& location) {
  auto* init = b.proto().mutable_graph()->mutable_initializer(0);
  init->clear_float_data();
  init->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* kv = init->add_external_data();
  kv->set_key("location");
  kv->set_value(location);
}

TEST(BadModel, ExternalDataMissing) {
  auto b = GoodModel();
  MakeExternal(b, "weights.bin");
  TempDir dir;
  auto s = Session::Load(dir.Write("model.onnx", b.Bytes()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("initializer 'c': external data file"));
  EXPECT_THAT(Message(s.status()), HasSubstr("cannot be opened"));
}

TEST(BadModel, ExternalDataOutsideModelFolder) {
  auto b = GoodModel();
  MakeExternal(b, "../../etc/passwd");
  TempDir dir;
  auto s = Session::Load(dir.Write("model.onnx", b.Bytes()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(Message(s.status()), HasSubstr("external data location '../../etc/passwd' is outside the model's folder"));
}

TEST(BadModel, ExternalDataLoadsWhenPresent) {
  auto b = GoodModel();
  MakeExternal(b, "weights.bin");
  TempDir dir;
  float w[3] = {1, 2, 3};
  dir.Write("weights.bin", std::string(reinterpret_cast<char*>(w), sizeof w));
  auto s = Session::Load(dir.Write("model.onnx", b.Bytes()));
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> x = {0, -5, 1};
  auto out = s->Run({{"x", TensorView(x.data(), {1, 3})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].data_as<float>()[0], 1.f);
  EXPECT_EQ((*out)[0].data_as<float>()[1], 0.f);
  EXPECT_EQ((*out)[0].data_as<float>()[2], 4.f);
}

class BadRun : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Session::LoadFromBytes(GoodModel().Bytes());
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = std::make_unique<Session>(std::move(*s));
  }
  // After any failed run the same session must still work.
  void ExpectStillUsable() {
    std::vector<float> x = {-1, 0, 1};
    auto out = session_->Run({{"x", TensorView(x.data(), {1, 3})}});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].data_as<float>()[2], 4.f);
  }
  std::unique_ptr<Session> session_;
  std::vector<float> x_ = std::vector<float>(6, 1.f);
};

TEST_F(BadRun, UnknownInputName) {
  auto out = session_->Run({{"x", TensorView(x_.data(), {2, 3})}, {"bogus", TensorView(x_.data(), {2, 3})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("unknown input 'bogus' (the model's inputs: x)"));
  ExpectStillUsable();
}

TEST_F(BadRun, MissingInput) {
  auto out = session_->Run({});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("missing input 'x'"));
  ExpectStillUsable();
}

TEST_F(BadRun, WrongDtype) {
  std::vector<int64_t> ints(6, 1);
  auto out = session_->Run({{"x", TensorView(DType::kInt64, {2, 3}, ints.data())}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("input 'x' has dtype int64, the model expects float"));
  ExpectStillUsable();
}

TEST_F(BadRun, WrongRank) {
  auto out = session_->Run({{"x", TensorView(x_.data(), {6})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("input 'x' has rank 1 (6), the model expects rank 2 [N,3]"));
  ExpectStillUsable();
}

TEST_F(BadRun, ShapeContradictsModel) {
  auto out = session_->Run({{"x", TensorView(x_.data(), {3, 2})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("input 'x' has shape 3x2 but the model fixes dim 1 to 3"));
  ExpectStillUsable();
}

TEST_F(BadRun, InputGivenTwice) {
  auto out = session_->Run({{"x", TensorView(x_.data(), {2, 3})}, {"x", TensorView(x_.data(), {2, 3})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("input 'x' is given twice"));
  ExpectStillUsable();
}

TEST(BadRunShapes, BroadcastClashNamesNode) {
  testing::ModelBuilder b;
  b.Input("a", onnx::TensorProto::FLOAT, {-1});
  b.Input("b", onnx::TensorProto::FLOAT, {-1});
  b.Node("Add", {"a", "b"}, {"c"}, "sum");
  b.Output("c", onnx::TensorProto::FLOAT, {-1});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> a(3), c(4);
  auto out = s->Run({{"a", TensorView(a.data(), {3})}, {"b", TensorView(c.data(), {4})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("Add node 'sum'"));
  EXPECT_THAT(Message(out.status()), HasSubstr("cannot be broadcast"));
}

}  // namespace
}  // namespace seqrt
