// MatMul: batch dims are padded to one rank and handed to oneDNN, which broadcasts size-1
// batch dims itself. Gemm: transposes are expressed as strides, alpha as an output scale,
// C as the primitive's bias when alpha = beta = 1 and C fits a bias shape, otherwise C is
// copied into Y first and folded in by a `sum` post-op scaled by beta.
#include "ops/onednn/matmul_onednn.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ops/onednn/engine.h"
#include "ops/reference/matmul.h"

namespace seqrt::ops {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

memory::dims RowMajorStrides(const memory::dims& dims) {
  memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

memory::desc PlainDesc(const memory::dims& dims) {
  return memory::desc(dims, memory::data_type::f32, RowMajorStrides(dims));
}

// The primitive plus, when the weights are constant, their prepacked copy.
class OnednnMatMulBase : public OpKernel {
 public:
  explicit OnednnMatMulBase(const graph::Node& node) : where_(node.Describe()) {}
  std::string_view name() const override { return "onednn_matmul"; }

 protected:
  // Creates the primitive. `weights_const` (may be null) gets prepacked. Errors from oneDNN
  // become Decline so the reference kernel takes over.
  absl::Status Build(PrepareContext& ctx, const memory::desc& src, const memory::desc& weights,
                     const Tensor* weights_const, const memory::desc* bias,
                     const memory::desc& dst, const dnnl::primitive_attr& base_attr) {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::primitive_attr attr = base_attr;
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      const memory::desc w_any(weights.dims(), memory::data_type::f32, tag::any);
      const memory::desc& w_req = weights_const ? w_any : weights;
      dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(src, w_req, *bias, dst)
                                     : dnnl::matmul::desc(src, w_req, dst);
      dnnl::matmul::primitive_desc pd(desc, attr, engine);
      if (IsReferenceImplementation(pd))
        return Decline("onednn_matmul", where_, "oneDNN offers only its reference implementation");
      src_md_ = src;
      dst_md_ = dst;
      if (bias) bias_md_ = *bias;
      has_bias_ = bias != nullptr;
      weights_md_ = pd.weights_desc();
      prepacked_ = weights_const != nullptr;
      if (prepacked_) {
        // The reordered weights depend only on the constant and the two formats: shared by
        // every plan of the session that asks for the same format (PrepareContext::SharedState).
        std::string formats;
        for (const memory::desc* md : {&weights, static_cast<const memory::desc*>(&weights_md_)})
          formats.append(reinterpret_cast<const char*>(&md->data), sizeof(md->data));
        auto packed = ctx.SharedState<memory>(formats, [&]() -> absl::StatusOr<std::shared_ptr<const memory>> {
          memory user(weights, engine, const_cast<void*>(weights_const->raw_data()));
          auto out = std::make_shared<memory>(weights_md_, engine);  // owns its buffer
          dnnl::stream stream(engine);
          dnnl::reorder(user, *out).execute(stream, user, *out);
          stream.wait();
          return std::shared_ptr<const memory>(std::move(out));
        });
        if (!packed.ok()) return packed.status();
        packed_holder_ = *std::move(packed);
        packed_ = *packed_holder_;
      }
      scratchpad_md_ = pd.scratchpad_desc();
      ctx.RequestScratch(scratchpad_md_.get_size());
      primitive_ = dnnl::matmul(pd);
    } catch (const dnnl::error& e) {
      return DeclineOrError(e, "onednn_matmul", where_);
    }
    return absl::OkStatus();
  }

  absl::Status Run(ComputeContext& ctx, const void* src, const void* weights, const void* bias,
                   void* dst) const {
    try {
      const dnnl::engine& engine = CpuEngine();
      dnnl::stream stream(engine);
      memory src_m(src_md_, engine, const_cast<void*>(src));
      memory dst_m(dst_md_, engine, dst);
      memory scratch(scratchpad_md_, engine, ctx.scratch());
      memory w_m = prepacked_ ? packed_ : memory(weights_md_, engine, const_cast<void*>(weights));
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_m},
                                              {DNNL_ARG_WEIGHTS, w_m},
                                              {DNNL_ARG_DST, dst_m},
                                              {DNNL_ARG_SCRATCHPAD, scratch}};
      if (has_bias_) args.emplace(DNNL_ARG_BIAS, memory(bias_md_, engine, const_cast<void*>(bias)));
      primitive_.execute(stream, args);
      stream.wait();
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, where_);
    }
    return absl::OkStatus();
  }

  std::string where_;

 private:
  memory::desc src_md_, weights_md_, bias_md_, dst_md_, scratchpad_md_;
  bool has_bias_ = false;
  bool prepacked_ = false;
  std::shared_ptr<const memory> packed_holder_;  // the session's copy
  memory packed_;                                // a handle to it
  dnnl::matmul primitive_;
};

class OnednnMatMulKernel final : public OnednnMatMulBase {
 public:
  using OnednnMatMulBase::OnednnMatMulBase;

