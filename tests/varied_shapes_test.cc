// One session serving every input shape (issue 13): plans per shape that share the weights
// prepared once, a bounded plan cache, concurrent Runs with mixed shapes, RunInto without
// copies, and the thread count holding on any calling thread.
//
// Expected outputs here are a fresh session's (or a serial run's) at the same shape: these
// tests check that caching, sharing and concurrency change nothing, bit for bit. Whether the
// numbers are right is the job of the differential and ONNX tests of each kernel.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "ops/onednn/engine.h"
#include "runtime/default_threads.h"
#include "seqrt/session.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

constexpr int64_t kFeatures = 8, kHidden = 64, kClasses = 5;

std::vector<float> RandomValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-0.4f, 0.4f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

onnx::AttributeProto IntAttr(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto IntsAttr(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

// A Keras-style sequence classifier like the bench models, small: x [batch, time, 8] ->
// Transpose -> LSTM(64, sequences) -> GRU(64, linear_before_reset) -> last state -> Dense(5).
// Outputs: "probs" [batch, 5] and "seq" (the LSTM's Y, [time, 1, batch, 64]).
std::string ClassifierModel() {
  testing::ModelBuilder b;
  b.Input("x", onnx::TensorProto::FLOAT, {-1, -1, kFeatures});
  auto* shape = b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(0)->set_dim_param("batch");
  shape->mutable_dim(1)->set_dim_param("time");
  const int64_t H = kHidden;
  b.Initializer("lstm_w", {1, 4 * H, kFeatures}, RandomValues(4 * H * kFeatures, 1));
  b.Initializer("lstm_r", {1, 4 * H, H}, RandomValues(4 * H * H, 2));
  b.Initializer("lstm_b", {1, 8 * H}, RandomValues(8 * H, 3));
  b.Initializer("gru_w", {1, 3 * H, H}, RandomValues(3 * H * H, 4));
  b.Initializer("gru_r", {1, 3 * H, H}, RandomValues(3 * H * H, 5));
  b.Initializer("gru_b", {1, 6 * H}, RandomValues(6 * H, 6));
  b.Initializer("dense_w", {H, kClasses}, RandomValues(H * kClasses, 7));
  b.Initializer("dense_b", {kClasses}, RandomValues(kClasses, 8));
  b.Node("Transpose", {"x"}, {"xt"})->add_attribute()->CopyFrom(IntsAttr("perm", {1, 0, 2}));
  auto* lstm = b.Node("LSTM", {"xt", "lstm_w", "lstm_r", "lstm_b"}, {"seq"});
  lstm->add_attribute()->CopyFrom(IntAttr("hidden_size", H));
  auto* axes = b.proto().mutable_graph()->add_initializer();
  axes->set_name("axis1");
  axes->set_data_type(onnx::TensorProto::INT64);
  axes->add_dims(1);
  axes->add_int64_data(1);
  b.Node("Squeeze", {"seq", "axis1"}, {"seq3"});
  auto* gru = b.Node("GRU", {"seq3", "gru_w", "gru_r", "gru_b"}, {"", "gru_h"});
  gru->add_attribute()->CopyFrom(IntAttr("hidden_size", H));
  gru->add_attribute()->CopyFrom(IntAttr("linear_before_reset", 1));
  auto* zero = b.proto().mutable_graph()->add_initializer();
  zero->set_name("axis0");
  zero->set_data_type(onnx::TensorProto::INT64);
  zero->add_dims(1);
  zero->add_int64_data(0);
  b.Node("Squeeze", {"gru_h", "axis0"}, {"last"});
  b.Node("MatMul", {"last", "dense_w"}, {"logits"});
  b.Node("Add", {"logits", "dense_b"}, {"probs"});
  b.Output("probs", onnx::TensorProto::FLOAT, {-1, kClasses});
  b.Output("seq", onnx::TensorProto::FLOAT, {-1, 1, -1, H});
  return b.Bytes();
}

struct Case {
  int64_t batch = 1, time = 1;
  std::vector<float> x;
};

Case MakeCase(int64_t batch, int64_t time, uint32_t seed) {
  return {batch, time, RandomValues(static_cast<size_t>(batch * time * kFeatures), seed)};
}

NamedInputs InputsOf(const Case& c) { return {{"x", TensorView(c.x.data(), {c.batch, c.time, kFeatures})}}; }

void ExpectBitIdentical(const std::vector<Tensor>& got, const std::vector<Tensor>& want, const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].dims(), want[o].dims()) << where << " output " << o;
    ASSERT_EQ(std::memcmp(got[o].raw_data(), want[o].raw_data(), got[o].byte_size()), 0)
        << where << " output " << o << " differs";
  }
}

