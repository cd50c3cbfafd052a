// Indexing, integer and detection ops beyond the ONNX node tests: a bad index at run time is
// one clear error naming the node (never a stray write), and outputs sized by the data
// (NonZero, Compress, Unique, NonMaxSuppression) feed later nodes. Expected values are worked
// out by hand in the comments.
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Message(const absl::Status& st) { return std::string(st.message()); }

absl::StatusOr<std::vector<Tensor>> RunModel(const testing::ModelBuilder& b, const NamedInputs& inputs) {
  auto s = Session::LoadFromBytes(b.Bytes());
  if (!s.ok()) return s.status();
  return s->Run(inputs);
}

TEST(IndexOps, ScatterNDIndexOutOfRangeIsAnErrorNamingTheNode) {
  testing::ModelBuilder b(16);
  b.Input("data", onnx::TensorProto::FLOAT, {4});
  b.Input("indices", onnx::TensorProto::INT64, {1, 1});
  b.Input("updates", onnx::TensorProto::FLOAT, {1});
  b.Node("ScatterND", {"data", "indices", "updates"}, {"y"}, "place");
  b.Output("y", onnx::TensorProto::FLOAT, {4});
  const std::vector<float> data = {1, 2, 3, 4}, updates = {9};
  std::vector<int64_t> indices = {-1};  // the last element: allowed
  auto ok = RunModel(b, {{"data", TensorView(data.data(), {4})},
                         {"indices", TensorView(DType::kInt64, {1, 1}, indices.data())},
                         {"updates", TensorView(updates.data(), {1})}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT((*ok)[0].values<float>(), ElementsAre(1, 2, 3, 9));
  indices = {4};
  auto bad = RunModel(b, {{"data", TensorView(data.data(), {4})},
                          {"indices", TensorView(DType::kInt64, {1, 1}, indices.data())},
                          {"updates", TensorView(updates.data(), {1})}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Message(bad.status()), HasSubstr("place"));
  EXPECT_THAT(Message(bad.status()), HasSubstr("index 4 is out of range for axis 0 of size 4"));
}

// The output may take data's buffer (data is dead after the node); when the updates are data
// itself, they must still be read as they were: r = Relu(x) = [1, 2, 3, 4] scattered to
// positions [3, 2, 1, 0] gives [4, 3, 2, 1], for ScatterND and ScatterElements alike.
TEST(IndexOps, ScatterInPlaceReadsUpdatesThatAreDataAsTheyWere) {
  for (const char* op : {"ScatterND", "ScatterElements"}) {
    const bool nd = std::string(op) == "ScatterND";
    testing::ModelBuilder b(16);
    b.Input("x", onnx::TensorProto::FLOAT, {4});
    b.Input("indices", onnx::TensorProto::INT64, nd ? std::vector<int64_t>{4, 1} : std::vector<int64_t>{4});
    b.Node("Relu", {"x"}, {"r"}, "relu");
    b.Node(op, {"r", "indices", "r"}, {"s"}, "scatter");
    b.Node("Neg", {"s"}, {"y"}, "neg");
    b.Output("y", onnx::TensorProto::FLOAT, {4});
    const std::vector<float> x = {1, 2, 3, 4};
    const std::vector<int64_t> indices = {3, 2, 1, 0};
    const Dims index_dims = nd ? Dims{4, 1} : Dims{4};
    auto out = RunModel(b, {{"x", TensorView(x.data(), {4})},
                            {"indices", TensorView(DType::kInt64, index_dims, indices.data())}});
    ASSERT_TRUE(out.ok()) << op << ": " << out.status();
    EXPECT_THAT((*out)[0].values<float>(), ElementsAre(-4, -3, -2, -1)) << op;
  }
}

TEST(IndexOps, GatherNDAndScatterElementsRefuseOutOfRangeIndices) {
  testing::ModelBuilder g(13);
  g.Input("data", onnx::TensorProto::FLOAT, {2, 2});
  g.Input("indices", onnx::TensorProto::INT64, {1, 2});
  g.Node("GatherND", {"data", "indices"}, {"y"}, "pick");
  g.Output("y", onnx::TensorProto::FLOAT, {1});
  const std::vector<float> data = {1, 2, 3, 4};
  const std::vector<int64_t> bad_pair = {1, 2};
  auto r = RunModel(g, {{"data", TensorView(data.data(), {2, 2})},
                        {"indices", TensorView(DType::kInt64, {1, 2}, bad_pair.data())}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), HasSubstr("index 2 is out of range for axis 1 of size 2"));

  testing::ModelBuilder s(13);
  s.Input("data", onnx::TensorProto::FLOAT, {2, 2});
  s.Input("indices", onnx::TensorProto::INT64, {1, 2});
  s.Input("updates", onnx::TensorProto::FLOAT, {1, 2});
  s.Node("ScatterElements", {"data", "indices", "updates"}, {"y"}, "spread");
  s.Output("y", onnx::TensorProto::FLOAT, {2, 2});
  const std::vector<int64_t> idx = {0, -3};
  const std::vector<float> upd = {7, 8};
  r = RunModel(s, {{"data", TensorView(data.data(), {2, 2})},
                   {"indices", TensorView(DType::kInt64, {1, 2}, idx.data())},
                   {"updates", TensorView(upd.data(), {1, 2})}});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Message(r.status()), HasSubstr("index -3 is out of range"));
}

TEST(IndexOps, DataSizedOutputsFeedLaterNodes) {
  // Compress keeps x[1] and x[3] = [-2, 4]; Relu -> [0, 4]; NonZero of that -> [[1]].
  testing::ModelBuilder b(13);
  b.Input("x", onnx::TensorProto::FLOAT, {4});
  b.Input("keep", onnx::TensorProto::BOOL, {4});
  b.Node("Compress", {"x", "keep"}, {"kept"}, "compress");
  b.Node("Relu", {"kept"}, {"r"}, "relu");
  b.Node("NonZero", {"r"}, {"nz"}, "nonzero");
  b.Output("r", onnx::TensorProto::FLOAT, {-1});
  b.Output("nz", onnx::TensorProto::INT64, {1, -1});
  const std::vector<float> x = {1, -2, 3, 4};
  const bool keep[4] = {false, true, false, true};
  auto out = RunModel(b, {{"x", TensorView(x.data(), {4})}, {"keep", TensorView(DType::kBool, {4}, keep)}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].values<float>(), ElementsAre(0, 4));
  EXPECT_EQ((*out)[1].dims(), (Dims{1, 1}));
  EXPECT_THAT((*out)[1].values<int64_t>(), ElementsAre(1));
}

TEST(IndexOps, UniqueUnsortedKeepsFirstOccurrenceOrder) {
  // x = [3, 1, 3, 2, 1]: first occurrences 3 (at 0), 1 (at 1), 2 (at 3).
  testing::ModelBuilder b(11);
  b.Input("x", onnx::TensorProto::FLOAT, {5});
  auto* n = b.Node("Unique", {"x"}, {"y", "idx", "inv", "cnt"}, "unique");
  auto* a = n->add_attribute();
  a->set_name("sorted");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(0);
  for (const char* o : {"y", "idx", "inv", "cnt"})
    b.Output(o, std::string(o) == "y" ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64, {-1});
  const std::vector<float> x = {3, 1, 3, 2, 1};
  auto out = RunModel(b, {{"x", TensorView(x.data(), {5})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].values<float>(), ElementsAre(3, 1, 2));
  EXPECT_THAT((*out)[1].values<int64_t>(), ElementsAre(0, 1, 3));
  EXPECT_THAT((*out)[2].values<int64_t>(), ElementsAre(0, 1, 0, 2, 1));
  EXPECT_THAT((*out)[3].values<int64_t>(), ElementsAre(2, 2, 1));
}

TEST(IndexOps, UniqueOfBoolsSortsFalseFirst) {
  // [true, false, true] -> values [false, true], first indices [1, 0], counts [1, 2].
  testing::ModelBuilder b(11);
  b.Input("x", onnx::TensorProto::BOOL, {3});
  b.Node("Unique", {"x"}, {"y", "idx", "inv", "cnt"}, "unique");
  b.Output("y", onnx::TensorProto::BOOL, {-1});
  for (const char* o : {"idx", "inv", "cnt"}) b.Output(o, onnx::TensorProto::INT64, {-1});
  const bool x[3] = {true, false, true};
  auto out = RunModel(b, {{"x", TensorView(DType::kBool, {3}, x)}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT((*out)[0].values<bool>(), ElementsAre(false, true));
  EXPECT_THAT((*out)[1].values<int64_t>(), ElementsAre(1, 0));
  EXPECT_THAT((*out)[2].values<int64_t>(), ElementsAre(1, 0, 1));
  EXPECT_THAT((*out)[3].values<int64_t>(), ElementsAre(1, 2));
}

TEST(IndexOps, NonMaxSuppressionRejectsMismatchedBoxesAndScores) {
  testing::ModelBuilder b(11);
  b.Input("boxes", onnx::TensorProto::FLOAT, {1, 2, 4});
  b.Input("scores", onnx::TensorProto::FLOAT, {1, 1, 3});
  b.Node("NonMaxSuppression", {"boxes", "scores"}, {"sel"}, "nms");
  b.Output("sel", onnx::TensorProto::INT64, {-1, 3});
  const std::vector<float> boxes(8, 0.f), scores(3, 0.f);
  auto out = RunModel(b, {{"boxes", TensorView(boxes.data(), {1, 2, 4})},
                          {"scores", TensorView(scores.data(), {1, 1, 3})}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(Message(out.status()), HasSubstr("must be [batches, boxes, 4] and [batches, classes, boxes]"));
}

}  // namespace
}  // namespace seqrt
