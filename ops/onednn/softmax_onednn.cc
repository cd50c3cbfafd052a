#include "ops/onednn/softmax_onednn.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"
#include "ops/reference/softmax.h"

namespace seqrt::ops {
namespace {

// Below this many elements the reference kernel is faster: measured 1 thread, AVX2 Zen3,
// oneDNN 2.6 took 45-50 us per call on the [1, 12] and [64, 12] heads of kws_lstm where the
// reference took 3 and 9 us; they tie around 2000 elements ([100, 20]).
constexpr int64_t kMinElements = 2048;

class OnednnSoftmaxKernel final : public OpKernel {
 public:
  OnednnSoftmaxKernel(const graph::Node& node, bool log)
      : where_(node.Describe()), attrs_(ParseSoftmaxAttrs(node, log)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    if (ctx.input_dtype(0) != DType::kFloat) return Decline("onednn_softmax", where_, "not float32");
    SEQRT_ASSIGN_OR_RETURN(SoftmaxGeometry g, GetSoftmaxGeometry(attrs_, ctx.input_dims(0), where_));
    if (g.outer * g.n * g.inner == 0) return Decline("onednn_softmax", where_, "empty tensor");
    if (g.outer * g.n * g.inner < kMinElements) return Decline("onednn_softmax", where_, "small tensor");
    try {
      // Both opset flavours are a softmax over the middle axis of [outer, n, inner]; the
      // common inner == 1 case is given to oneDNN as 2-D so it picks its row kernels.
      if (g.inner == 1) {
        md_ = dnnl::memory::desc({g.outer, g.n}, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::ab);
      } else {
        md_ = dnnl::memory::desc({g.outer, g.n, g.inner}, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::abc);
      }
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::softmax_v2_forward::desc desc(
          dnnl::prop_kind::forward_inference,
          attrs_.log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate, md_, md_,
          1);
      dnnl::softmax_v2_forward::primitive_desc pd(desc, attr, CpuEngine());
      if (IsReferenceImplementation(pd))
        return Decline("onednn_softmax", where_, "oneDNN offers only its reference implementation");
      scratchpad_md_ = pd.scratchpad_desc();
      ctx.RequestScratch(scratchpad_md_.get_size());
      primitive_ = dnnl::softmax_v2_forward(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, "onednn_softmax", where_);
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

  std::string_view name() const override { return "onednn_softmax"; }

 private:
  std::string where_;
  SoftmaxAttrs attrs_;
  dnnl::memory::desc md_;
  dnnl::memory::desc scratchpad_md_;
  dnnl::softmax_v2_forward primitive_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnSoftmax(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnSoftmaxKernel>(node, false));
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnLogSoftmax(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnSoftmaxKernel>(node, true));
}

}  // namespace seqrt::ops
