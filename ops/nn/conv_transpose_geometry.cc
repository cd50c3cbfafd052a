#include "ops/nn/conv_transpose_geometry.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace seqrt::ops {
namespace {

int64_t At(const std::vector<int64_t>& v, int i, int64_t fallback) {
  return v.empty() ? fallback : v[i];
}

}  // namespace

absl::StatusOr<ConvTransposeAttrs> ParseConvTransposeAttrs(const graph::Node& node) {
  // The attributes Conv shares (auto_pad, group, kernel_shape, pads, strides, dilations) are
  // validated by Conv's parser, so both ops reject the same bad values with the same words.
  SEQRT_ASSIGN_OR_RETURN(ConvAttrs conv, ParseConvAttrs(node));
  ConvTransposeAttrs a;
  a.auto_pad = conv.auto_pad;
  a.group = conv.group;
  a.kernel_shape = std::move(conv.kernel_shape);
  a.pads = std::move(conv.pads);
  a.strides = std::move(conv.strides);
  a.dilations = std::move(conv.dilations);
  a.output_padding = node.attrs.GetInts("output_padding", {});
  a.output_shape = node.attrs.GetInts("output_shape", {});
  for (int64_t p : a.output_padding)
    if (p < 0) return absl::InvalidArgumentError(absl::StrCat(node.Describe(), ": output_padding must be >= 0"));
  return a;
}

absl::StatusOr<ConvTransposeDim> ConvTransposeOutputDim(const ConvTransposeAttrs& a, int dim,
                                                        int rank, int64_t in, int64_t kernel,
                                                        std::string_view where) {
  const int64_t s = At(a.strides, dim, 1);
  const int64_t d = At(a.dilations, dim, 1);
  const int64_t adj = At(a.output_padding, dim, 0);
  const int64_t natural = s * (in - 1) + adj + (kernel - 1) * d + 1;  // size with no padding
  ConvTransposeDim r;
  int64_t wanted = -1;
  if (!a.output_shape.empty()) {
    const int off = static_cast<int>(a.output_shape.size()) - rank;
    if (off != 0 && off != 2) {
      return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": output_shape [",
                                                     absl::StrJoin(a.output_shape, ","), "] needs ",
                                                     rank, " spatial dims"));
    }
    wanted = a.output_shape[off + dim];
  } else if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
    wanted = in * s;
  }
  if (wanted >= 0) {
    // The padding that trims the natural size to the wanted one; an output larger than the
    // natural size is not padding but trailing positions no input reaches (bias only).
    const int64_t total = std::max<int64_t>(0, natural - wanted);
    const bool more_at_end = a.auto_pad != AutoPad::kSameLower;
    r.pad_begin = more_at_end ? total / 2 : total - total / 2;
    r.pad_end = total - r.pad_begin;
    r.out = wanted;
    return r;
  }
  if (a.auto_pad == AutoPad::kNotSet) {
    r.pad_begin = At(a.pads, dim, 0);
    r.pad_end = At(a.pads, dim + rank, 0);
  }
  r.out = natural - r.pad_begin - r.pad_end;
  if (r.out < 0) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": pads ", r.pad_begin, "+", r.pad_end,
                                                   " exceed the output size ", natural,
                                                   " of spatial dim ", dim));
  }
  return r;
}

absl::StatusOr<ConvTransposeGeometry> GetConvTransposeGeometry(const ConvTransposeAttrs& a,
                                                               const Dims& x, const Dims& w,
                                                               std::string_view where) {
  const std::string at(where);
  if (x.size() < 3 || w.size() != x.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": X must be [N, C, D...] and W [C, M/group, k...] of the same rank, got X ",
        DimsToString(x), " and W ", DimsToString(w)));
  }
  const int r = static_cast<int>(x.size()) - 2;
  ConvTransposeGeometry g;
  g.n = x[0];
  g.c_in = x[1];
  g.group = a.group;
  g.c_out = w[1] * a.group;
  if (w[0] != g.c_in || g.c_in % g.group != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, ": X has ", g.c_in, " channels but W is ", DimsToString(w), " with group ", g.group,
        " (expects W[0] = X channels, divisible by group)"));
  }
  auto check_len = [&](const std::vector<int64_t>& v, size_t n, const char* name) -> absl::Status {
    if (!v.empty() && v.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": ", name, " has ", v.size(),
                                                     " values, expected ", n));
    }
    return absl::OkStatus();
  };
  SEQRT_RETURN_IF_ERROR(check_len(a.kernel_shape, r, "kernel_shape"));
  SEQRT_RETURN_IF_ERROR(check_len(a.strides, r, "strides"));
  SEQRT_RETURN_IF_ERROR(check_len(a.dilations, r, "dilations"));
  SEQRT_RETURN_IF_ERROR(check_len(a.output_padding, r, "output_padding"));
  SEQRT_RETURN_IF_ERROR(check_len(a.pads, 2 * r, "pads"));
  for (int i = 0; i < r; ++i) {
    const int64_t k = w[2 + i];
    if (!a.kernel_shape.empty() && a.kernel_shape[i] != k) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": kernel_shape [",
                                                     absl::StrJoin(a.kernel_shape, ","),
                                                     "] does not match W ", DimsToString(w)));
    }
    SEQRT_ASSIGN_OR_RETURN(ConvTransposeDim d, ConvTransposeOutputDim(a, i, r, x[2 + i], k, where));
    g.in.push_back(x[2 + i]);
    g.kernel.push_back(k);
    g.out.push_back(d.out);
    g.stride.push_back(At(a.strides, i, 1));
    g.dilation.push_back(At(a.dilations, i, 1));
    g.pad_begin.push_back(d.pad_begin);
    g.pad_end.push_back(d.pad_end);
  }
  return g;
}

}  // namespace seqrt::ops
