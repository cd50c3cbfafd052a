// The shape facts of ONNX RNN / GRU / LSTM, shared by the shape function, the layout checks and
// every recurrent kernel (reference, matmul cell, oneDNN).
#include "ops/recurrent_spec.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

constexpr const char* kInputNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
constexpr int kInputRanks[] = {3, 3, 3, 2, 1, 3, 3, 2};

// A dim that several inputs must agree on: the first known value wins, later known values
// must match it.
class DimVar {
 public:
  DimVar(std::string what, graph::Dim initial) : what_(std::move(what)), dim_(std::move(initial)) {}
  const graph::Dim& dim() const { return dim_; }
  absl::Status Unify(const graph::Dim& got, int input, int axis, const graph::Shape& shape,
                     const std::string& where) {
    if (!got.known()) {
      if (!dim_.known() && !dim_.is_symbol() && got.is_symbol()) dim_ = got;
      return absl::OkStatus();
    }
    if (dim_.known() && dim_.value() != got.value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": input '", kInputNames[input], "' has shape ", shape.ToString(), ": dim ", axis,
          " is ", got.value(), ", expected ", dim_.value(), " (", what_, ")"));
    }
    dim_ = got;
    return absl::OkStatus();
  }

 private:
  std::string what_;
  graph::Dim dim_;
};

}  // namespace

std::string_view RecurrentInputName(int slot) {
  constexpr int kCount = sizeof(kInputNames) / sizeof(kInputNames[0]);
  return slot >= 0 && slot < kCount ? kInputNames[slot] : "?";
}

absl::StatusOr<RecurrentDims> CheckRecurrentShapes(const RecurrentAttrs& attrs,
                                                   const std::vector<const graph::Shape*>& inputs,
                                                   std::string_view where_view) {
  const std::string where(where_view);
  auto input = [&](int i) -> const graph::Shape* {
    return i < static_cast<int>(inputs.size()) ? inputs[i] : nullptr;
  };
  const int num_inputs = attrs.cell == RecurrentCell::kLstm ? 8 : 6;
  for (int i : {kRecX, kRecW, kRecR})
    if (input(i) == nullptr)
      return absl::InvalidArgumentError(absl::StrCat(where, ": input '", kInputNames[i], "' is required"));
  for (int i = num_inputs; i < static_cast<int>(inputs.size()); ++i)
    if (inputs[i] != nullptr)
      return absl::InvalidArgumentError(absl::StrCat(where, ": has ", inputs.size(),
                                                     " inputs, expected at most ", num_inputs));
  for (int i = 0; i < num_inputs; ++i) {
    const graph::Shape* s = input(i);
    if (s == nullptr || !s->rank_known || s->rank() == kInputRanks[i]) continue;
    return absl::InvalidArgumentError(absl::StrCat(where, ": input '", kInputNames[i], "' has rank ",
                                                   s->rank(), " (shape ", s->ToString(),
                                                   "), expected rank ", kInputRanks[i]));
  }
  auto dim = [&](int i, int axis) -> graph::Dim {
    const graph::Shape* s = input(i);
    return s != nullptr && s->rank_known ? s->dims[axis] : graph::Dim();
  };

  const int64_t D = attrs.num_directions;
  const int64_t G = attrs.gates();
  const bool batch_major = attrs.layout == 1;
  DimVar T("sequence length", dim(kRecX, batch_major ? 1 : 0));
  DimVar N("batch size", dim(kRecX, batch_major ? 0 : 1));
  DimVar I("input size, X's last dim", dim(kRecX, 2));
  DimVar H("hidden_size", attrs.hidden_size > 0 ? graph::Dim(attrs.hidden_size) : graph::Dim());
  DimVar num_dirs(absl::StrCat("num_directions for direction ",
                               D == 2 ? "bidirectional" : attrs.reverse ? "reverse" : "forward"),
                  graph::Dim(D));

  // H first from R's last dim, then W/R's gate dim must be G*H.
  SEQRT_RETURN_IF_ERROR(H.Unify(dim(kRecR, 2), kRecR, 2, *input(kRecR), where));
  for (int i : {kRecW, kRecR}) {
    const graph::Dim gh = dim(i, 1);
    if (!gh.known()) continue;
    if (gh.value() % G != 0 || (H.dim().known() && gh.value() != G * H.dim().value())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": input '", kInputNames[i], "' has shape ", input(i)->ToString(), ": dim 1 is ",
          gh.value(), ", expected ", G, "*hidden_size",
          H.dim().known() ? absl::StrCat(" = ", G * H.dim().value()) : std::string()));
    }
    SEQRT_RETURN_IF_ERROR(H.Unify(graph::Dim(gh.value() / G), i, 1, *input(i), where));
  }
  for (int i : {kRecW, kRecR, kRecB, kRecP}) {
    if (input(i) == nullptr) continue;
    SEQRT_RETURN_IF_ERROR(num_dirs.Unify(dim(i, 0), i, 0, *input(i), where));
  }
  SEQRT_RETURN_IF_ERROR(I.Unify(dim(kRecW, 2), kRecW, 2, *input(kRecW), where));
  // Bias [D, 2*G*H] and peepholes [D, 3*H]: checked once H is known.
  auto check_multiple = [&](int i, int64_t factor, const char* what) -> absl::Status {
    const graph::Dim got = dim(i, 1);
    if (input(i) == nullptr || !got.known() || !H.dim().known()) return absl::OkStatus();
    if (got.value() == factor * H.dim().value()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(where, ": input '", kInputNames[i], "' has shape ",
                                                   input(i)->ToString(), ": dim 1 is ", got.value(),
                                                   ", expected ", what, " = ", factor * H.dim().value()));
  };
  SEQRT_RETURN_IF_ERROR(check_multiple(kRecB, 2 * G, G == 1 ? "2*hidden_size" : G == 3 ? "6*hidden_size" : "8*hidden_size"));
  SEQRT_RETURN_IF_ERROR(check_multiple(kRecP, 3, "3*hidden_size"));
  if (input(kRecSequenceLens) != nullptr)
    SEQRT_RETURN_IF_ERROR(N.Unify(dim(kRecSequenceLens, 0), kRecSequenceLens, 0,
                                  *input(kRecSequenceLens), where));
  for (int i : {kRecInitialH, kRecInitialC}) {
    if (input(i) == nullptr) continue;
    const int dir_axis = batch_major ? 1 : 0, batch_axis = batch_major ? 0 : 1;
    SEQRT_RETURN_IF_ERROR(num_dirs.Unify(dim(i, dir_axis), i, dir_axis, *input(i), where));
    SEQRT_RETURN_IF_ERROR(N.Unify(dim(i, batch_axis), i, batch_axis, *input(i), where));
    SEQRT_RETURN_IF_ERROR(H.Unify(dim(i, 2), i, 2, *input(i), where));
  }
  return RecurrentDims{T.dim(), N.dim(), I.dim(), H.dim()};
}

