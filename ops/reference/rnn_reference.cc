// Reference RNN / GRU / LSTM: the ONNX equations written out literally, one direction, one
// time step and one batch row at a time, with plain dot products (the input projection is
// done per step, not batched). Every fast kernel is compared against this one, so clarity
// wins over speed here.
#include "ops/reference/rnn_reference.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"

namespace seqrt::ops {
namespace {

// Where a row's data lives in X, Y and the state tensors for either layout.
struct Indexer {
  int64_t T, N, D, I, H;
  bool batch_major;
  int64_t x(int64_t t, int64_t n) const { return (batch_major ? n * T + t : t * N + n) * I; }
  int64_t y(int64_t t, int d, int64_t n) const {
    return batch_major ? ((n * T + t) * D + d) * H : ((t * D + d) * N + n) * H;
  }
  int64_t state(int d, int64_t n) const { return batch_major ? (n * D + d) * H : (d * N + n) * H; }
};

class ReferenceRecurrentKernel : public OpKernel {
 public:
  explicit ReferenceRecurrentKernel(const graph::Node& node) : where_(node.Describe()) {
    auto cell = RecurrentCellOf(node);
    if (!cell.ok()) {
      status_ = cell.status();
      return;
    }
    auto attrs = ParseRecurrentAttrs(node, *cell);
    if (!attrs.ok()) {
      status_ = attrs.status();
      return;
    }
    attrs_ = *std::move(attrs);
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    SEQRT_ASSIGN_OR_RETURN(geo_, GetRecurrentGeometry(attrs_, ctx));
    const DType dtype = ctx.input_dtype(kRecX);
    SEQRT_RETURN_IF_ERROR(VisitDType(dtype, [](auto) { return absl::OkStatus(); }, kFloatTypes, where_));
    for (int i : {kRecW, kRecR, kRecB, kRecInitialH, kRecInitialC, kRecP}) {
      if (ctx.has_input(i) && ctx.input_dtype(i) != dtype)
        return absl::InvalidArgumentError(absl::StrCat(where_, ": input ", i, " has dtype ",
                                                       std::string(DTypeName(ctx.input_dtype(i))),
                                                       ", expected ", std::string(DTypeName(dtype)), " like X"));
    }
    if (ctx.has_input(kRecSequenceLens)) {
      const DType lt = ctx.input_dtype(kRecSequenceLens);
      if (lt != DType::kInt32 && lt != DType::kInt64)
        return absl::InvalidArgumentError(absl::StrCat(where_, ": sequence_lens has dtype ",
                                                       std::string(DTypeName(lt)), ", expected int32"));
    }
    const size_t csize = dtype == DType::kDouble ? sizeof(double) : sizeof(float);
    const int64_t N = geo_.batch, H = geo_.hidden_size;
    // lens[N] (int64), then h[N*H], c[N*H], pre[G*H], rh[H] in the compute type.
    const size_t bytes = static_cast<size_t>(N) * sizeof(int64_t) +
                         static_cast<size_t>(2 * N * H + attrs_.gates() * H + H) * csize;
    ctx.RequestScratch(std::max<size_t>(bytes, 64));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitDType(
        ctx.input_dtype(kRecX),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          if constexpr (std::is_floating_point_v<ComputeType<T>>) {
            return Run<T>(ctx);
          } else {
            return absl::UnimplementedError(absl::StrCat(where_, ": needs a floating-point X"));
          }
        },
        kFloatTypes, where_);
  }

 private:
  template <typename T>
  absl::Status Run(ComputeContext& ctx) const;

