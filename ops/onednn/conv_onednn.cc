#include "ops/onednn/conv_onednn.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"
#include "ops/reference/conv.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

size_t AlignUp(size_t n) { return (n + 63) & ~size_t{63}; }

tag ActivationTag(int spatial) {
  return spatial == 1 ? tag::ncw : spatial == 2 ? tag::nchw : tag::ncdhw;
}
tag WeightsTag(int spatial, bool grouped) {
  if (grouped) return spatial == 1 ? tag::goiw : spatial == 2 ? tag::goihw : tag::goidhw;
  return spatial == 1 ? tag::oiw : spatial == 2 ? tag::oihw : tag::oidhw;
}

class OnednnConvKernel final : public OpKernel {
 public:
  OnednnConvKernel(const graph::Node& node, ConvAttrs attrs)
      : where_(node.Describe()), attrs_(std::move(attrs)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    for (int i = 0; i < 3; ++i)
      if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline("onednn_conv", where_, "not float32");
    SEQRT_ASSIGN_OR_RETURN(ConvGeometry g,
                           GetConvGeometry(attrs_, ctx.input_dims(0), ctx.input_dims(1), where_));
    const int r = g.spatial_rank();
    if (r < 1 || r > 3) return Decline("onednn_conv", where_, "only 1-D to 3-D convolutions");
    if (NumElements(ctx.input_dims(0)) == 0 || NumElements(ctx.output_dims(0)) == 0 ||
        NumElements(ctx.input_dims(1)) == 0)
      return Decline("onednn_conv", where_, "empty tensor");
    try {
      const dnnl::engine& engine = CpuEngine();
      const auto f32 = memory::data_type::f32;
      const bool grouped = g.group > 1;
      memory::dims src_dims = {g.n, g.c_in}, dst_dims = {g.n, g.c_out};
      memory::dims w_dims;
      if (grouped) w_dims = {g.group, g.c_out / g.group, g.c_in / g.group};
      else w_dims = {g.c_out, g.c_in};
      memory::dims strides, dilates, pad_l, pad_r;
      for (int i = 0; i < r; ++i) {
        src_dims.push_back(g.in[i]);
        dst_dims.push_back(g.out[i]);
        w_dims.push_back(g.kernel[i]);
        strides.push_back(g.stride[i]);
        dilates.push_back(g.dilation[i] - 1);  // oneDNN counts the gaps, ONNX the step
        pad_l.push_back(g.pad_begin[i]);
        pad_r.push_back(g.pad_end[i]);
      }
      user_src_md_ = memory::desc(src_dims, f32, ActivationTag(r));
      user_dst_md_ = memory::desc(dst_dims, f32, ActivationTag(r));
      const memory::desc user_w_md(w_dims, f32, WeightsTag(r, grouped));
      const Tensor* w_const = ctx.input_constant(1);
      has_bias_ = ctx.has_input(2);
      if (has_bias_) bias_md_ = memory::desc({g.c_out}, f32, tag::x);

      const memory::desc src_any(src_dims, f32, tag::any), dst_any(dst_dims, f32, tag::any);
      const memory::desc w_req = w_const ? memory::desc(w_dims, f32, tag::any) : user_w_md;
      const auto prop = dnnl::prop_kind::forward_inference;
      const auto alg = dnnl::algorithm::convolution_direct;
      dnnl::convolution_forward::desc desc =
          has_bias_ ? dnnl::convolution_forward::desc(prop, alg, src_any, w_req, bias_md_, dst_any,
                                                      strides, dilates, pad_l, pad_r)
                    : dnnl::convolution_forward::desc(prop, alg, src_any, w_req, dst_any, strides,
                                                      dilates, pad_l, pad_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::convolution_forward::primitive_desc pd(desc, attr, engine);
      if (IsReferenceImplementation(pd))
        return Decline("onednn_conv", where_, "oneDNN offers only its reference implementation");

      src_md_ = pd.src_desc();
      dst_md_ = pd.dst_desc();
      weights_md_ = pd.weights_desc();
      scratchpad_md_ = pd.scratchpad_desc();
      if (w_const) {
        memory user(user_w_md, engine, const_cast<void*>(w_const->raw_data()));
        packed_weights_ = memory(weights_md_, engine);
        dnnl::stream stream(engine);
        dnnl::reorder(user, packed_weights_).execute(stream, user, packed_weights_);
        stream.wait();
      }
      // Scratch: [primitive scratchpad | blocked src | blocked dst], each 64-byte aligned.
      size_t offset = AlignUp(scratchpad_md_.get_size());
      reorder_src_ = src_md_ != user_src_md_;
      reorder_dst_ = dst_md_ != user_dst_md_;
      src_offset_ = offset;
      if (reorder_src_) {
        offset += AlignUp(src_md_.get_size());
        src_reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, user_src_md_, engine, src_md_));
      }
      dst_offset_ = offset;
      if (reorder_dst_) {
        offset += AlignUp(dst_md_.get_size());
        dst_reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, dst_md_, engine, user_dst_md_));
      }
      ctx.RequestScratch(offset);
      primitive_ = dnnl::convolution_forward(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, "onednn_conv", where_);
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::stream stream(engine);
      char* scratch = static_cast<char*>(ctx.scratch());
      memory user_src(user_src_md_, engine, const_cast<void*>(ctx.input(0)));
      memory user_dst(user_dst_md_, engine, ctx.output(0));
      memory src = reorder_src_ ? memory(src_md_, engine, scratch + src_offset_) : user_src;
      memory dst = reorder_dst_ ? memory(dst_md_, engine, scratch + dst_offset_) : user_dst;
      memory weights = packed_weights_ ? packed_weights_
                                       : memory(weights_md_, engine, const_cast<void*>(ctx.input(1)));
      memory pad(scratchpad_md_, engine, scratch);
      if (reorder_src_) src_reorder_.execute(stream, user_src, src);
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src},
                                              {DNNL_ARG_WEIGHTS, weights},
                                              {DNNL_ARG_DST, dst},
                                              {DNNL_ARG_SCRATCHPAD, pad}};
      if (has_bias_)
        args.emplace(DNNL_ARG_BIAS, memory(bias_md_, engine, const_cast<void*>(ctx.input(2))));
      primitive_.execute(stream, args);
      if (reorder_dst_) dst_reorder_.execute(stream, dst, user_dst);
      stream.wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, where_);
    }
    return absl::OkStatus();
  }

  std::string_view name() const override { return "onednn_conv"; }

 private:
  std::string where_;
  ConvAttrs attrs_;
  memory::desc user_src_md_, user_dst_md_, src_md_, dst_md_, weights_md_, bias_md_, scratchpad_md_;
  bool has_bias_ = false, reorder_src_ = false, reorder_dst_ = false;
  size_t src_offset_ = 0, dst_offset_ = 0;
  memory packed_weights_;
  dnnl::reorder src_reorder_, dst_reorder_;
  dnnl::convolution_forward primitive_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnConv(const graph::Node& node) {
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs attrs, ParseConvAttrs(node));
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnConvKernel>(node, std::move(attrs)));
}

}  // namespace seqrt::ops
