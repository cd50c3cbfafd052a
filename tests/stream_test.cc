// Streaming (seqrt::Stream): a sequence cut into chunks and run through a stream gives the
// outputs of one full run; many streams share one session; models that cannot stream are
// refused at OpenStream with the node and the reason; bad chunks get one-line errors.
//
// The property tested here is chunking invariance (stream vs the same model's full run);
// that the full run itself is right is what the real-model tests (ONNX Runtime outputs) and
// the silero-vad host-loop check (tests/stream_silero_ort_test.sh) establish.
#include <filesystem>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "seqrt/session.h"
#include "seqrt/stream.h"
#include "tests/model_builder.h"

namespace seqrt {
namespace {

namespace fs = std::filesystem;

const fs::path kShared(SEQRT_SHARED_DIR);

std::string ModelPath(const std::string& rel) {
  const fs::path p = kShared / "models" / rel;
  return p.string();
}

Tensor RandomTensor(const Dims& dims, uint64_t seed) {
  Tensor t(DType::kFloat, dims);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data_as<float>()[i] = u(rng);
  return t;
}

// Outer x axis x inner around `axis` of row-major dims (test-local, independent of the CLI's).
Tensor Slice(const Tensor& t, int axis, int64_t start, int64_t len) {
  Dims d = t.dims();
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= d[k];
  for (size_t k = axis + 1; k < d.size(); ++k) inner *= d[k];
  const int64_t full = d[axis];
  d[axis] = len;
  Tensor out(t.dtype(), d);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t s = 0; s < len; ++s)
      for (int64_t i = 0; i < inner; ++i)
        out.data_as<float>()[(o * len + s) * inner + i] = t.data_as<float>()[(o * full + start + s) * inner + i];
  return out;
}

Tensor Concat(const std::vector<Tensor>& parts, int axis) {
  Dims d = parts[0].dims();
  d[axis] = 0;
  for (const Tensor& p : parts) d[axis] += p.dims()[axis];
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= d[k];
  for (size_t k = axis + 1; k < d.size(); ++k) inner *= d[k];
  Tensor out(parts[0].dtype(), d);
  int64_t offset = 0;
  for (const Tensor& p : parts) {
    const int64_t len = p.dims()[axis];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t s = 0; s < len; ++s)
        for (int64_t i = 0; i < inner; ++i)
          out.data_as<float>()[(o * d[axis] + offset + s) * inner + i] = p.data_as<float>()[(o * len + s) * inner + i];
    offset += len;
  }
  return out;
}

// Largest |a - b| relative to the largest |b|; inf when shapes differ.
double RelativeError(const Tensor& a, const Tensor& b) {
  if (a.dims() != b.dims()) return std::numeric_limits<double>::infinity();
  double diff = 0, ref = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    diff = std::max(diff, std::fabs(double(a.data_as<float>()[i]) - b.data_as<float>()[i]));
    ref = std::max(ref, std::fabs(double(b.data_as<float>()[i])));
  }
  return ref > 0 ? diff / ref : diff;
}

// Chunk lengths covering `total` steps.
std::vector<int64_t> FixedChunks(int64_t total, int64_t size) {
  std::vector<int64_t> out;
  for (int64_t s = 0; s < total; s += size) out.push_back(std::min(size, total - s));
  return out;
}
std::vector<int64_t> RandomChunks(int64_t total, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> len(1, 12);
  std::vector<int64_t> out;
  for (int64_t s = 0; s < total;) {
    const int64_t n = std::min(len(rng), total - s);
    out.push_back(n);
    s += n;
  }
  return out;
}

// Streams `x` (the time input) in `chunks` and returns the stitched outputs.
std::vector<Tensor> RunStitched(Stream& stream, const std::string& name, const Tensor& x,
                                const std::vector<int64_t>& chunks) {
  const StreamInfo& info = stream.info();
  std::vector<std::vector<Tensor>> parts(info.output_time_axis.size());
  std::vector<Tensor> last;
  int64_t start = 0;
  for (int64_t n : chunks) {
    Tensor piece = Slice(x, info.time_axis, start, n);
    auto out = stream.Run({{name, piece.view()}});
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return {};
    for (size_t i = 0; i < out->size(); ++i)
      if (info.output_time_axis[i] >= 0) parts[i].push_back((*out)[i]);
    last = *out;
    start += n;
  }
  std::vector<Tensor> stitched(parts.size());
  for (size_t i = 0; i < parts.size(); ++i)
    stitched[i] = info.output_time_axis[i] >= 0 ? Concat(parts[i], info.output_time_axis[i]) : last[i];
  return stitched;
}

