#include "ops/nn/pool_geometry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace seqrt::ops {
namespace {

int64_t At(const std::vector<int64_t>& v, int i, int64_t fallback) {
  return v.empty() ? fallback : v[i];
}

struct DimPlan {
  int64_t out = 0, pad_begin = 0, pad_end = 0, pad_end_given = 0;
};

absl::StatusOr<DimPlan> PlanDim(const PoolAttrs& a, int dim, int rank, int64_t in,
                                std::string_view where) {
  const int64_t k = a.kernel_shape[dim];
  const int64_t s = At(a.strides, dim, 1);
  const int64_t d = At(a.dilations, dim, 1);
  const int64_t extent = (k - 1) * d + 1;
  DimPlan r;
  switch (a.auto_pad) {
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower: {
      r.out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (r.out - 1) * s + extent - in);
      r.pad_begin = a.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      r.pad_end = r.pad_end_given = total - r.pad_begin;
      return r;
    }
    case AutoPad::kValid:
      break;
    case AutoPad::kNotSet:
      r.pad_begin = At(a.pads, dim, 0);
      r.pad_end = r.pad_end_given = At(a.pads, dim + rank, 0);
      break;
  }
  const int64_t span = in + r.pad_begin + r.pad_end - extent;
  if (span < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(where), ": spatial dim ", dim, " of size ", in, " (padded by ", r.pad_begin, "+",
        r.pad_end, ") is smaller than the pooling window extent ", extent));
  }
  r.out = (a.ceil_mode ? (span + s - 1) / s : span / s) + 1;
  // A ceil-mode window must start inside the input or the leading padding.
  if (a.ceil_mode && (r.out - 1) * s >= in + r.pad_begin) --r.out;
  r.pad_end = std::max(r.pad_end, (r.out - 1) * s + extent - in - r.pad_begin);
  return r;
}

}  // namespace

absl::StatusOr<PoolAttrs> ParsePoolAttrs(const graph::Node& node) {
  PoolAttrs a;
  const std::string where = node.Describe();
  const std::string pad = node.attrs.GetString("auto_pad", "NOTSET");
  if (pad == "NOTSET") a.auto_pad = AutoPad::kNotSet;
  else if (pad == "VALID") a.auto_pad = AutoPad::kValid;
  else if (pad == "SAME_UPPER") a.auto_pad = AutoPad::kSameUpper;
  else if (pad == "SAME_LOWER") a.auto_pad = AutoPad::kSameLower;
  else
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": auto_pad '", pad, "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"));
  a.ceil_mode = node.attrs.GetInt("ceil_mode", 0) != 0;
  a.count_include_pad = node.attrs.GetInt("count_include_pad", 0) != 0;
  a.storage_order = node.attrs.GetInt("storage_order", 0);
  a.p = node.attrs.GetInt("p", 2);
  a.kernel_shape = node.attrs.GetInts("kernel_shape", {});
  a.pads = node.attrs.GetInts("pads", {});
  a.strides = node.attrs.GetInts("strides", {});
  a.dilations = node.attrs.GetInts("dilations", {});
  if (a.kernel_shape.empty())
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": the kernel_shape attribute is required"));
  const size_t r = a.kernel_shape.size();
  if ((!a.strides.empty() && a.strides.size() != r) ||
      (!a.dilations.empty() && a.dilations.size() != r) || (!a.pads.empty() && a.pads.size() != 2 * r)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": kernel_shape [", absl::StrJoin(a.kernel_shape, ","), "] needs ", r,
        " strides and dilations and ", 2 * r, " pads"));
  }
  for (int64_t k : a.kernel_shape)
    if (k < 1) return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": kernel_shape must be >= 1"));
  for (int64_t s : a.strides)
    if (s < 1) return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": strides must be >= 1"));
  for (int64_t d : a.dilations)
    if (d < 1) return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": dilations must be >= 1"));
  for (int64_t p : a.pads)
    if (p < 0) return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": pads must be >= 0"));
  if (a.storage_order != 0 && a.storage_order != 1)
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": storage_order must be 0 or 1"));
  if (a.p < 1) return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": p must be >= 1"));
  return a;
}

absl::StatusOr<int64_t> PoolOutputDim(const PoolAttrs& attrs, int dim, int rank, int64_t in,
                                      std::string_view where) {
  SEQRT_ASSIGN_OR_RETURN(DimPlan d, PlanDim(attrs, dim, rank, in, where));
  return d.out;
}

absl::StatusOr<PoolGeometry> GetPoolGeometry(const PoolAttrs& attrs, const Dims& x,
                                             std::string_view where) {
  const int r = static_cast<int>(attrs.kernel_shape.size());
  if (static_cast<int>(x.size()) != r + 2) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": X must be [N, C] plus ", r,
                                                   " spatial dims for kernel_shape [",
                                                   absl::StrJoin(attrs.kernel_shape, ","),
                                                   "], got ", DimsToString(x)));
  }
  PoolGeometry g;
  g.n = x[0];
  g.c = x[1];
  for (int i = 0; i < r; ++i) {
    SEQRT_ASSIGN_OR_RETURN(DimPlan d, PlanDim(attrs, i, r, x[2 + i], where));
    g.in.push_back(x[2 + i]);
    g.kernel.push_back(attrs.kernel_shape[i]);
    g.out.push_back(d.out);
    g.stride.push_back(At(attrs.strides, i, 1));
    g.dilation.push_back(At(attrs.dilations, i, 1));
    g.pad_begin.push_back(d.pad_begin);
    g.pad_end.push_back(d.pad_end);
    g.pad_end_given.push_back(d.pad_end_given);
  }
  return g;
}

}  // namespace seqrt::ops