  std::string where_;
  absl::Status status_;
  RecurrentAttrs attrs_;
  RecurrentGeometry geo_;
};

template <typename A, typename B>
auto Dot(const A* a, const B* b, int64_t n) {
  using C = decltype(static_cast<ComputeType<A>>(a[0]) * static_cast<ComputeType<B>>(b[0]));
  C sum = 0;
  for (int64_t k = 0; k < n; ++k) sum += static_cast<C>(a[k]) * static_cast<C>(b[k]);
  return sum;
}

template <typename T>
absl::Status ReferenceRecurrentKernel::Run(ComputeContext& ctx) const {
  using C = ComputeType<T>;
  const int64_t T_ = geo_.seq_len, N = geo_.batch, I = geo_.input_size, H = geo_.hidden_size;
  const int D = geo_.num_directions, G = attrs_.gates();
  const Indexer at{T_, N, D, I, H, attrs_.layout == 1};

  const T* X = ctx.input<T>(kRecX);
  const T* W = ctx.input<T>(kRecW);
  const T* R = ctx.input<T>(kRecR);
  const T* B = ctx.has_input(kRecB) ? ctx.input<T>(kRecB) : nullptr;
  const T* init_h = ctx.has_input(kRecInitialH) ? ctx.input<T>(kRecInitialH) : nullptr;
  const bool lstm = attrs_.cell == RecurrentCell::kLstm;
  const T* init_c = lstm && ctx.has_input(kRecInitialC) ? ctx.input<T>(kRecInitialC) : nullptr;
  const T* P = lstm && ctx.has_input(kRecP) ? ctx.input<T>(kRecP) : nullptr;
  T* Y = ctx.has_output(kRecY) ? ctx.output<T>(kRecY) : nullptr;
  T* Y_h = ctx.has_output(kRecYh) ? ctx.output<T>(kRecYh) : nullptr;
  T* Y_c = lstm && ctx.has_output(kRecYc) ? ctx.output<T>(kRecYc) : nullptr;

  // Scratch, in the order Prepare sized it.
  char* scratch = static_cast<char*>(ctx.scratch());
  int64_t* lens = reinterpret_cast<int64_t*>(scratch);
  C* h = reinterpret_cast<C*>(scratch + N * sizeof(int64_t));
  C* c = h + N * H;
  C* pre = c + N * H;
  C* rh = pre + G * H;

  for (int64_t n = 0; n < N; ++n) lens[n] = T_;
  if (ctx.has_input(kRecSequenceLens)) {
    if (ctx.input_dtype(kRecSequenceLens) == DType::kInt64) {
      std::copy_n(ctx.input<int64_t>(kRecSequenceLens), N, lens);
    } else {
      std::copy_n(ctx.input<int32_t>(kRecSequenceLens), N, lens);
    }
    SEQRT_RETURN_IF_ERROR(CheckSequenceLens(lens, N, T_, where_));
  }
  // Steps past a row's length stay zero in Y.
  if (Y != nullptr) std::fill_n(Y, T_ * D * N * H, T(C(0)));

  auto clip = [&](C x) -> C {
    if (!attrs_.clip) return x;
    const C bound = static_cast<C>(*attrs_.clip);
    return std::min(std::max(x, -bound), bound);
  };

  for (int d = 0; d < D; ++d) {
    const bool reverse = D == 2 ? d == 1 : attrs_.reverse;
    const RecurrentActivation& f = attrs_.activation(d, 0);
    const RecurrentActivation& g = attrs_.activation(d, std::min(1, attrs_.activations_per_direction() - 1));
    const RecurrentActivation& act_h = attrs_.activation(d, attrs_.activations_per_direction() - 1);
    auto act = [](const RecurrentActivation& a, C x) { return ApplyRecurrentActivation<C>(a, x); };

    const T* Wd = W + d * G * H * I;  // [G*H, I]
    const T* Rd = R + d * G * H * H;  // [G*H, H]
    const T* Wb = B ? B + d * 2 * G * H : nullptr;  // [G*H]
    const T* Rb = B ? Wb + G * H : nullptr;         // [G*H]
    const T* Pd = P ? P + d * 3 * H : nullptr;      // [3*H]: i, o, f
    auto bias = [&](int64_t k) -> C {
      return B ? static_cast<C>(Wb[k]) + static_cast<C>(Rb[k]) : C(0);
    };

    for (int64_t n = 0; n < N; ++n) {
      for (int64_t j = 0; j < H; ++j) {
        h[n * H + j] = init_h ? static_cast<C>(init_h[at.state(d, n) + j]) : C(0);
        c[n * H + j] = init_c ? static_cast<C>(init_c[at.state(d, n) + j]) : C(0);
      }
    }

    for (int64_t step = 0; step < T_; ++step) {
      const int64_t t = reverse ? T_ - 1 - step : step;
      for (int64_t n = 0; n < N; ++n) {
        if (t >= lens[n]) continue;  // this row has no step t (reverse rows start at lens-1)
        const T* x = X + at.x(t, n);
        C* hn = h + n * H;
        C* cn = c + n * H;
        switch (attrs_.cell) {
          case RecurrentCell::kRnn: {
            // Ht = f(Xt*Wi^T + Ht-1*Ri^T + Wbi + Rbi)
            for (int64_t j = 0; j < H; ++j)
              pre[j] = Dot(Wd + j * I, x, I) + Dot(Rd + j * H, hn, H) + bias(j);
            for (int64_t j = 0; j < H; ++j) hn[j] = act(f, clip(pre[j]));
            break;
          }
          case RecurrentCell::kGru: {
            // Gates z, r, h. zt and rt first; ht needs rt (and Ht-1) complete.
            C* z = pre;
            C* r = pre + H;
            C* hh = pre + 2 * H;
            for (int64_t j = 0; j < 2 * H; ++j)
              pre[j] = act(f, clip(Dot(Wd + j * I, x, I) + Dot(Rd + j * H, hn, H) + bias(j)));
            const T* Wh = Wd + 2 * H * I;
            const T* Rh = Rd + 2 * H * H;
            if (attrs_.linear_before_reset) {
              // ht = g(Xt*Wh^T + rt (.) (Ht-1*Rh^T + Rbh) + Wbh)
              for (int64_t j = 0; j < H; ++j) {
                const C wbh = B ? static_cast<C>(Wb[2 * H + j]) : C(0);
                const C rbh = B ? static_cast<C>(Rb[2 * H + j]) : C(0);
                hh[j] = act(g, clip(Dot(Wh + j * I, x, I) + r[j] * (Dot(Rh + j * H, hn, H) + rbh) + wbh));
              }
            } else {
              // ht = g(Xt*Wh^T + (rt (.) Ht-1)*Rh^T + Rbh + Wbh)
              for (int64_t k = 0; k < H; ++k) rh[k] = r[k] * hn[k];
              for (int64_t j = 0; j < H; ++j)
                hh[j] = act(g, clip(Dot(Wh + j * I, x, I) + Dot(Rh + j * H, rh, H) + bias(2 * H + j)));
            }
            // Ht = (1 - zt) (.) ht + zt (.) Ht-1
            for (int64_t j = 0; j < H; ++j) hn[j] = (C(1) - z[j]) * hh[j] + z[j] * hn[j];
            break;
          }
          case RecurrentCell::kLstm: {
            // Gates i, o, f, c; peepholes i, o, f.
            for (int64_t j = 0; j < 4 * H; ++j)
              pre[j] = Dot(Wd + j * I, x, I) + Dot(Rd + j * H, hn, H) + bias(j);
            for (int64_t j = 0; j < H; ++j) {
              const C c_prev = cn[j];
              const C pi = Pd ? static_cast<C>(Pd[j]) : C(0);
              const C po = Pd ? static_cast<C>(Pd[H + j]) : C(0);
              const C pf = Pd ? static_cast<C>(Pd[2 * H + j]) : C(0);
              const C it = act(f, clip(pre[j] + pi * c_prev));
              // input_forget couples the gates: ft = 1 - it.
              const C ft = attrs_.input_forget ? C(1) - it : act(f, clip(pre[2 * H + j] + pf * c_prev));
              const C ct = act(g, clip(pre[3 * H + j]));
              const C c_new = ft * c_prev + it * ct;
              const C ot = act(f, clip(pre[H + j] + po * c_new));
              cn[j] = c_new;
              // Ct itself is not clipped: clip bounds gate inputs only (as ONNX Runtime does).
              hn[j] = ot * act(act_h, c_new);
            }
            break;
          }
        }
        if (Y != nullptr) {
          T* y = Y + at.y(t, d, n);
          for (int64_t j = 0; j < H; ++j) y[j] = static_cast<T>(hn[j]);
        }
      }
    }

    // The final state of each row: after its last valid step (forward) or after t = 0
    // (reverse); a row of length 0 keeps its initial state.
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t j = 0; j < H; ++j) {
        if (Y_h != nullptr) Y_h[at.state(d, n) + j] = static_cast<T>(h[n * H + j]);
        if (Y_c != nullptr) Y_c[at.state(d, n) + j] = static_cast<T>(c[n * H + j]);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpKernel>> MakeReferenceRecurrentKernel(const graph::Node& node) {
  return MakeKernel<ReferenceRecurrentKernel>(node);
}

}  // namespace seqrt::ops
