// Streams silero-vad's 512-sample chunks through a seqrt::Stream (state bound automatically:
// stateN -> state) and compares every chunk's speech probability, and the final state, with
// the ONNX Runtime host loop that tests/stream_silero_ort.mjs recorded.
//   stream_silero_check MODEL DIR
#include <cmath>
#include <cstdio>
#include <string>

#include "seqrt/session.h"
#include "seqrt/stream.h"
#include "seqrt/tensor_io.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: stream_silero_check MODEL DIR\n");
    return 2;
  }
  const std::string dir = argv[2];
  auto fail = [](const std::string& what) {
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    return 1;
  };
  auto session = seqrt::Session::Load(argv[1]);
  if (!session.ok()) return fail(std::string(session.status().message()));
  auto stream = session->OpenStream();
  if (!stream.ok()) return fail(std::string(stream.status().message()));
  const auto& bindings = stream->info().state_bindings;
  if (bindings.size() != 1 || bindings[0].first != "stateN" || bindings[0].second != "state")
    return fail("expected the automatic binding stateN -> state, got: " + stream->info().ToString());
  auto input = seqrt::ReadTensorFile(dir + "/input.npy");
  auto sr = seqrt::ReadTensorFile(dir + "/sr.npy");
  auto expected = seqrt::ReadTensorFile(dir + "/expected_output.npy");
  auto expected_state = seqrt::ReadTensorFile(dir + "/expected_state.npy");
  for (const auto* t : {&input, &sr, &expected, &expected_state})
    if (!t->ok()) return fail(std::string(t->status().message()));
  const int64_t batch = input->dims()[0], samples = input->dims()[1], chunk = 512;
  const int64_t chunks = samples / chunk;
  double max_diff = 0;
  seqrt::Tensor last_state;
  for (int64_t c = 0; c < chunks; ++c) {
    seqrt::Tensor piece(seqrt::DType::kFloat, {batch, chunk});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < chunk; ++i)
        piece.data_as<float>()[b * chunk + i] = input->data_as<float>()[b * samples + c * chunk + i];
    auto out = stream->Run({{"input", piece.view()}, {"sr", sr->view()}});
    if (!out.ok()) return fail("chunk " + std::to_string(c) + ": " + std::string(out.status().message()));
    const seqrt::Tensor& prob = (*out)[0];
    for (int64_t b = 0; b < batch; ++b) {
      const double diff = std::fabs(double(prob.data_as<float>()[b]) - expected->data_as<float>()[c * batch + b]);
      max_diff = std::max(max_diff, diff);
    }
    last_state = (*out)[1];
  }
  double state_diff = 0;
  if (last_state.dims() != expected_state->dims()) return fail("final state has another shape than ORT's");
  for (int64_t i = 0; i < last_state.num_elements(); ++i)
    state_diff = std::max(state_diff, std::fabs(double(last_state.data_as<float>()[i]) - expected_state->data_as<float>()[i]));
  std::printf("%lld chunks x batch %lld: max |seqrt - ORT| speech probability %.3g, final state %.3g\n",
              static_cast<long long>(chunks), static_cast<long long>(batch), max_diff, state_diff);
  // The real-model tests' tolerance (rtol 1e-3, atol 1e-5) on values of order 1.
  if (max_diff > 1e-4 || state_diff > 1e-3) return fail("seqrt's stream differs from ONNX Runtime's host loop");
  return 0;
}