TEST(VariedShapes, ThreeHundredLengthsMatchFreshSessionsWithinCacheBounds) {
  const std::string model = ClassifierModel();
  SessionOptions options;
  options.max_cached_plans = 12;
  options.max_cached_plan_bytes = int64_t{1} << 20;
  auto s = Session::LoadFromBytes(model, options);
  ASSERT_TRUE(s.ok()) << s.status();
  int64_t prepared_after_warmup = -1;
  for (int i = 0; i < 300; ++i) {
    // Distinct lengths 3..302, batch 1 and 2 interleaved (the batch-1 path packs the LSTM's
    // weights in its own column order: one copy per class).
    const int64_t time = 3 + (i * 7919) % 300, batch = i % 2 == 0 ? 1 : 2;
    const Case c = MakeCase(batch, time, 100 + i);
    auto got = s->Run(InputsOf(c));
    ASSERT_TRUE(got.ok()) << got.status();
    auto fresh = Session::LoadFromBytes(model, options);
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    auto want = fresh->Run(InputsOf(c));
    ASSERT_TRUE(want.ok()) << want.status();
    ExpectBitIdentical(*got, *want, "T=" + std::to_string(time) + " N=" + std::to_string(batch));
    const SessionStats st = s->stats();
    ASSERT_LE(st.cached_plans, options.max_cached_plans);
    ASSERT_LE(st.cached_plan_bytes, options.max_cached_plan_bytes);
    if (i == 1) prepared_after_warmup = st.prepared_states;
  }
  const SessionStats st = s->stats();
  EXPECT_EQ(st.plans_built, 300);
  EXPECT_EQ(st.plans_evicted, 300 - st.cached_plans);
  // Weights were prepared for the first plan of each batch class and never again.
  EXPECT_GT(prepared_after_warmup, 0);
  EXPECT_EQ(st.prepared_states, prepared_after_warmup);
  EXPECT_LE(st.idle_arenas, options.max_idle_arenas);
  // oneDNN's own primitive cache (JIT code of every shape it saw) is bounded too, unless the
  // user set its size (benchmarks/RESULTS.md: ~16 MB over 400 lengths at its default 1024).
  if (std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY") == nullptr && std::getenv("DNNL_PRIMITIVE_CACHE_CAPACITY") == nullptr) {
    EXPECT_EQ(dnnl::get_primitive_cache_capacity(), 64);  // set by the sessions' kernels, not by this test
    EXPECT_EQ(ops::OnednnPrimitiveCacheCapacity(), 64);
  }
}

TEST(VariedShapes, EightThreadsOfMixedRunsMatchSerialAndSurviveAFailingRun) {
  const std::string model = ClassifierModel();
  std::vector<Case> cases;
  for (int i = 0; i < 24; ++i) cases.push_back(MakeCase(1 + i % 3, 4 + (i * 5) % 37, 500 + i));
  std::vector<std::vector<Tensor>> serial;
  {
    auto s = Session::LoadFromBytes(model);
    ASSERT_TRUE(s.ok()) << s.status();
    for (const Case& c : cases) {
      auto out = s->Run(InputsOf(c));
      ASSERT_TRUE(out.ok()) << out.status();
      serial.push_back(std::move(*out));
    }
  }
  SessionOptions options;
  options.max_cached_plans = 6;  // fewer than the shapes: plans are evicted while in use
  auto s = Session::LoadFromBytes(model, options);
  ASSERT_TRUE(s.ok()) << s.status();
  std::atomic<int> mismatches{0}, failures{0}, bad_input_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1000 + t);
      for (int r = 0; r < 500; ++r) {
        if (r == 250) {
          // A bad input (wrong feature size) in the middle of everything else.
          std::vector<float> bad(2 * 10 * 3, 1.f);
          auto err = s->Run({{"x", TensorView(bad.data(), {2, 10, 3})}});
          if (!err.ok() && std::string(err.status().message()).find("'x'") != std::string::npos) ++bad_input_errors;
          continue;
        }
        const size_t k = rng() % cases.size();
        auto out = s->Run(InputsOf(cases[k]));
        if (!out.ok()) {
          ++failures;
          continue;
        }
        for (size_t o = 0; o < out->size(); ++o)
          if ((*out)[o].dims() != serial[k][o].dims() ||
              std::memcmp((*out)[o].raw_data(), serial[k][o].raw_data(), (*out)[o].byte_size()) != 0)
            ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(bad_input_errors.load(), 8);
  const SessionStats st = s->stats();
  EXPECT_LE(st.cached_plans, options.max_cached_plans);
  EXPECT_GT(st.plans_evicted, 0);
}

TEST(VariedShapes, ThreadsAskingForTheSameNewShapeBuildItOnce) {
  auto s = Session::LoadFromBytes(ClassifierModel());
  ASSERT_TRUE(s.ok()) << s.status();
  const Case c = MakeCase(3, 50, 77);
  std::atomic<int> ready{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      ++ready;
      while (ready.load() < 8) std::this_thread::yield();  // all ask at about the same time
      if (s->Run(InputsOf(c)).ok()) ++ok;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(s->stats().plans_built, 1);
}

// 64-byte aligned float storage, as the direct path asks.
struct AlignedFloats {
  explicit AlignedFloats(size_t n)
      : size(n), data(static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64))) {}
  ~AlignedFloats() { std::free(data); }
  size_t bytes() const { return size * sizeof(float); }
  size_t size;
  float* data;
};