struct StreamCase {
  std::string model;  // under shared/models
  Dims dims;          // of the full input; the time axis is found by OpenStream
  std::vector<int64_t> batches;  // batch sizes to try (dim 0)
};

void PrintTo(const StreamCase& c, std::ostream* os) { *os << c.model; }

class StreamChunking : public ::testing::TestWithParam<StreamCase> {};

TEST_P(StreamChunking, StitchedChunksEqualTheFullRun) {
  const StreamCase& c = GetParam();
  const std::string path = ModelPath(c.model);
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: the shared models folder is needed";
  auto session = Session::Load(path);
  ASSERT_TRUE(session.ok()) << session.status();
  auto stream = session->OpenStream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  const StreamInfo& info = stream->info();
  ASSERT_FALSE(info.time_input.empty());
  ASSERT_GE(info.time_axis, 0);
  for (int64_t batch : c.batches) {
    Dims dims = c.dims;
    dims[info.batch_axis] = batch;
    const int64_t steps = dims[info.time_axis];
    const Tensor x = RandomTensor(dims, 1234 + batch);
    auto full = session->Run({{info.time_input, x.view()}});
    ASSERT_TRUE(full.ok()) << full.status();
    std::vector<std::pair<std::string, std::vector<int64_t>>> splits = {
        {"1", FixedChunks(steps, 1)}, {"7", FixedChunks(steps, 7)}, {"32", FixedChunks(steps, 32)},
        {"random", RandomChunks(steps, 99 + batch)}};
    for (const auto& [label, chunks] : splits) {
      stream->Reset();
      std::vector<Tensor> stitched = RunStitched(*stream, info.time_input, x, chunks);
      ASSERT_EQ(stitched.size(), full->size());
      for (size_t i = 0; i < full->size(); ++i) {
        EXPECT_LE(RelativeError(stitched[i], (*full)[i]), 1e-6)
            << c.model << " batch " << batch << " chunks " << label << " output " << session->outputs()[i].name;
      }
      EXPECT_EQ(stream->steps_seen(), steps);
    }
  }
}