  absl::Status Prepare(PrepareContext& ctx) override {
    if (ctx.input_dtype(0) != DType::kFloat || ctx.input_dtype(1) != DType::kFloat)
      return Decline("onednn_matmul", where_, "not float32");
    SEQRT_ASSIGN_OR_RETURN(MatMulGeometry g,
                           GetMatMulGeometry(ctx.input_dims(0), ctx.input_dims(1), where_));
    if (g.m * g.n * g.k == 0 || NumElements(g.batch_out) == 0) return Decline("onednn_matmul", where_, "empty tensor");
    if (g.batch_out.size() + 2 > DNNL_MAX_NDIMS) return Decline("onednn_matmul", where_, "too many dims");
    memory::dims src(g.batch_a.begin(), g.batch_a.end()), w(g.batch_b.begin(), g.batch_b.end()),
        dst(g.batch_out.begin(), g.batch_out.end());
    src.insert(src.end(), {g.m, g.k});
    w.insert(w.end(), {g.k, g.n});
    dst.insert(dst.end(), {g.m, g.n});
    return Build(ctx, PlainDesc(src), PlainDesc(w), ctx.input_constant(1), nullptr, PlainDesc(dst),
                 dnnl::primitive_attr());
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return Run(ctx, ctx.input(0), ctx.input(1), nullptr, ctx.output(0));
  }
};

class OnednnGemmKernel final : public OnednnMatMulBase {
 public:
  explicit OnednnGemmKernel(const graph::Node& node)
      : OnednnMatMulBase(node), attrs_(ParseGemmAttrs(node)) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    for (int i = 0; i < 3; ++i) {
      if (ctx.has_input(i) && ctx.input_dtype(i) != DType::kFloat) return Decline("onednn_matmul", where_, "not float32");
    }
    const Dims& a = ctx.input_dims(0);
    const Dims& b = ctx.input_dims(1);
    m_ = attrs_.trans_a ? a[1] : a[0];
    const int64_t k = attrs_.trans_a ? a[0] : a[1];
    n_ = attrs_.trans_b ? b[0] : b[1];
    if (m_ * n_ * k == 0) return Decline("onednn_matmul", where_, "empty tensor");
    // A stored [K,M] when transposed: element (m,k) at k*M + m, i.e. strides {1, M}.
    const memory::desc src({m_, k}, memory::data_type::f32,
                           attrs_.trans_a ? memory::dims{1, m_} : memory::dims{k, 1});
    const memory::desc w({k, n_}, memory::data_type::f32,
                         attrs_.trans_b ? memory::dims{1, k} : memory::dims{n_, 1});
    const memory::desc dst = PlainDesc({m_, n_});
    dnnl::primitive_attr attr;
    if (attrs_.alpha != 1.f) attr.set_output_scales(0, {attrs_.alpha});

    mode_ = CMode::kNone;
    if (ctx.has_input(2) && attrs_.beta != 0.f) {
      const Dims& cd = ctx.input_dims(2);
      const int64_t c0 = cd.size() == 2 ? cd[0] : 1;
      const int64_t c1 = cd.empty() ? 1 : cd.back();
      c_col_ = c1 == 1 ? 0 : 1;
      c_row_ = c0 == 1 ? 0 : c1;
      if (attrs_.alpha == 1.f && attrs_.beta == 1.f) {
        const memory::desc bias = PlainDesc({c0, c1});
        absl::Status s = Build(ctx, src, w, ctx.input_constant(1), &bias, dst, attr);
        if (s.ok()) {
          mode_ = CMode::kBias;
          return s;
        }
        if (!absl::IsUnimplemented(s)) return s;
      }
      mode_ = CMode::kSum;
      dnnl::post_ops ops;
      ops.append_sum(attrs_.beta);
      attr.set_post_ops(ops);
    }
    return Build(ctx, src, w, ctx.input_constant(1), nullptr, dst, attr);
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    float* y = ctx.output<float>(0);
    if (mode_ == CMode::kSum) {
      // The sum post-op adds beta * (what Y holds), so Y starts as C broadcast to [M, N].
      const float* c = ctx.input<float>(2);
      for (int64_t i = 0; i < m_; ++i)
        for (int64_t j = 0; j < n_; ++j) y[i * n_ + j] = c[i * c_row_ + j * c_col_];
    }
    return Run(ctx, ctx.input(0), ctx.input(1), mode_ == CMode::kBias ? ctx.input(2) : nullptr, y);
  }

 private:
  enum class CMode { kNone, kBias, kSum };
  GemmAttrs attrs_;
  CMode mode_ = CMode::kNone;
  int64_t m_ = 0, n_ = 0, c_row_ = 0, c_col_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnMatMul(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnMatMulKernel>(node));
}
absl::StatusOr<std::unique_ptr<OpKernel>> MakeOnednnGemm(const graph::Node& node) {
  return std::unique_ptr<OpKernel>(std::make_unique<OnednnGemmKernel>(node));
}

}  // namespace seqrt::ops