TEST(VariedShapes, RunIntoWritesExactBuffersWithoutCopying) {
  auto s = Session::LoadFromBytes(ClassifierModel());
  ASSERT_TRUE(s.ok()) << s.status();
  const Case c = MakeCase(2, 17, 42);
  auto want = s->Run(InputsOf(c));
  ASSERT_TRUE(want.ok()) << want.status();
  AlignedFloats probs(2 * kClasses), seq(17 * 2 * kHidden);
  const SessionStats before = s->stats();
  auto dims = s->RunInto(InputsOf(c), {{"seq", seq.data, seq.bytes()}, {"probs", probs.data, probs.bytes()}});
  ASSERT_TRUE(dims.ok()) << dims.status();
  const SessionStats after = s->stats();
  EXPECT_EQ(after.outputs_written_directly - before.outputs_written_directly, 2);
  EXPECT_EQ(after.outputs_copied - before.outputs_copied, 0);
  ASSERT_EQ(dims->size(), 2u);
  EXPECT_EQ((*dims)[0], (Dims{17, 1, 2, kHidden}));
  EXPECT_EQ((*dims)[1], (Dims{2, kClasses}));
  EXPECT_EQ(std::memcmp(seq.data, (*want)[1].raw_data(), seq.bytes()), 0);
  EXPECT_EQ(std::memcmp(probs.data, (*want)[0].raw_data(), probs.bytes()), 0);
  // The plan's arena copy of the outputs is untouched by the redirect: a plain Run after it
  // still returns the same values.
  auto again = s->Run(InputsOf(c));
  ASSERT_TRUE(again.ok()) << again.status();
  ExpectBitIdentical(*again, *want, "Run after RunInto");
}

TEST(VariedShapes, RunIntoTooSmallNamesTheOutputAndBothSizes) {
  auto s = Session::LoadFromBytes(ClassifierModel());
  ASSERT_TRUE(s.ok()) << s.status();
  const Case c = MakeCase(2, 9, 43);
  AlignedFloats probs(2 * kClasses - 1);
  auto r = s->RunInto(InputsOf(c), {{"probs", probs.data, probs.bytes()}});
  ASSERT_FALSE(r.ok());
  const std::string msg(r.status().message());
  EXPECT_NE(msg.find("output 'probs' needs 40 bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the buffer holds 36"), std::string::npos) << msg;
}

TEST(VariedShapes, SessionThreadsHoldOnAnotherThreadAndRunOptionsOverride) {
  SessionOptions options;
  options.threads = 2;
  auto s = Session::LoadFromBytes(ClassifierModel(), options);
  ASSERT_TRUE(s.ok()) << s.status();
  const Case c = MakeCase(1, 12, 44);
  int during_session = -1, during_override = -1, after = -1, outside = -1;
  std::thread other([&] {
    omp_set_num_threads(1);  // this thread's own setting, which a Run must not leave changed
    std::vector<ProfileEvent> profile;
    RunOptions ro;
    ro.profile = &profile;
    auto out = s->Run(InputsOf(c), ro);
    if (!out.ok() || profile.empty()) return;
    during_session = profile.front().threads;
    for (const ProfileEvent& e : profile) during_session = std::min(during_session, e.threads);
    after = omp_get_max_threads();
    profile.clear();
    ro.threads = 3;
    out = s->Run(InputsOf(c), ro);
    if (!out.ok() || profile.empty()) return;
    during_override = profile.back().threads;
    outside = omp_get_max_threads();
  });
  other.join();
  EXPECT_EQ(during_session, 2);
  EXPECT_EQ(during_override, 3);
  EXPECT_EQ(after, 1);
  EXPECT_EQ(outside, 1);
}

}  // namespace
}  // namespace seqrt

namespace seqrt {
namespace {

// SessionOptions::threads = 0 (the default): OMP_NUM_THREADS when set, else the physical cores
// the process may use; a Run on another thread gets that count, whatever that thread's own
// OpenMP setting.
TEST(VariedShapes, DefaultThreadsAreOnePerPhysicalCoreOrOmpNumThreads) {
  const int cores = runtime::PhysicalCoresAvailable();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const char* env = std::getenv("OMP_NUM_THREADS");
  const int want = env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : cores;
  EXPECT_EQ(DefaultThreads(), want);
  EXPECT_EQ(SessionOptions{}.threads, 0);
  auto s = Session::LoadFromBytes(ClassifierModel());
  ASSERT_TRUE(s.ok()) << s.status();
  const Case c = MakeCase(1, 12, 45);
  int during = -1;
  std::thread other([&] {
    omp_set_num_threads(want + 1);  // the calling thread's own setting must not leak in
    std::vector<ProfileEvent> profile;
    RunOptions ro;
    ro.profile = &profile;
    auto out = s->Run(InputsOf(c), ro);
    if (!out.ok() || profile.empty()) return;
    during = profile.front().threads;
  });
  other.join();
  EXPECT_EQ(during, want);
}

}  // namespace
}  // namespace seqrt
