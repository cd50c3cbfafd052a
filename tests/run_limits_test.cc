// Limits a Run respects (issue 18): the memory cap at plan and run time, deadlines, the
// cancel flag and Loop's iteration limit. Each failure is one clear error and the session
// stays usable afterwards. Models are built in memory (tests/model_builder.h).
#include <atomic>
#include <chrono>
#include <thread>

#include "base/checked_size.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

std::string Message(const absl::Status& st) { return std::string(st.message()); }

// y = ConstantOfShape(shape), with `shape` a graph input: the size is known only at run time.
Session ConstantOfShapeFromInput(int64_t max_memory_bytes) {
  testing::ModelBuilder b;
  b.Input("shape", onnx::TensorProto::INT64, {2});
  b.Node("ConstantOfShape", {"shape"}, {"y"}, "bomb");
  b.Output("y", onnx::TensorProto::FLOAT, {-1, -1});
  SessionOptions options;
  options.max_memory_bytes = max_memory_bytes;
  auto s = Session::LoadFromBytes(b.Bytes(), options);
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

TEST(MemoryCap, RunTimeBombIsResourceExhaustedAndSessionStaysUsable) {
  Session s = ConstantOfShapeFromInput(int64_t{64} << 20);
  std::vector<int64_t> big = {1 << 16, 1 << 16};  // 16 GiB of float
  auto r = s.Run({{"shape", TensorView(DType::kInt64, {2}, big.data())}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(r.status()), AllOf(HasSubstr("ConstantOfShape node 'bomb'"), HasSubstr("output 'y'"),
                                        HasSubstr("17179869184 bytes"), HasSubstr("memory cap")));
  std::vector<int64_t> small = {2, 3};
  auto ok = s.Run({{"shape", TensorView(DType::kInt64, {2}, small.data())}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].dims(), (Dims{2, 3}));
}

TEST(MemoryCap, OverflowingRunTimeShapeIsInvalidArgument) {
  Session s = ConstantOfShapeFromInput(0);  // no cap: the overflow check alone must catch it
  std::vector<int64_t> huge = {int64_t{1} << 40, int64_t{1} << 40};
  auto r = s.Run({{"shape", TensorView(DType::kInt64, {2}, huge.data())}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), AllOf(HasSubstr("ConstantOfShape node 'bomb'"), HasSubstr("overflows int64")));
  std::vector<int64_t> negative = {-5, 2};
  r = s.Run({{"shape", TensorView(DType::kInt64, {2}, negative.data())}});
  ASSERT_FALSE(r.ok());
}

TEST(MemoryCap, InitializerAboveCapFailsAtLoad) {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {1024});
  b.Initializer("w", {1024}, std::vector<float>(1024, 1.f));  // 4 KiB
  b.Node("Add", {"x", "w"}, {"y"}, "add");
  b.Output("y", onnx::TensorProto::FLOAT, {1024});
  SessionOptions options;
  options.max_memory_bytes = 1000;
  auto s = Session::LoadFromBytes(b.Bytes(), options);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(s.status()), AllOf(HasSubstr("initializer 'w'"), HasSubstr("4096 bytes")));
}

TEST(MemoryCap, ArenaAboveCapFailsAtPlanTime) {
  // Each intermediate is 4 MiB; a 6 MiB cap passes every single tensor but not the arena
  // that holds two of them (x+1 and its Relu) at once.
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {-1});
  b.Initializer("one", {1}, {1.f});
  b.Node("Add", {"x", "one"}, {"a"}, "add");
  b.Node("Relu", {"a"}, {"r"}, "relu");
  b.Node("Add", {"r", "a"}, {"y"}, "sum");
  b.Output("y", onnx::TensorProto::FLOAT, {-1});
  SessionOptions options;
  options.max_memory_bytes = 6 << 20;
  auto s = Session::LoadFromBytes(b.Bytes(), options);
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> x(1 << 20, 1.f);
  auto plan = s->DescribePlan({{"x", {1 << 20}}});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(plan.status()), HasSubstr("arena"));
  std::vector<float> small(16, 1.f);
  EXPECT_TRUE(s->Run({{"x", TensorView(small.data(), {16})}}).ok());
}

