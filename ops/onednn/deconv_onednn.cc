#include "ops/onednn/deconv_onednn.h"

#include <string>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "ops/nn/conv_transpose_geometry.h"
#include "ops/onednn/engine.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

size_t AlignUp(size_t n) { return (n + 63) & ~size_t{63}; }

tag ActivationTag(int spatial) {
  return spatial == 1 ? tag::ncw : spatial == 2 ? tag::nchw : tag::ncdhw;
}

class OnednnDeconvKernel final : public OpKernel {
 public:
  OnednnDeconvKernel(const graph::Node& node, ConvTransposeAttrs attrs)
      : where_(node.Describe()), attrs_(std::move(attrs)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    constexpr const char* kName = "onednn_deconv";
    for (int i = 0; i < 3; ++i)
      if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline(kName, where_, "not float32");
    SEQRT_ASSIGN_OR_RETURN(ConvTransposeGeometry g, GetConvTransposeGeometry(attrs_, ctx.input_dims(0),
                                                                             ctx.input_dims(1), where_));
    const int r = g.spatial_rank();
    if (r < 1 || r > 3) return Decline(kName, where_, "only 1-D to 3-D");
    if (NumElements(ctx.input_dims(0)) == 0 || NumElements(ctx.output_dims(0)) == 0 ||
        NumElements(ctx.input_dims(1)) == 0)
      return Decline(kName, where_, "empty tensor");
    const bool grouped = g.group > 1;
    const int64_t cg = g.c_in / g.group, mg = g.c_out / g.group;
    memory::dims src_dims = {g.n, g.c_in}, dst_dims = {g.n, g.c_out}, k_dims;
    memory::dims strides, dilates, pad_l, pad_r;
    int64_t k_plane = 1;
    for (int i = 0; i < r; ++i) k_plane *= g.kernel[i];
    for (int i = 0; i < r; ++i) {
      // oneDNN ties the output size to the padding: out = (in-1)*s + extent - pl - pr.
      const int64_t extent = (g.kernel[i] - 1) * g.dilation[i] + 1;
      const int64_t right = (g.in[i] - 1) * g.stride[i] + extent - g.pad_begin[i] - g.out[i];
      if (right < 0) return Decline(kName, where_, "output reaches past every input tap");
      src_dims.push_back(g.in[i]);
      dst_dims.push_back(g.out[i]);
      k_dims.push_back(g.kernel[i]);
      strides.push_back(g.stride[i]);
      dilates.push_back(g.dilation[i] - 1);
      pad_l.push_back(g.pad_begin[i]);
      pad_r.push_back(right);
    }
    // ONNX's W [C_in, M/group, k...] described as oneDNN's logical (g,) o, i, k... by strides.
    memory::dims w_dims, w_strides;
    if (grouped) {
      w_dims = {g.group, mg, cg};
      w_strides = {cg * mg * k_plane, k_plane, mg * k_plane};
    } else {
      w_dims = {g.c_out, g.c_in};
      w_strides = {k_plane, g.c_out * k_plane};
    }
    int64_t inner = 1;
    std::vector<int64_t> spatial_strides(r);
    for (int i = r - 1; i >= 0; --i) {
      spatial_strides[i] = inner;
      inner *= g.kernel[i];
    }
    for (int i = 0; i < r; ++i) {
      w_dims.push_back(k_dims[i]);
      w_strides.push_back(spatial_strides[i]);
    }
    try {
      const dnnl::engine& engine = CpuEngine();
      const auto f32 = memory::data_type::f32;
      user_src_md_ = memory::desc(src_dims, f32, ActivationTag(r));
      user_dst_md_ = memory::desc(dst_dims, f32, ActivationTag(r));
      user_w_md_ = memory::desc(w_dims, f32, w_strides);
      has_bias_ = ctx.has_input(2);
      if (has_bias_) bias_md_ = memory::desc({g.c_out}, f32, tag::x);
      const memory::desc src_any(src_dims, f32, tag::any), dst_any(dst_dims, f32, tag::any);
      const memory::desc w_any(w_dims, f32, tag::any);
      const auto prop = dnnl::prop_kind::forward_inference;
      const auto alg = dnnl::algorithm::deconvolution_direct;
      dnnl::deconvolution_forward::desc desc =
          has_bias_ ? dnnl::deconvolution_forward::desc(prop, alg, src_any, w_any, bias_md_, dst_any,
                                                        strides, dilates, pad_l, pad_r)
                    : dnnl::deconvolution_forward::desc(prop, alg, src_any, w_any, dst_any, strides,
                                                        dilates, pad_l, pad_r);
      dnnl::primitive_attr attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::deconvolution_forward::primitive_desc pd(desc, attr, engine);
      if (IsReferenceImplementation(pd))
        return Decline(kName, where_, "oneDNN offers only its reference implementation");
      src_md_ = pd.src_desc();
      dst_md_ = pd.dst_desc();
      weights_md_ = pd.weights_desc();
      scratchpad_md_ = pd.scratchpad_desc();
      reorder_w_ = weights_md_ != user_w_md_;
      if (const Tensor* w_const = ctx.input_constant(1); w_const && reorder_w_) {
        memory user(user_w_md_, engine, const_cast<void*>(w_const->raw_data()));
        packed_weights_ = memory(weights_md_, engine);
        dnnl::stream stream(engine);
        dnnl::reorder(user, packed_weights_).execute(stream, user, packed_weights_);
        stream.wait();
      }
      // Scratch: [primitive scratchpad | blocked src | blocked dst | reordered weights].
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
      w_offset_ = offset;
      if (reorder_w_ && !packed_weights_) {
        // Weights computed at run time are reordered on every call.
        offset += AlignUp(weights_md_.get_size());
        w_reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, user_w_md_, engine, weights_md_));
      }
      ctx.RequestScratch(offset);
      primitive_ = dnnl::deconvolution_forward(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, kName, where_);
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
      memory weights;
      if (packed_weights_) {
        weights = packed_weights_;
      } else if (reorder_w_) {
        memory user_w(user_w_md_, engine, const_cast<void*>(ctx.input(1)));
        weights = memory(weights_md_, engine, scratch + w_offset_);
        w_reorder_.execute(stream, user_w, weights);
      } else {
        weights = memory(user_w_md_, engine, const_cast<void*>(ctx.input(1)));
      }
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

  std::string_view name() const override { return "onednn_deconv"; }

 private:
  std::string where_;
  ConvTransposeAttrs attrs_;
  memory::desc user_src_md_, user_dst_md_, user_w_md_, src_md_, dst_md_, weights_md_, bias_md_,
      scratchpad_md_;
  bool has_bias_ = false, reorder_src_ = false, reorder_dst_ = false, reorder_w_ = false;
  size_t src_offset_ = 0, dst_offset_ = 0, w_offset_ = 0;
  memory packed_weights_;
  dnnl::reorder src_reorder_, dst_reorder_, w_reorder_;
  dnnl::deconvolution_forward primitive_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnConvTranspose(const graph::Node& node) {
  SEQRT_ASSIGN_OR_RETURN(ConvTransposeAttrs attrs, ParseConvTransposeAttrs(node));
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnDeconvKernel>(node, std::move(attrs)));
}

}  // namespace seqrt::ops