graph::Shape RecurrentYShape(const RecurrentAttrs& attrs, const RecurrentDims& d) {
  const graph::Dim D(attrs.num_directions);
  if (attrs.layout == 1) return graph::Shape({d.batch, d.seq_len, D, d.hidden_size});
  return graph::Shape({d.seq_len, D, d.batch, d.hidden_size});
}

graph::Shape RecurrentStateShape(const RecurrentAttrs& attrs, const RecurrentDims& d) {
  const graph::Dim D(attrs.num_directions);
  if (attrs.layout == 1) return graph::Shape({d.batch, D, d.hidden_size});
  return graph::Shape({D, d.batch, d.hidden_size});
}

absl::StatusOr<RecurrentGeometry> GetRecurrentGeometry(const RecurrentAttrs& attrs,
                                                       const PrepareContext& ctx) {
  const std::string where = ctx.node().Describe();
  std::vector<graph::Shape> shapes(ctx.num_inputs());
  std::vector<const graph::Shape*> ptrs(ctx.num_inputs(), nullptr);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    shapes[i] = graph::Shape::FromDims(ctx.input_dims(i));
    ptrs[i] = &shapes[i];
  }
  SEQRT_ASSIGN_OR_RETURN(RecurrentDims d, CheckRecurrentShapes(attrs, ptrs, where));
  if (!d.seq_len.known() || !d.batch.known() || !d.input_size.known() || !d.hidden_size.known())
    return absl::InternalError(absl::StrCat(where, ": recurrent dims not known at plan time"));
  RecurrentGeometry g;
  g.seq_len = d.seq_len.value();
  g.batch = d.batch.value();
  g.input_size = d.input_size.value();
  g.hidden_size = d.hidden_size.value();
  g.num_directions = attrs.num_directions;
  return g;
}

absl::Status CheckSequenceLens(const int64_t* lens, int64_t batch, int64_t seq_len,
                               std::string_view where_view) {
  const std::string where(where_view);
  for (int64_t n = 0; n < batch; ++n) {
    if (lens[n] < 0 || lens[n] > seq_len) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": sequence_lens[", n, "] is ", lens[n],
                                                     ", expected a length in [0, ", seq_len, "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace seqrt::ops