TEST(CheckedSize, CountsAndBytes) {
  EXPECT_EQ(*CheckedNumElements({}, "t"), 1);
  EXPECT_EQ(*CheckedNumElements({0, int64_t{1} << 62, int64_t{1} << 62}, "t"), 0);
  EXPECT_EQ(*CheckedByteSize(DType::kFloat, {3, 5}, "t"), 60);
  EXPECT_THAT(Message(CheckedNumElements({2, -1}, "t").status()), HasSubstr("negative dim -1"));
  EXPECT_THAT(Message(CheckedNumElements({int64_t{1} << 32, int64_t{1} << 32}, "t").status()),
              HasSubstr("overflows int64"));
  // 2^61 elements fit int64, their 8-byte size does not.
  EXPECT_FALSE(CheckedByteSize(DType::kInt64, {int64_t{1} << 61}, "t").ok());
  EXPECT_EQ(CheckMemoryCap(100, 99, "x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(CheckMemoryCap(100, 0, "x").ok());
  EXPECT_EQ(NumElements({int64_t{1} << 40, int64_t{1} << 40}), INT64_MAX);  // saturates
}

// v_out = v_in + 1 for M iterations (M a graph input), cond passed through.
Session CountingLoop(int64_t max_loop_iterations) {
  testing::ModelBuilder b;
  b.Input("M", onnx::TensorProto::INT64, {});
  b.Input("v0", onnx::TensorProto::FLOAT, {1});
  *b.proto().mutable_graph()->add_initializer() = [] {
    onnx::TensorProto t;
    t.set_name("cond");
    t.set_data_type(onnx::TensorProto::BOOL);
    t.add_int32_data(1);
    return t;
  }();
  auto* loop = b.Node("Loop", {"M", "cond", "v0"}, {"v"}, "loop");
  auto* attr = loop->add_attribute();
  attr->set_name("body");
  attr->set_type(onnx::AttributeProto::GRAPH);
  testing::ModelBuilder body;
  body.Input("i", onnx::TensorProto::INT64, {});
  body.Input("cond_in", onnx::TensorProto::BOOL, {});
  body.Input("v_in", onnx::TensorProto::FLOAT, {1});
  body.Initializer("one", {1}, {1.f});
  body.Node("Identity", {"cond_in"}, {"cond_out"}, "keep");
  body.Node("Add", {"v_in", "one"}, {"v_out"}, "step");
  body.Output("cond_out", onnx::TensorProto::BOOL, {});
  body.Output("v_out", onnx::TensorProto::FLOAT, {1});
  *attr->mutable_g() = body.proto().graph();
  attr->mutable_g()->set_name("body");
  b.Output("v", onnx::TensorProto::FLOAT, {1});
  SessionOptions options;
  options.max_loop_iterations = max_loop_iterations;
  auto s = Session::LoadFromBytes(b.Bytes(), options);
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

TEST(RunLimits, LoopIterationLimit) {
  Session s = CountingLoop(100);
  int64_t m = 50;
  float v0 = 0;
  auto ok = s.Run({{"M", TensorView(DType::kInt64, {}, &m)}, {"v0", TensorView(&v0, {1})}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].data_as<float>()[0], 50.f);
  m = 1000;
  auto r = s.Run({{"M", TensorView(DType::kInt64, {}, &m)}, {"v0", TensorView(&v0, {1})}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(r.status()), AllOf(HasSubstr("Loop node 'loop'"), HasSubstr("stopped after 100 iterations"),
                                        HasSubstr("max_loop_iterations")));
}

TEST(RunLimits, DeadlineStopsALongLoop) {
  Session s = CountingLoop(0);
  int64_t m = int64_t{1} << 40;
  float v0 = 0;
  RunOptions ro;
  const auto start = std::chrono::steady_clock::now();
  ro.deadline = start + std::chrono::milliseconds(100);
  auto r = s.Run({{"M", TensorView(DType::kInt64, {}, &m)}, {"v0", TensorView(&v0, {1})}}, ro);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(r.status()), AllOf(HasSubstr("Loop node 'loop'"), HasSubstr("deadline")));
  EXPECT_LT(seconds, 5.0);  // generous: the machine is shared; the point is that it returns
}

TEST(RunLimits, CancelFlagFromAnotherThread) {
  Session s = CountingLoop(0);
  int64_t m = int64_t{1} << 40;
  float v0 = 0;
  std::atomic<bool> cancel{false};
  RunOptions ro;
  ro.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel = true;
  });
  auto r = s.Run({{"M", TensorView(DType::kInt64, {}, &m)}, {"v0", TensorView(&v0, {1})}}, ro);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
  // Usable afterwards, without the flag.
  m = 3;
  auto ok = s.Run({{"M", TensorView(DType::kInt64, {}, &m)}, {"v0", TensorView(&v0, {1})}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].data_as<float>()[0], 3.f);
}

}  // namespace
}  // namespace seqrt
