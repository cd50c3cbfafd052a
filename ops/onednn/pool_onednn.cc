#include "ops/onednn/pool_onednn.h"

#include <string>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "ops/nn/pool_geometry.h"
#include "ops/onednn/engine.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

tag PlainTag(int spatial) { return spatial == 1 ? tag::ncw : spatial == 2 ? tag::nchw : tag::ncdhw; }

class OnednnPoolKernel final : public OpKernel {
 public:
  OnednnPoolKernel(const graph::Node& node, PoolAttrs attrs, bool is_max)
      : where_(node.Describe()), attrs_(std::move(attrs)), is_max_(is_max) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    constexpr const char* kName = "onednn_pool";
    if (ctx.input_dtype(0) != DType::kFloat) return Decline(kName, where_, "not float32");
    if (ctx.has_output(1)) return Decline(kName, where_, "the Indices output is requested");
    SEQRT_ASSIGN_OR_RETURN(PoolGeometry g, GetPoolGeometry(attrs_, ctx.input_dims(0), where_));
    const int r = g.spatial_rank();
    if (r < 1 || r > 3) return Decline(kName, where_, "only 1-D to 3-D pooling");
    if (NumElements(ctx.input_dims(0)) == 0 || NumElements(ctx.output_dims(0)) == 0)
      return Decline(kName, where_, "empty tensor");
    memory::dims src_dims = {g.n, g.c}, dst_dims = {g.n, g.c}, strides, kernel, dilation, pad_l, pad_r;
    for (int i = 0; i < r; ++i) {
      const int64_t extent = (g.kernel[i] - 1) * g.dilation[i] + 1;
      // A window lying wholly in padding has no ONNX value oneDNN would reproduce.
      if (g.pad_begin[i] >= extent || g.pad_end[i] >= extent)
        return Decline(kName, where_, "padding as large as the window");
      if (!is_max_ && attrs_.count_include_pad && g.pad_end[i] != g.pad_end_given[i])
        return Decline(kName, where_, "count_include_pad with a ceil-mode window past the padding");
      src_dims.push_back(g.in[i]);
      dst_dims.push_back(g.out[i]);
      strides.push_back(g.stride[i]);
      kernel.push_back(g.kernel[i]);
      dilation.push_back(g.dilation[i] - 1);  // oneDNN counts the gaps, ONNX the step
      pad_l.push_back(g.pad_begin[i]);
      pad_r.push_back(g.pad_end[i]);
    }
    try {
      const dnnl::engine& engine = CpuEngine();
      const auto f32 = memory::data_type::f32;
      src_md_ = memory::desc(src_dims, f32, PlainTag(r));
      dst_md_ = memory::desc(dst_dims, f32, PlainTag(r));
      const auto alg = is_max_ ? dnnl::algorithm::pooling_max
                       : attrs_.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                  : dnnl::algorithm::pooling_avg_exclude_padding;
      dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg, src_md_, dst_md_,
                                          strides, kernel, dilation, pad_l, pad_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::pooling_v2_forward::primitive_desc pd(desc, attr, engine);
      if (IsReferenceImplementation(pd))
        return Decline(kName, where_, "oneDNN offers only its reference implementation");
      scratchpad_md_ = pd.scratchpad_desc();
      ctx.RequestScratch(scratchpad_md_.get_size());
      primitive_ = dnnl::pooling_v2_forward(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, kName, where_);
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::stream stream(engine);
      memory src(src_md_, engine, const_cast<void*>(ctx.input(0)));
      memory dst(dst_md_, engine, ctx.output(0));
      memory pad(scratchpad_md_, engine, ctx.scratch());
      primitive_.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}});
      stream.wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, where_);
    }
    return absl::OkStatus();
  }

  std::string_view name() const override { return "onednn_pool"; }

 private:
  std::string where_;
  PoolAttrs attrs_;
  bool is_max_;
  memory::desc src_md_, dst_md_, scratchpad_md_;
  dnnl::pooling_v2_forward primitive_;
};

absl::StatusOr<std::unique_ptr<OpKernel>> MakePool(const graph::Node& node, bool is_max) {
  SEQRT_ASSIGN_OR_RETURN(PoolAttrs attrs, ParsePoolAttrs(node));
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnPoolKernel>(node, std::move(attrs), is_max));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnMaxPool(const graph::Node& node) {
  return MakePool(node, true);
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnAveragePool(const graph::Node& node) {
  return MakePool(node, false);
}

}  // namespace seqrt::ops
