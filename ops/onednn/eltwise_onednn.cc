#include "ops/onednn/eltwise_onednn.h"

#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"

namespace seqrt::ops {
namespace {

using dnnl::algorithm;

// One oneDNN eltwise step: d = f(s; alpha, beta).
struct EltwiseStep {
  algorithm alg;
  float alpha = 0.f;
  float beta = 0.f;
};

// How the op maps onto oneDNN, and whether the function is costly per element (exp, tanh...)
// or a few instructions (relu, abs...).
struct EltwiseRecipe {
  EltwiseStep step;
  bool transcendental;
};

// Eltwise with an eltwise post-op (Selu = gamma * elu, HardSigmoid = clip(linear)) only has
// oneDNN's reference implementation in 2.6, so those ops are not listed.
std::optional<EltwiseRecipe> RecipeFor(const graph::Node& node) {
  const std::string& op = node.op_type;
  const auto& a = node.attrs;
  if (op == "Relu") return EltwiseRecipe{{algorithm::eltwise_relu}, false};
  if (op == "LeakyRelu") return EltwiseRecipe{{algorithm::eltwise_relu, a.GetFloat("alpha", 0.01f)}, false};
  if (op == "Abs") return EltwiseRecipe{{algorithm::eltwise_abs}, false};
  if (op == "Neg") return EltwiseRecipe{{algorithm::eltwise_linear, -1.f, 0.f}, false};
  if (op == "Sqrt") return EltwiseRecipe{{algorithm::eltwise_sqrt}, false};
  // eltwise_pow is alpha * s^beta.
  if (op == "Reciprocal") return EltwiseRecipe{{algorithm::eltwise_pow, 1.f, -1.f}, false};
  // oneDNN 2.6's hardswish is s * relu6(s + 3) / 6, exactly ONNX HardSwish.
  if (op == "HardSwish") return EltwiseRecipe{{algorithm::eltwise_hardswish}, false};
  if (op == "Clip") {
    // Bounds from opset 11 are inputs: filled in at Prepare.
    return EltwiseRecipe{{algorithm::eltwise_clip_v2, a.GetFloat("min", std::numeric_limits<float>::lowest()),
                          a.GetFloat("max", std::numeric_limits<float>::max())},
                         false};
  }
  if (op == "Tanh") return EltwiseRecipe{{algorithm::eltwise_tanh}, true};
  if (op == "Sigmoid") return EltwiseRecipe{{algorithm::eltwise_logistic}, true};
  if (op == "Exp") return EltwiseRecipe{{algorithm::eltwise_exp}, true};
  if (op == "Log") return EltwiseRecipe{{algorithm::eltwise_log}, true};
  if (op == "Elu") return EltwiseRecipe{{algorithm::eltwise_elu, a.GetFloat("alpha", 1.f)}, true};
  // oneDNN 2.6's soft_relu is log(1 + e^s), exactly ONNX Softplus.
  if (op == "Softplus") return EltwiseRecipe{{algorithm::eltwise_soft_relu}, true};
  return std::nullopt;
}

// When oneDNN is worth its call. Measured on the 2-core EPYC (1 thread, [1,128] to
// [64,100,256] floats): one oneDNN execution costs about 5 us of fixed overhead (memory
// objects, stream), and its jit tanh/logistic/exp are 4-7x faster than libm, so transcendental
// functions win from about 512 elements. Cheap functions run at memory speed in the
// reference loop already; oneDNN only helps them by using several threads on a big tensor.
constexpr int64_t kMinTranscendentalElements = 512;
constexpr int64_t kMinParallelElements = int64_t{1} << 15;

class OnednnEltwiseKernel final : public OpKernel {
 public:
  explicit OnednnEltwiseKernel(const graph::Node& node)
      : recipe_(RecipeFor(node)), where_(node.Describe()), is_clip_(node.op_type == "Clip"),
        opset_(node.opset) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    if (!recipe_) return Decline("onednn_eltwise", where_, "no oneDNN eltwise function for this op");
    if (ctx.input_dtype(0) != DType::kFloat || ctx.output_dtype(0) != DType::kFloat)
      return Decline("onednn_eltwise", where_, "not float32");
    const int64_t n = NumElements(ctx.input_dims(0));
    const bool worth_it = recipe_->transcendental
                              ? n >= kMinTranscendentalElements
                              : ctx.threads() != 1 && n >= kMinParallelElements;
    if (!worth_it) return Decline("onednn_eltwise", where_, "the reference kernel is faster at this size");
    EltwiseStep step = recipe_->step;
    if (is_clip_ && opset_ >= 11) {
      step.alpha = std::numeric_limits<float>::lowest();
      step.beta = std::numeric_limits<float>::max();
      for (int i = 1; i < 3; ++i) {
        if (!ctx.has_input(i)) continue;
        const Tensor* bound = ctx.input_constant(i);
        if (bound == nullptr) return Decline("onednn_eltwise", where_, "Clip bounds are not constant");
        (i == 1 ? step.alpha : step.beta) = bound->data_as<float>()[0];
      }
    }
    // oneDNN would clamp to the lower bound first; ONNX (numpy) gives max when min > max.
    if (is_clip_ && step.alpha > step.beta) return Decline("onednn_eltwise", where_, "Clip min > max");
    try {
      const dnnl::engine& engine = CpuEngine();
      // Elementwise: the shape does not matter, a flat 1-D view is the simplest layout.
      md_ = dnnl::memory::desc({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, step.alg, md_,
                                       step.alpha, step.beta);
      dnnl::eltwise_forward::primitive_desc pd(desc, attr, engine);
      if (IsReferenceImplementation(pd))
        return Decline("onednn_eltwise", where_, "oneDNN offers only its reference implementation");
      scratchpad_md_ = pd.scratchpad_desc();
      ctx.RequestScratch(scratchpad_md_.get_size());
      primitive_ = dnnl::eltwise_forward(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, "onednn_eltwise", where_);
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::stream stream(engine);
      dnnl::memory src(md_, engine, const_cast<void*>(ctx.input(0)));
      dnnl::memory dst(md_, engine, ctx.output(0));
      if (scratchpad_md_.get_size() == 0) {
        primitive_.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
      } else {
        dnnl::memory scratch(scratchpad_md_, engine, ctx.scratch());
        primitive_.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst},
                                    {DNNL_ARG_SCRATCHPAD, scratch}});
      }
      stream.wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, where_);
    }
    return absl::OkStatus();
  }

  std::string_view name() const override { return "onednn_eltwise"; }

 private:
  std::optional<EltwiseRecipe> recipe_;
  std::string where_;
  bool is_clip_;
  int64_t opset_;
  dnnl::memory::desc md_;
  dnnl::memory::desc scratchpad_md_;
  dnnl::eltwise_forward primitive_;
};

}  // namespace

bool OnednnHasEltwise(std::string_view op_type) {
  graph::Node probe;
  probe.op_type = std::string(op_type);
  return RecipeFor(probe).has_value();
}

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnEltwiseKernel(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnEltwiseKernel>(node));
}

}  // namespace seqrt::ops
