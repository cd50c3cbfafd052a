// The memory planner's promises: ping-pong arenas for chains, and arenas close to the live
// peak (the lower bound for the execution order) on real and benchmark models.
#include <filesystem>
#include <random>

#include "gtest/gtest.h"
#include "runtime/memory_planner.h"
#include "seqrt/session.h"
#include "seqrt/tensor_io.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

using runtime::AlignUp;

TEST(MemoryPlanner, DisjointLifetimesShareBytes) {
  runtime::MemoryLayout layout = runtime::PlanMemory({{100, 0, 1}, {100, 2, 3}, {50, 1, 2}});
  EXPECT_EQ(layout.offsets[0], layout.offsets[1]);
  EXPECT_EQ(layout.arena_bytes, AlignUp(100) + AlignUp(50));
  EXPECT_EQ(layout.naive_bytes, 2 * AlignUp(100) + AlignUp(50));
  EXPECT_EQ(layout.live_peak_bytes, AlignUp(100) + AlignUp(50));
}

// A 20-layer MLP (MatMul -> Add -> Relu per layer) with varying widths: Add and Relu run in
// place, so only two consecutive activations are ever alive together.
TEST(MemoryPlanner, MlpChainIsPingPong) {
  const int kLayers = 20;
  const int64_t kBatch = 8;
  std::vector<int64_t> widths = {64};
  std::mt19937 rng(7);
  for (int i = 0; i < kLayers; ++i) widths.push_back(16 + 16 * static_cast<int64_t>(rng() % 12));
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {kBatch, widths[0]});
  std::string h = "x";
  for (int i = 1; i <= kLayers; ++i) {
    std::string n = std::to_string(i);
    b.Initializer("W" + n, {widths[i - 1], widths[i]}, std::vector<float>(widths[i - 1] * widths[i], 0.01f));
    b.Initializer("b" + n, {widths[i]}, std::vector<float>(widths[i], 0.1f));
    b.Node("MatMul", {h, "W" + n}, {"m" + n});
    b.Node("Add", {"m" + n, "b" + n}, {"a" + n});
    b.Node("Relu", {"a" + n}, {"r" + n});
    h = "r" + n;
  }
  b.Output(h, onnx::TensorProto::FLOAT, {kBatch, widths[kLayers]});
  auto session = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(session.ok()) << session.status();
  auto plan = session->DescribePlan({{"x", {kBatch, widths[0]}}});
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Peak: a MatMul step holds its input, its output and its kernel's scratch (Add and Relu
  // run in place). Naive: every value and every scratch block apart.
  ASSERT_EQ(plan->nodes.size(), static_cast<size_t>(3 * kLayers));
  int64_t expected = 0, naive = 0;
  for (int i = 1; i < kLayers; ++i) {
    const int64_t scratch = AlignUp(plan->nodes[3 * i].scratch_bytes);  // MatMul of layer i + 1
    expected = std::max(expected, AlignUp(kBatch * widths[i] * 4) + AlignUp(kBatch * widths[i + 1] * 4) + scratch);
  }
  for (int i = 1; i <= kLayers; ++i)
    naive += 3 * AlignUp(kBatch * widths[i] * 4) + AlignUp(plan->nodes[3 * (i - 1)].scratch_bytes);
  EXPECT_EQ(plan->arena_bytes, expected);
  EXPECT_EQ(plan->naive_bytes, naive);
  if (plan->arena_bytes != expected) {
    for (const PlannedNode& n : plan->nodes) std::printf("  node %s %s\n", n.name.c_str(), n.kernel.c_str());
    for (const PlannedValue& v : plan->values)
      std::printf("  %s offset %lld bytes %lld [%d,%d] alias %s\n", v.name.c_str(), (long long)v.offset,
                  (long long)v.bytes, v.first_step, v.last_step, v.alias_of.c_str());
  }
  EXPECT_EQ(plan->live_peak_bytes, expected);
  // And the plan still computes the right thing: every layer's pre-activation is positive.
  std::vector<float> x(kBatch * widths[0], 1.0f);
  auto out = session->Run({{"x", TensorView(x.data(), {kBatch, widths[0]})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_GT((*out)[0].data_as<float>()[0], 0.1f);
}

// Input dims for a model: a real case's test data, or T = 100 / batch for bench models.
std::vector<std::pair<std::string, Dims>> InputDimsFor(const std::filesystem::path& model,
                                                       const Session& session, int64_t batch) {
  std::vector<std::pair<std::string, Dims>> dims;
  auto data_dir = model.parent_path() / "test_data_set_0";
  if (std::filesystem::exists(data_dir)) {
    for (size_t k = 0; k < session.inputs().size(); ++k) {
      std::string name;
      auto t = ReadTensorFile((data_dir / ("input_" + std::to_string(k) + ".pb")).string(), &name);
      if (!t.ok()) return {};
      dims.emplace_back(name.empty() ? session.inputs()[k].name : name, t->dims());
    }
    return dims;
  }
  for (const ValueInfo& vi : session.inputs()) {
    Dims d;
    for (size_t i = 0; i < vi.shape.size(); ++i)
      d.push_back(vi.shape[i].known() ? vi.shape[i].value : (i == 0 ? batch : 100));
    dims.emplace_back(vi.name, d);
  }
  return dims;
}

TEST(MemoryPlanner, ArenaWithinTenPercentOfLivePeakOnSharedModels) {
  const std::filesystem::path shared(SEQRT_SHARED_DIR);
  ASSERT_TRUE(std::filesystem::exists(shared / "models")) << "shared material absent at " << shared;
  std::vector<std::filesystem::path> models;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared / "models"))
    if (e.path().extension() == ".onnx") models.push_back(e.path());
  std::sort(models.begin(), models.end());
  int checked = 0;
  for (const auto& m : models) {
    auto session = Session::Load(m.string());
    if (!session.ok()) continue;  // not runnable yet (its issue has not landed)
    for (int64_t batch : {1, 64}) {
      auto dims = InputDimsFor(m, *session, batch);
      if (dims.empty()) continue;
      auto plan = session->DescribePlan(dims);
      if (!plan.ok()) continue;
      EXPECT_LE(plan->arena_bytes, 1.1 * plan->live_peak_bytes) << m;
      EXPECT_LE(plan->arena_bytes, plan->naive_bytes) << m;
      ++checked;
      std::printf("  %-60s arena %10lld  live peak %10lld  naive %10lld\n", m.string().c_str(),
                  static_cast<long long>(plan->arena_bytes), static_cast<long long>(plan->live_peak_bytes),
                  static_cast<long long>(plan->naive_bytes));
      if (std::filesystem::exists(m.parent_path() / "test_data_set_0")) break;
    }
  }
  std::printf("  checked %d model/shape pairs\n", checked);
  EXPECT_GT(checked, 0);
}

