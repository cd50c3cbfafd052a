// Runtime promises beyond single runs: shape subgraphs fold at plan time, views alias,
// plans are cached per shape, and one session serves several threads at once.
#include <thread>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

// y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): a Keras-style flatten whose target
// shape is computed from the input's shape.
testing::ModelBuilder FlattenByShapeModel() {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {-1, 3, 4});
  auto* idx = b.proto().mutable_graph()->add_initializer();
  idx->set_name("zero");
  idx->set_data_type(onnx::TensorProto::INT64);
  idx->add_int64_data(0);
  auto* minus_one = b.proto().mutable_graph()->add_initializer();
  minus_one->set_name("minus_one");
  minus_one->set_data_type(onnx::TensorProto::INT64);
  minus_one->add_dims(1);
  minus_one->add_int64_data(-1);
  b.Node("Shape", {"x"}, {"shape"}, "shape");
  b.Node("Gather", {"shape", "zero"}, {"batch"}, "gather");
  auto* axes = b.proto().mutable_graph()->add_initializer();
  axes->set_name("axes");
  axes->set_data_type(onnx::TensorProto::INT64);
  axes->add_dims(1);
  axes->add_int64_data(0);
  b.Node("Unsqueeze", {"batch", "axes"}, {"batch1"}, "unsqueeze");
  b.Node("Concat", {"batch1", "minus_one"}, {"target"}, "concat")->add_attribute()->CopyFrom([] {
    onnx::AttributeProto a;
    a.set_name("axis");
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(0);
    return a;
  }());
  b.Node("Reshape", {"x", "target"}, {"flat"}, "reshape");
  b.Node("Relu", {"flat"}, {"y"}, "relu");
  b.Output("y", onnx::TensorProto::FLOAT, {-1, 12});
  return b;
}

TEST(RuntimeBehaviour, ShapeSubgraphFoldsAndReshapeIsAView) {
  auto s = Session::LoadFromBytes(FlattenByShapeModel().Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  auto plan = s->DescribePlan({{"x", {5, 3, 4}}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->folded_nodes, 4);  // Shape, Gather, Unsqueeze, Concat
  ASSERT_EQ(plan->nodes.size(), 2u);
  EXPECT_EQ(plan->nodes[0].op_type, "Reshape");
  EXPECT_EQ(plan->nodes[0].kernel, "view");
  EXPECT_EQ(plan->nodes[1].op_type, "Relu");
  // The symbolic output dim resolves per run.
  std::vector<float> x(2 * 12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 10.f;
  auto out = s->Run({{"x", TensorView(x.data(), {2, 3, 4})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].dims(), (Dims{2, 12}));
  EXPECT_EQ((*out)[0].data_as<float>()[0], 0.f);
  EXPECT_EQ((*out)[0].data_as<float>()[23], 13.f);
}

TEST(RuntimeBehaviour, InputsAndOutputsDescribeSymbolicDims) {
  auto s = Session::LoadFromBytes(FlattenByShapeModel().Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->inputs().size(), 1u);
  EXPECT_EQ(s->inputs()[0].ToString(), "float[N,3,4]");
  EXPECT_EQ(s->outputs()[0].ToString(), "float[N,12]");
}

TEST(RuntimeBehaviour, ConcurrentRunsOnOneSessionAgree) {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {-1, 16});
  std::vector<float> w(16 * 16);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i % 17) - 0.08f;
  b.Initializer("w", {16, 16}, w);
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Tanh", {"m"}, {"t"});
  b.Node("MatMul", {"t", "w"}, {"y"});
  b.Output("y", onnx::TensorProto::FLOAT, {-1, 16});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  auto run = [&](float scale, int64_t batch) {
    std::vector<float> x(batch * 16);
    for (size_t i = 0; i < x.size(); ++i) x[i] = scale * static_cast<float>(i % 7);
    auto out = s->Run({{"x", TensorView(x.data(), {batch, 16})}});
    return out.ok() ? (*out)[0] : Tensor();
  };
  // Expected values from single-threaded runs, one per (scale, batch) pair.
  std::vector<Tensor> expected;
  for (int k = 0; k < 4; ++k) expected.push_back(run(0.1f * (k + 1), 1 + k % 2));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int r = 0; r < 200; ++r) {
        Tensor got = run(0.1f * (k + 1), 1 + k % 2);
        if (got.dims() != expected[k].dims() ||
            std::memcmp(got.raw_data(), expected[k].raw_data(), got.byte_size()) != 0)
          ++mismatches[k];
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < 4; ++k) EXPECT_EQ(mismatches[k], 0) << "thread " << k;
}

TEST(RuntimeBehaviour, OverridableInitializerCanBeReplacedAtRun) {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {2});
  b.Input("bias", onnx::TensorProto::FLOAT, {2});
  b.Initializer("bias", {2}, {10, 20});
  b.Node("Add", {"x", "bias"}, {"y"});
  b.Output("y", onnx::TensorProto::FLOAT, {2});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->inputs().size(), 1u);
  ASSERT_EQ(s->overridable_inputs().size(), 1u);
  std::vector<float> x = {1, 2}, bias = {100, 200};
  auto with_default = s->Run({{"x", TensorView(x.data(), {2})}});
  ASSERT_TRUE(with_default.ok()) << with_default.status();
  EXPECT_EQ((*with_default)[0].data_as<float>()[1], 22.f);
  auto overridden = s->Run({{"x", TensorView(x.data(), {2})}, {"bias", TensorView(bias.data(), {2})}});
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ((*overridden)[0].data_as<float>()[1], 202.f);
}

TEST(RuntimeBehaviour, RunIntoCallerBuffers) {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {3});
  b.Node("Neg", {"x"}, {"y"});
  b.Output("y", onnx::TensorProto::FLOAT, {3});
  auto s = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(s.ok()) << s.status();
  std::vector<float> x = {1, -2, 3}, y(3), small(2);
  auto dims = s->RunInto({{"x", TensorView(x.data(), {3})}}, {{"y", y.data(), y.size() * sizeof(float)}});
  ASSERT_TRUE(dims.ok()) << dims.status();
  EXPECT_EQ(y[1], 2.f);
  auto too_small = s->RunInto({{"x", TensorView(x.data(), {3})}}, {{"y", small.data(), small.size() * sizeof(float)}});
  ASSERT_FALSE(too_small.ok());
  EXPECT_NE(std::string(too_small.status().message()).find("output 'y' needs 12 bytes"), std::string::npos);
}

}  // namespace
}  // namespace seqrt
