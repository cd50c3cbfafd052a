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

// The op as a main eltwise function plus an optional eltwise post-op (Selu = gamma * elu,
// HardSigmoid = clip(linear)). nullopt: oneDNN has no such function.
struct EltwiseRecipe {
  EltwiseStep main;
  std::optional<EltwiseStep> post;
};

std::optional<EltwiseRecipe> RecipeFor(const graph::Node& node) {
  const std::string& op = node.op_type;
  const auto& a = node.attrs;
  if (op == "Relu") return EltwiseRecipe{{algorithm::eltwise_relu}};
  if (op == "LeakyRelu") return EltwiseRecipe{{algorithm::eltwise_relu, a.GetFloat("alpha", 0.01f)}};
  if (op == "Tanh") return EltwiseRecipe{{algorithm::eltwise_tanh}};
  if (op == "Sigmoid") return EltwiseRecipe{{algorithm::eltwise_logistic}};
  if (op == "Exp") return EltwiseRecipe{{algorithm::eltwise_exp}};
  if (op == "Log") return EltwiseRecipe{{algorithm::eltwise_log}};
  if (op == "Sqrt") return EltwiseRecipe{{algorithm::eltwise_sqrt}};
  if (op == "Abs") return EltwiseRecipe{{algorithm::eltwise_abs}};
  if (op == "Neg") return EltwiseRecipe{{algorithm::eltwise_linear, -1.f, 0.f}};
  // eltwise_pow is alpha * s^beta.
  if (op == "Reciprocal") return EltwiseRecipe{{algorithm::eltwise_pow, 1.f, -1.f}};
  if (op == "Elu") return EltwiseRecipe{{algorithm::eltwise_elu, a.GetFloat("alpha", 1.f)}};
  // oneDNN 2.6's soft_relu is log(1 + e^s) and hardswish is s * relu6(s + 3) / 6, which are
  // exactly ONNX Softplus and HardSwish.
  if (op == "Softplus") return EltwiseRecipe{{algorithm::eltwise_soft_relu}};
  if (op == "HardSwish") return EltwiseRecipe{{algorithm::eltwise_hardswish}};
  if (op == "Selu") {
    return EltwiseRecipe{{algorithm::eltwise_elu, a.GetFloat("alpha", 1.67326319217681884765625f)},
                         EltwiseStep{algorithm::eltwise_linear,
                                     a.GetFloat("gamma", 1.05070102214813232421875f), 0.f}};
  }
  if (op == "HardSigmoid") {
    return EltwiseRecipe{{algorithm::eltwise_linear, a.GetFloat("alpha", 0.2f), a.GetFloat("beta", 0.5f)},
                         EltwiseStep{algorithm::eltwise_clip_v2, 0.f, 1.f}};
  }
  if (op == "Clip") {
    // Bounds are filled in at Prepare (inputs from opset 11).
    return EltwiseRecipe{{algorithm::eltwise_clip_v2, a.GetFloat("min", std::numeric_limits<float>::lowest()),
                          a.GetFloat("max", std::numeric_limits<float>::max())}};
  }
  return std::nullopt;
}

absl::Status Decline(std::string_view where, std::string_view why) {
  return absl::UnimplementedError(absl::StrCat(std::string(where), ": onednn_eltwise declines: ",
                                               std::string(why)));
}

class OnednnEltwiseKernel final : public OpKernel {
 public:
  explicit OnednnEltwiseKernel(const graph::Node& node)
      : recipe_(RecipeFor(node)), where_(node.Describe()), is_clip_(node.op_type == "Clip"),
        opset_(node.opset) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    if (!recipe_) return Decline(where_, "no oneDNN eltwise function for this op");
    if (ctx.input_dtype(0) != DType::kFloat || ctx.output_dtype(0) != DType::kFloat)
      return Decline(where_, "not float32");
    const int64_t n = NumElements(ctx.input_dims(0));
    if (n == 0) return Decline(where_, "empty tensor");
    EltwiseStep main = recipe_->main;
    if (is_clip_ && opset_ >= 11) {
      main.alpha = std::numeric_limits<float>::lowest();
      main.beta = std::numeric_limits<float>::max();
      for (int i = 1; i < 3; ++i) {
        if (!ctx.has_input(i)) continue;
        const Tensor* bound = ctx.input_constant(i);
        if (bound == nullptr) return Decline(where_, "Clip bounds are not constant");
        (i == 1 ? main.alpha : main.beta) = bound->data_as<float>()[0];
      }
    }
    // oneDNN would clamp to the lower bound first; ONNX (numpy) gives max when min > max.
    if (is_clip_ && main.alpha > main.beta) return Decline(where_, "Clip min > max");
    try {
      const dnnl::engine& engine = CpuEngine();
      // Elementwise: the shape does not matter, a flat 1-D view is the simplest layout.
      md_ = dnnl::memory::desc({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      if (recipe_->post) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, recipe_->post->alg, recipe_->post->alpha, recipe_->post->beta);
        attr.set_post_ops(ops);
      }
      dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, main.alg, md_,
                                       main.alpha, main.beta);
      dnnl::eltwise_forward::primitive_desc pd(desc, attr, engine);
      if (std::string(pd.impl_info_str()).rfind("ref", 0) == 0)
        return Decline(where_, "oneDNN offers only its reference implementation");
      scratchpad_md_ = pd.scratchpad_desc();
      ctx.RequestScratch(scratchpad_md_.get_size());
      primitive_ = dnnl::eltwise_forward(pd);
    } catch (const dnnl::error& e) {
      absl::Status s = DnnlErrorToStatus(e, where_);
      if (absl::IsUnimplemented(s) || absl::IsInvalidArgument(s)) return Decline(where_, e.what());
      return s;
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::stream stream(engine);
      dnnl::memory src(md_, engine, const_cast<void*>(ctx.input(0)));
      dnnl::memory dst(md_, engine, ctx.output(0));
      dnnl::memory scratch(scratchpad_md_, engine, ctx.scratch());
      primitive_.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst},
                                  {DNNL_ARG_SCRATCHPAD, scratch}});
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