// The matmul cell projects the input in fixed chunks of steps, so its planned scratch is the
// same at T = 100 and T = 1000: memory per call does not grow with the sequence length.
TEST(MemoryPlanner, RecurrentCellScratchIndependentOfSequenceLength) {
  const std::filesystem::path bench = std::filesystem::path(SEQRT_SHARED_DIR) / "models" / "bench";
  int checked = 0;
  for (const char* name : {"kws_lstm.onnx", "kws_gru.onnx", "bilstm_tagger.onnx", "seed_simplernn.onnx"}) {
    auto session = Session::Load((bench / name).string());
    ASSERT_TRUE(session.ok()) << name << ": " << session.status();
    const std::string input = session->inputs()[0].name;
    const int64_t features = session->inputs()[0].shape[2].value;
    for (int64_t batch : {1, 8}) {
      auto at100 = session->DescribePlan({{input, {batch, 100, features}}});
      auto at1000 = session->DescribePlan({{input, {batch, 1000, features}}});
      ASSERT_TRUE(at100.ok() && at1000.ok()) << name;
      ASSERT_EQ(at100->nodes.size(), at1000->nodes.size()) << name;
      for (size_t k = 0; k < at100->nodes.size(); ++k) {
        if (at100->nodes[k].kernel != "matmul_cell") continue;
        EXPECT_EQ(at1000->nodes[k].kernel, "matmul_cell") << name << " node " << at100->nodes[k].name;
        EXPECT_EQ(at100->nodes[k].scratch_bytes, at1000->nodes[k].scratch_bytes)
            << name << " batch " << batch << " node " << at100->nodes[k].name;
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace seqrt
