// Drives one recurrent kernel directly (no session): builds the node, random inputs, the
// Prepare/Compute contexts, outputs and scratch. Used by the kernel benchmark to time each
// kernel on the same inputs, and by the quick differential check.
#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "ops/kernel.h"
#include "seqrt/tensor.h"

namespace seqrt::bench {

struct RnnConfig {
  std::string op = "LSTM";  // RNN, GRU, LSTM
  int64_t T = 100, N = 1, I = 40, H = 256;
  std::string direction = "forward";
  int layout = 0;
  bool linear_before_reset = false;
  bool bias = true, peephole = false, init_h = false, init_c = false;
  std::vector<int32_t> seq_lens;  // empty: input absent
  std::vector<std::string> activations;  // empty: attribute absent
  std::vector<float> alpha, beta;
  std::optional<float> clip;
  bool input_forget = false;
  bool y = true, yh = true, yc = true;
  bool const_weights = true;
  int threads = 1;
  uint32_t seed = 1;
  float weight_scale = 0.3f;

  int dirs() const { return direction == "bidirectional" ? 2 : 1; }
  int gates() const { return op == "RNN" ? 1 : op == "GRU" ? 3 : 4; }
};

class RnnHarness {
 public:
  explicit RnnHarness(const RnnConfig& c) : c_(c) {
    std::mt19937 rng(c.seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    auto make = [&](Dims dims, float scale) {
      Tensor t(DType::kFloat, std::move(dims));
      float* p = t.data_as<float>();
      for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = u(rng) * scale;
      return t;
    };
    const int64_t D = c.dirs(), G = c.gates();
    inputs_.resize(8);
    present_.assign(8, false);
    auto put = [&](int slot, Tensor t) {
      inputs_[slot] = std::move(t);
      present_[slot] = true;
    };
    put(0, make(c.layout == 0 ? Dims{c.T, c.N, c.I} : Dims{c.N, c.T, c.I}, 1.f));
    put(1, make({D, G * c.H, c.I}, c.weight_scale));
    put(2, make({D, G * c.H, c.H}, c.weight_scale));
    if (c.bias) put(3, make({D, 2 * G * c.H}, c.weight_scale));
    if (!c.seq_lens.empty()) {
      Tensor t(DType::kInt32, {c.N});
      for (int64_t n = 0; n < c.N; ++n) t.data_as<int32_t>()[n] = c.seq_lens[n];
      put(4, std::move(t));
    }
    const Dims state = c.layout == 0 ? Dims{D, c.N, c.H} : Dims{c.N, D, c.H};
    if (c.init_h) put(5, make(state, 1.f));
    if (c.init_c && c.op == "LSTM") put(6, make(state, 1.f));
    if (c.peephole && c.op == "LSTM") put(7, make({D, 3 * c.H}, c.weight_scale));

    node_.name = "rnn";
    node_.op_type = c.op;
    node_.opset = 14;
    for (int i = 0; i < 8; ++i) node_.inputs.push_back(present_[i] ? i : graph::kNoValue);
    const bool outs[3] = {c.y, c.yh, c.yc && c.op == "LSTM"};
    for (int i = 0; i < (c.op == "LSTM" ? 3 : 2); ++i) node_.outputs.push_back(outs[i] ? 100 + i : graph::kNoValue);
    auto& a = node_.attrs;
    a.Set("hidden_size", int64_t{c.H});
    a.Set("direction", c.direction);
    if (c.layout) a.Set("layout", int64_t{1});
    if (c.op == "GRU") a.Set("linear_before_reset", int64_t{c.linear_before_reset});
    if (!c.activations.empty()) a.Set("activations", c.activations);
    if (!c.alpha.empty()) a.Set("activation_alpha", c.alpha);
    if (!c.beta.empty()) a.Set("activation_beta", c.beta);
    if (c.clip) a.Set("clip", *c.clip);
    if (c.input_forget) a.Set("input_forget", int64_t{1});

    out_dims_ = {c.layout == 0 ? Dims{c.T, D, c.N, c.H} : Dims{c.N, c.T, D, c.H}, state, state};
  }

  ~RnnHarness() { std::free(scratch_); }

  // Builds and prepares the kernel; an Unimplemented status means it declined.
  absl::Status Prepare(ops::KernelFactory factory) {
    absl::StatusOr<std::unique_ptr<ops::OpKernel>> k = factory(node_);
    if (!k.ok()) return k.status();
    kernel_ = *std::move(k);
    std::vector<ops::PrepareContext::Slot> in(8), out(3);
    for (int i = 0; i < 8; ++i) {
      if (!present_[i]) continue;
      in[i] = {inputs_[i].dtype(), inputs_[i].dims(), nullptr, true};
      const bool is_weight = i == 1 || i == 2 || i == 3 || i == 7;
      if ((is_weight && c_.const_weights) || i == 4) in[i].constant = &inputs_[i];
    }
    for (int i = 0; i < 3; ++i)
      if (i < static_cast<int>(node_.outputs.size()) && node_.outputs[i] != graph::kNoValue)
        out[i] = {DType::kFloat, out_dims_[i], nullptr, true};
    ops::PrepareContext pctx(node_, in, out, c_.threads);
    absl::Status s = kernel_->Prepare(pctx);
    if (!s.ok()) return s;
    std::free(scratch_);
    scratch_ = pctx.scratch_bytes() ? std::aligned_alloc(64, (pctx.scratch_bytes() + 63) / 64 * 64) : nullptr;
    outputs_.clear();
    std::vector<ops::ComputeContext::In> cin(8);
    std::vector<ops::ComputeContext::Out> cout(3);
    for (int i = 0; i < 8; ++i)
      if (present_[i]) cin[i] = {inputs_[i].dtype(), &inputs_[i].dims(), inputs_[i].raw_data()};
    outputs_.resize(3);
    for (int i = 0; i < 3; ++i) {
      if (!out[i].present) continue;
      outputs_[i] = Tensor(DType::kFloat, out_dims_[i]);
      // Garbage, so a kernel that forgets to write an element is caught.
      float* p = outputs_[i].data_as<float>();
      for (int64_t e = 0; e < outputs_[i].num_elements(); ++e) p[e] = 12345.f;
      cout[i] = {DType::kFloat, &outputs_[i].dims(), outputs_[i].raw_data()};
    }
    cctx_ = std::make_unique<ops::ComputeContext>(cin, cout, scratch_);
    return absl::OkStatus();
  }

  absl::Status Run() { return kernel_->Compute(*cctx_); }
  std::string_view kernel_name() const { return kernel_->name(); }
  // Y, Y_h, Y_c (empty Tensor when absent).
  const std::vector<Tensor>& outputs() const { return outputs_; }

 private:
  RnnConfig c_;
  graph::Node node_;
  std::vector<Tensor> inputs_;
  std::vector<bool> present_;
  std::vector<Dims> out_dims_;
  std::unique_ptr<ops::OpKernel> kernel_;
  std::unique_ptr<ops::ComputeContext> cctx_;
  std::vector<Tensor> outputs_;
  void* scratch_ = nullptr;
};

}  // namespace seqrt::bench