// Bench models take any T; real exports mostly fix it (the stream frees it, the full run
// needs the model's own length) and some fix the batch.
INSTANTIATE_TEST_SUITE_P(
    Models, StreamChunking,
    ::testing::Values(StreamCase{"bench/seed_simplernn.onnx", {1, 70, 26}, {1, 3}},
                      StreamCase{"bench/kws_lstm.onnx", {1, 70, 40}, {1, 3}},
                      StreamCase{"bench/kws_gru.onnx", {1, 70, 40}, {1, 3}},
                      StreamCase{"bench/big_lstm.onnx", {1, 40, 512}, {1, 3}},
                      StreamCase{"real/aircraft_pm_lstm_model/model.onnx", {1, 30, 17}, {1, 3}},
                      StreamCase{"real/digi_flask_lstm_model/model.onnx", {1, 50, 8}, {1, 3}},
                      StreamCase{"real/exercise_classification_lstmlunges/model.onnx", {1, 8, 68}, {1, 3}},
                      StreamCase{"real/exercise_classification_lstmpushups/model.onnx", {1, 8, 392}, {1, 3}},
                      StreamCase{"real/flow_controller_torch_gru_model/model.onnx", {1, 50, 7}, {1}},
                      StreamCase{"real/fraud_lstm_fraud_rnn_static/model.onnx", {8, 7, 161}, {8}},
                      StreamCase{"real/fraud_lstm_tmp_test_fn/model.onnx", {8, 7, 10}, {8}},
                      StreamCase{"real/onnxconverter_common_test_model_1_no_opt/model.onnx", {1, 1, 512}, {1}}),
    [](const ::testing::TestParamInfo<StreamCase>& info) {
      std::string n = fs::path(info.param.model).parent_path().filename().string();
      if (n == "bench") n = fs::path(info.param.model).stem().string();
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// The test above could pass with a stream that never carries anything if every output only
// depended on the last chunk; this one shows the carried state matters.
TEST(Stream, CarriedStateChangesTheResult) {
  auto session = Session::Load(ModelPath("bench/kws_lstm.onnx"));
  ASSERT_TRUE(session.ok()) << session.status();
  const Tensor x = RandomTensor({1, 20, 40}, 5);
  auto stream = session->OpenStream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  auto stitched = RunStitched(*stream, "x", x, {10, 10});
  auto alone = session->Run({{"x", Slice(x, 1, 10, 10).view()}});
  ASSERT_TRUE(alone.ok());
  EXPECT_GT(RelativeError((*alone)[0], stitched[0]), 1e-5);  // far above the 1e-6 tolerance
  auto full = session->Run({{"x", x.view()}});
  EXPECT_LE(RelativeError(stitched[0], (*full)[0]), 1e-6);
}

// A stream keeps the plan of its last chunk shape and reuses it without asking the session.
// With a one-plan cache, two streams of different chunk sizes on one session evict each
// other's plans on every call; each must still give what a fresh session's stream gives,
// and a chunk size that changes mid-stream (replanning) must too.
TEST(Stream, ReusedPlansSurviveEvictionAndChunkShapeChanges) {
  SessionOptions tiny;
  tiny.max_cached_plans = 1;
  auto shared = Session::Load(ModelPath("bench/kws_gru.onnx"), tiny);
  ASSERT_TRUE(shared.ok()) << shared.status();
  const Tensor xa = RandomTensor({1, 24, 40}, 31), xb = RandomTensor({1, 24, 40}, 32);
  const std::vector<int64_t> ca(12, 2), cb = {3, 3, 3, 5, 1, 1, 4, 4};  // cb changes size mid-stream
  auto a = shared->OpenStream();
  auto b = shared->OpenStream();
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<Tensor> last_a, last_b;
  int64_t pa = 0, pb = 0;
  for (size_t i = 0; i < std::max(ca.size(), cb.size()); ++i) {
    if (i < ca.size()) {
      auto out = a->Run({{"x", Slice(xa, 1, pa, ca[i]).view()}});
      ASSERT_TRUE(out.ok()) << out.status();
      last_a = *out;
      pa += ca[i];
    }
    if (i < cb.size()) {
      auto out = b->Run({{"x", Slice(xb, 1, pb, cb[i]).view()}});
      ASSERT_TRUE(out.ok()) << out.status();
      last_b = *out;
      pb += cb[i];
    }
  }
  auto fresh = Session::Load(ModelPath("bench/kws_gru.onnx"));
  ASSERT_TRUE(fresh.ok());
  auto fa = fresh->OpenStream();
  auto fb = fresh->OpenStream();
  ASSERT_TRUE(fa.ok() && fb.ok());
  const std::vector<Tensor> ref_a = RunStitched(*fa, "x", xa, ca), ref_b = RunStitched(*fb, "x", xb, cb);
  EXPECT_EQ(RelativeError(last_a[0], ref_a[0]), 0.0);
  EXPECT_EQ(RelativeError(last_b[0], ref_b[0]), 0.0);
  auto full = fresh->Run({{"x", xb.view()}});
  ASSERT_TRUE(full.ok());
  EXPECT_LE(RelativeError(last_b[0], (*full)[0]), 1e-6);
}

TEST(Stream, EightStreamsOnEightThreadsEqualTheirSerialRuns) {
  auto session = Session::Load(ModelPath("bench/kws_gru.onnx"));
  ASSERT_TRUE(session.ok()) << session.status();
  constexpr int kStreams = 8;
  std::vector<Tensor> inputs;
  std::vector<std::vector<Tensor>> serial(kStreams), threaded(kStreams);
  std::vector<std::vector<int64_t>> chunks(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    inputs.push_back(RandomTensor({1 + i % 3, 30, 40}, 700 + i));
    chunks[i] = RandomChunks(30, 800 + i);
    auto s = session->OpenStream();
    ASSERT_TRUE(s.ok()) << s.status();
    serial[i] = RunStitched(*s, "x", inputs[i], chunks[i]);
  }
  std::vector<Stream> streams;
  for (int i = 0; i < kStreams; ++i) streams.push_back(std::move(session->OpenStream().value()));
  std::vector<std::thread> threads;
  for (int i = 0; i < kStreams; ++i)
    threads.emplace_back([&, i] { threaded[i] = RunStitched(streams[i], "x", inputs[i], chunks[i]); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_EQ(threaded[i].size(), 1u) << "stream " << i;
    EXPECT_EQ(RelativeError(threaded[i][0], serial[i][0]), 0.0) << "stream " << i;
  }
}

TEST(Stream, ChunkWithWrongFeatureSizeOrBatchIsRefused) {
  auto session = Session::Load(ModelPath("bench/kws_lstm.onnx"));
  ASSERT_TRUE(session.ok()) << session.status();
  auto stream = session->OpenStream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  Tensor bad_features = RandomTensor({1, 5, 41}, 1);
  auto r = stream->Run({{"x", bad_features.view()}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dim 2 to 40"), std::string::npos) << r.status();
  Tensor good = RandomTensor({1, 5, 40}, 2);
  ASSERT_TRUE(stream->Run({{"x", good.view()}}).ok());
  Tensor other_batch = RandomTensor({3, 5, 40}, 3);
  r = stream->Run({{"x", other_batch.view()}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has batch 3"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("stream's batch is 1"), std::string::npos) << r.status();
  Tensor later_features = RandomTensor({1, 5, 39}, 4);
  r = stream->Run({{"x", later_features.view()}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("40"), std::string::npos) << r.status();
  // Reset starts over: another batch is fine then.
  stream->Reset();
  EXPECT_TRUE(stream->Run({{"x", other_batch.view()}}).ok());
  auto missing = stream->Run({});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing time input 'x'"), std::string::npos) << missing.status();
}

struct RefusedCase {
  std::string model;
  std::string message;  // a part of the error
};
void PrintTo(const RefusedCase& c, std::ostream* os) { *os << c.model; }
class StreamRefused : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(StreamRefused, OpenStreamNamesTheNodeAndWhy) {
  const std::string path = ModelPath(GetParam().model);
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: the shared models folder is needed";
  auto session = Session::Load(path);
  ASSERT_TRUE(session.ok()) << session.status();
  auto stream = session->OpenStream();
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find(GetParam().message), std::string::npos) << stream.status();
}

// The shared models that cannot stream, and why.
INSTANTIATE_TEST_SUITE_P(
    Models, StreamRefused,
    ::testing::Values(
        RefusedCase{"bench/bilstm_tagger.onnx", "is bidirectional"},
        RefusedCase{"real/contract_analyzer_lstm_model/model.onnx", "LSTM node 'LSTM__202' is bidirectional"},
        RefusedCase{"real/tract_byte_sb_bidi_lstm/model.onnx", "LSTM node 'LSTM_9' is bidirectional"},
        RefusedCase{"real/transformer_monitor_lstm_autoencoder/model.onnx",
                    "LSTM node 'LSTM__73' runs over a sequence built from the last time step"},
        RefusedCase{"real/water_forecast_lstm_model/model.onnx", "selects a range of time steps"},
        RefusedCase{"real/water_forecast_gru_model/model.onnx", "attention_1_1/MatMul' multiplies by a matrix"},
        RefusedCase{"real/water_forecast_model/model.onnx", "multiplies by a matrix computed from the time input"},
        RefusedCase{"real/rul_lstm_torch_lstm_model/model.onnx", "GatherElements node '/GatherElements' has no streaming rule"},
        RefusedCase{"real/needle_torch_rnn/model.onnx", "lost by Reshape node '/Reshape'"},
        RefusedCase{"real/quant_sentinel_lstm/model.onnx", "time axis was lost by Reshape node 'sequential_5_1/lstm_15_1/transpose' ([1,time~,36] -> [60,1,36])"},
        RefusedCase{"real/quant_sentinel_lstm_pre_v2_backup/model.onnx", "lost by Reshape node 'sequential_1/lstm_1/transpose'"},
        RefusedCase{"real/tract_keras_tract_tf2_example/model.onnx", "no recurrent node"},
        RefusedCase{"real/tract_qlstm_3_2_3_t3_s1/model.onnx", "no recurrent node"},
        RefusedCase{"real/dtln_model_2/model.onnx", "no state input/output pair"}),
    [](const ::testing::TestParamInfo<RefusedCase>& info) {
      std::string n = fs::path(info.param.model).parent_path().filename().string();
      if (n == "bench") n = fs::path(info.param.model).stem().string();
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// A one-layer LSTM over x[T, N, 4] (time-major), with `prefix` nodes between x and the LSTM.
std::string TinyLstm(const std::string& direction, const std::function<std::string(testing::ModelBuilder&)>& prefix,
                     const std::vector<int64_t>& x_dims = {-1, -1, 4}) {
  testing::ModelBuilder b(14);
  b.Input("x", onnx::TensorProto::FLOAT, x_dims);
  const int dirs = direction == "bidirectional" ? 2 : 1;
  b.Initializer("W", {dirs, 12, 4}, std::vector<float>(dirs * 48, 0.1f));
  b.Initializer("R", {dirs, 12, 3}, std::vector<float>(dirs * 36, 0.1f));
  const std::string in = prefix ? prefix(b) : "x";
  auto* n = b.Node("LSTM", {in, "W", "R"}, {"Y", "Y_h"}, "lstm");
  auto* hs = n->add_attribute();
  hs->set_name("hidden_size");
  hs->set_type(onnx::AttributeProto::INT);
  hs->set_i(3);
  auto* dir = n->add_attribute();
  dir->set_name("direction");
  dir->set_type(onnx::AttributeProto::STRING);
  dir->set_s(direction);
  b.Output("Y_h", onnx::TensorProto::FLOAT, {dirs, -1, 3});
  // Two symbols: the builder names every free dim "N"; the time dim gets its own.
  b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("T");
  return b.Bytes();
}

absl::Status OpenStreamOn(const std::string& bytes) {
  auto session = Session::LoadFromBytes(bytes);
  if (!session.ok()) return session.status();
  return session->OpenStream().status();
}

TEST(StreamRefusedSynthetic, ReverseAndBidirectionalLayers) {
  absl::Status reverse = OpenStreamOn(TinyLstm("reverse", nullptr));
  EXPECT_NE(reverse.message().find("LSTM node 'lstm' runs in reverse"), std::string::npos) << reverse;
  absl::Status bidi = OpenStreamOn(TinyLstm("bidirectional", nullptr));
  EXPECT_NE(bidi.message().find("LSTM node 'lstm' is bidirectional"), std::string::npos) << bidi;
  EXPECT_TRUE(OpenStreamOn(TinyLstm("forward", nullptr)).ok());
}

TEST(StreamRefusedSynthetic, ReductionOverTimeBeforeARecurrentLayer) {
  absl::Status st = OpenStreamOn(TinyLstm("forward", [](testing::ModelBuilder& b) {
    auto* n = b.Node("ReduceMean", {"x"}, {"m"}, "mean_over_time");
    auto* axes = n->add_attribute();
    axes->set_name("axes");
    axes->set_type(onnx::AttributeProto::INTS);
    axes->add_ints(0);
    return std::string("m");
  }));
  EXPECT_NE(st.message().find("ReduceMean node 'mean_over_time' reduces over the time axis"), std::string::npos) << st;
}

TEST(StreamRefusedSynthetic, ConvolutionAlongTime) {
  // x[N, 4, T] -> Conv(kernel 3 along T) -> [N, 4, T'] -> Transpose to [T', N, 4] -> LSTM.
  const std::string bytes = TinyLstm(
      "forward",
      [](testing::ModelBuilder& b) {
        b.Initializer("K", {4, 4, 3}, std::vector<float>(48, 0.1f));
        b.Node("Conv", {"x", "K"}, {"c"}, "conv_over_time");
        auto* t = b.Node("Transpose", {"c"}, {"ct"}, "to_time_major");
        auto* perm = t->add_attribute();
        perm->set_name("perm");
        perm->set_type(onnx::AttributeProto::INTS);
        for (int p : {2, 0, 1}) perm->add_ints(p);
        return std::string("ct");
      },
      {-1, 4, -1});
  auto session = Session::LoadFromBytes(bytes);
  ASSERT_TRUE(session.ok()) << session.status();
  // The Conv's output length is not the input's, so no axis reaches the LSTM by itself: the
  // error names the time axis search; with the axis given, it names the Conv.
  EXPECT_FALSE(session->OpenStream().ok());
  StreamOptions options;
  options.time_input = "x";
  options.time_axis = 2;
  auto stream = session->OpenStream(options);
  ASSERT_FALSE(stream.ok());
  EXPECT_NE(stream.status().message().find("Conv node 'conv_over_time' convolves/pools along the time axis (kernel 3)"),
            std::string::npos)
      << stream.status();
}

TEST(StreamBindings, NamingRule) {
  // Documented pairs (include/seqrt/stream.h) and near misses, through a model with
  // identity "state" paths: input S -> Identity -> output O.
  auto pairs = [](const std::string& in, const std::string& out) {
    testing::ModelBuilder b(14);
    b.Input(in, onnx::TensorProto::FLOAT, {2, 3});
    b.Node("Identity", {in}, {out}, "id");
    b.Output(out, onnx::TensorProto::FLOAT, {2, 3});
    auto session = Session::LoadFromBytes(b.Bytes());
    if (!session.ok()) return false;
    auto stream = session->OpenStream();
    return stream.ok() && stream->info().state_bindings.size() == 1;
  };
  EXPECT_TRUE(pairs("state", "stateN"));
  EXPECT_TRUE(pairs("h_in", "h_out"));
  EXPECT_TRUE(pairs("h0", "hn"));
  EXPECT_TRUE(pairs("cache", "cache_next"));
  EXPECT_FALSE(pairs("input_3", "lstm_4"));
  EXPECT_FALSE(pairs("input", "output"));
}

TEST(StreamBindings, ExplicitPairCarriesStateAndAutoCanBeTurnedOff) {
  // acc_out = acc + x: a running sum across chunks when acc is bound.
  testing::ModelBuilder b(14);
  b.Input("x", onnx::TensorProto::FLOAT, {1, 2});
  b.Input("acc", onnx::TensorProto::FLOAT, {1, 2});
  b.Node("Add", {"acc", "x"}, {"total"}, "add");
  b.Output("total", onnx::TensorProto::FLOAT, {1, 2});
  auto session = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_FALSE(session->OpenStream().ok());  // no name match, nothing to stream
  StreamOptions options;
  options.state_bindings = {{"total", "acc"}};
  auto stream = session->OpenStream(options);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<float> xs = {1, 2};
  Tensor x = Tensor::FromVector(DType::kFloat, {1, 2}, xs);
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) {
    auto r = stream->Run({{"x", x.view()}});
    ASSERT_TRUE(r.ok()) << r.status();
    out = *r;
  }
  EXPECT_EQ(out[0].data_as<float>()[0], 3.f);
  EXPECT_EQ(out[0].data_as<float>()[1], 6.f);
  auto given_later = stream->Run({{"x", x.view()}, {"acc", x.view()}});
  ASSERT_FALSE(given_later.ok());
  EXPECT_NE(given_later.status().message().find("input 'acc' is carried by the stream"), std::string::npos);
  StreamOptions bad;
  bad.state_bindings = {{"nope", "acc"}};
  auto refused = session->OpenStream(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the model has no output 'nope'"), std::string::npos) << refused.status();

  // state -> stateN pairs automatically unless turned off.
  testing::ModelBuilder c(14);
  c.Input("x", onnx::TensorProto::FLOAT, {1, 2});
  c.Input("state", onnx::TensorProto::FLOAT, {1, 2});
  c.Node("Add", {"state", "x"}, {"stateN"}, "add");
  c.Output("stateN", onnx::TensorProto::FLOAT, {1, 2});
  auto auto_session = Session::LoadFromBytes(c.Bytes());
  ASSERT_TRUE(auto_session.ok());
  auto auto_stream = auto_session->OpenStream();
  ASSERT_TRUE(auto_stream.ok()) << auto_stream.status();
  ASSERT_EQ(auto_stream->info().state_bindings.size(), 1u);
  EXPECT_EQ(auto_stream->info().state_bindings[0].first, "stateN");
  StreamOptions off;
  off.auto_bind_state = false;
  EXPECT_FALSE(auto_session->OpenStream(off).ok());
}

}  // namespace
}  // namespace seqrt

namespace seqrt {
namespace {

// sequence_lens given per chunk (the valid steps inside each chunk) reproduce the full run
// with the sequences' lengths: Y is zero past each length, Y_h is the state at its last step.
TEST(Stream, SequenceLensPerChunkMatchTheFullRun) {
  testing::ModelBuilder b(14);
  b.Input("x", onnx::TensorProto::FLOAT, {-1, -1, 4});
  b.Input("lens", onnx::TensorProto::INT32, {-1});
  std::vector<float> w(48), r(36), bias(24);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * ((i * 7) % 11) - 0.25f;
  for (size_t i = 0; i < r.size(); ++i) r[i] = 0.04f * ((i * 5) % 13) - 0.24f;
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = 0.01f * i - 0.1f;
  b.Initializer("W", {1, 12, 4}, w).Initializer("R", {1, 12, 3}, r).Initializer("B", {1, 24}, bias);
  auto* n = b.Node("LSTM", {"x", "W", "R", "B", "lens"}, {"Y", "Y_h"}, "lstm");
  auto* hs = n->add_attribute();
  hs->set_name("hidden_size");
  hs->set_type(onnx::AttributeProto::INT);
  hs->set_i(3);
  b.Output("Y", onnx::TensorProto::FLOAT, {-1, 1, -1, 3});
  b.Output("Y_h", onnx::TensorProto::FLOAT, {1, -1, 3});
  b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("T");
  auto session = Session::LoadFromBytes(b.Bytes());
  ASSERT_TRUE(session.ok()) << session.status();
  auto stream = session->OpenStream();
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_EQ(stream->info().time_axis, 0);
  ASSERT_EQ(stream->info().output_time_axis, (std::vector<int>{0, -1}));
  const int64_t steps = 20, batch = 3;
  const std::vector<int32_t> lengths = {20, 9, 1};
  const Tensor x = RandomTensor({steps, batch, 4}, 42);
  const Tensor lens = Tensor::FromVector(DType::kInt32, {batch}, lengths);
  auto full = session->Run({{"x", x.view()}, {"lens", lens.view()}});
  ASSERT_TRUE(full.ok()) << full.status();
  for (const auto& chunks : {FixedChunks(steps, 1), FixedChunks(steps, 7), RandomChunks(steps, 3)}) {
    stream->Reset();
    std::vector<Tensor> ys;
    Tensor y_h;
    int64_t start = 0;
    for (int64_t len : chunks) {
      std::vector<int32_t> chunk_lens;
      for (int32_t l : lengths) chunk_lens.push_back(static_cast<int32_t>(std::clamp<int64_t>(l - start, 0, len)));
      const Tensor cl = Tensor::FromVector(DType::kInt32, {batch}, chunk_lens);
      const Tensor piece = Slice(x, 0, start, len);
      auto out = stream->Run({{"x", piece.view()}, {"lens", cl.view()}});
      ASSERT_TRUE(out.ok()) << out.status();
      ys.push_back((*out)[0]);
      y_h = (*out)[1];
      start += len;
    }
    EXPECT_LE(RelativeError(Concat(ys, 0), (*full)[0]), 1e-6);
    EXPECT_LE(RelativeError(y_h, (*full)[1]), 1e-6);
  }
}

}  // namespace
}  // namespace seqrt

namespace seqrt {
namespace {

// DTLN (stage 1, the RKNN export) exposes its two LSTMs' h and c as inputs/outputs under
// unrelated names: bound explicitly, the stream reproduces the host loop that copies them.
TEST(StreamBindings, DtlnExplicitStateMatchesTheHostLoop) {
  const std::string path = ModelPath("real/dtln_rknn_dtln_1/model.onnx");
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: the shared models folder is needed";
  auto session = Session::Load(path);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_FALSE(session->OpenStream().ok());  // the names do not pair by the rule
  StreamOptions options;
  options.state_bindings = {{"lstm_4", "input_3"}, {"lstm_4_1", "input_4"}, {"lstm_5", "input_5"}, {"lstm_5_1", "input_6"}};
  auto stream = session->OpenStream(options);
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<Tensor> state(4, Tensor(DType::kFloat, {1, 128}));
  for (int frame = 0; frame < 12; ++frame) {
    Tensor x = RandomTensor({1, 1, 257}, 300 + frame);
    for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = std::fabs(x.data_as<float>()[i]);
    auto streamed = stream->Run({{"input_2", x.view()}});
    ASSERT_TRUE(streamed.ok()) << streamed.status();
    auto host = session->Run({{"input_2", x.view()}, {"input_3", state[0].view()}, {"input_4", state[1].view()},
                              {"input_5", state[2].view()}, {"input_6", state[3].view()}});
    ASSERT_TRUE(host.ok()) << host.status();
    for (size_t o = 0; o < host->size(); ++o) EXPECT_LE(RelativeError((*streamed)[o], (*host)[o]), 1e-6) << "frame " << frame;
    for (int s = 0; s < 4; ++s) state[s] = (*host)[1 + s];
  }
}

}  // namespace
}  // namespace seqrt
