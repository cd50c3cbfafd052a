// Small readers of the IR that the Loop fusions share (see fuse_loop_ir.h).
#include "graph/passes/fuse_loop_ir.h"

#include <algorithm>

namespace seqrt::graph::fuse {

std::optional<int64_t> ScalarInt(const Tensor* t) {
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  if (t->dtype() == DType::kInt64) return t->data_as<int64_t>()[0];
  if (t->dtype() == DType::kInt32) return t->data_as<int32_t>()[0];
  return std::nullopt;
}

bool IsScalarZero(const Tensor* t) { return t != nullptr && t->dims().empty() && ScalarInt(t) == 0; }

std::optional<double> ScalarNumber(const Tensor* t) {
  if (t == nullptr || t->num_elements() != 1) return std::nullopt;
  if (auto i = ScalarInt(t)) return static_cast<double>(*i);
  if (t->dtype() == DType::kFloat) return t->data_as<float>()[0];
  if (t->dtype() == DType::kDouble) return t->data_as<double>()[0];
  return std::nullopt;
}

std::optional<std::vector<int64_t>> IntList(const Tensor* t) {
  if (t == nullptr || t->dims().size() > 1) return std::nullopt;
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t->num_elements(); ++i) {
    if (t->dtype() == DType::kInt64)
      v.push_back(t->data_as<int64_t>()[i]);
    else if (t->dtype() == DType::kInt32)
      v.push_back(t->data_as<int32_t>()[i]);
    else
      return std::nullopt;
  }
  return v;
}

std::vector<int> Producers(const Graph& g) {
  std::vector<int> p(g.values.size(), -1);
  for (int n = 0; n < static_cast<int>(g.nodes.size()); ++n)
    for (ValueId out : g.nodes[n].outputs)
      if (out != kNoValue) p[out] = n;
  return p;
}

bool IsOnnx(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

bool IsUnaryGlue(const Node& n) {
  return n.domain.empty() && (n.op_type == "Cast" || n.op_type == "Identity" || n.op_type == "Squeeze" ||
                              n.op_type == "Unsqueeze" || n.op_type == "Reshape");
}

std::optional<SliceArgs> ReadSlice(const Node& n, const ConstantFn& constant) {
  SliceArgs a;
  if (n.opset < 10) {
    a.starts = n.attrs.GetInts("starts", {});
    a.ends = n.attrs.GetInts("ends", {});
    a.axes = n.attrs.GetInts("axes", {});
  } else {
    if (n.num_inputs() < 3) return std::nullopt;
    auto s = IntList(constant(n.inputs[1]));
    auto e = IntList(constant(n.inputs[2]));
    if (!s || !e) return std::nullopt;
    a.starts = *s;
    a.ends = *e;
    if (n.HasInput(3)) {
      auto ax = IntList(constant(n.inputs[3]));
      if (!ax) return std::nullopt;
      a.axes = *ax;
    }
    if (n.HasInput(4)) {
      auto st = IntList(constant(n.inputs[4]));
      if (!st) return std::nullopt;
      a.steps = *st;
    }
  }
  if (a.axes.empty())
    for (size_t i = 0; i < a.starts.size(); ++i) a.axes.push_back(static_cast<int64_t>(i));
  if (a.steps.empty()) a.steps.assign(a.starts.size(), 1);
  if (a.ends.size() != a.starts.size() || a.axes.size() != a.starts.size() ||
      a.steps.size() != a.starts.size())
    return std::nullopt;
  return a;
}

std::optional<std::vector<int64_t>> SplitSizes(const Node& n, int64_t len, const ConstantFn& constant) {
  std::vector<int64_t> sizes;
  if (n.opset >= 13 && n.HasInput(1)) {
    auto s = IntList(constant(n.inputs[1]));
    if (!s) return std::nullopt;
    sizes = *s;
  } else if (n.opset < 13) {
    sizes = n.attrs.GetInts("split", {});
  }
  const int64_t k = static_cast<int64_t>(n.outputs.size());
  if (sizes.empty()) {
    if (k == 0) return std::nullopt;
    const int64_t piece = (len + k - 1) / k;
    for (int64_t i = 0; i < k; ++i) sizes.push_back(std::max<int64_t>(0, std::min(piece, len - i * piece)));
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (static_cast<int64_t>(sizes.size()) != k || total != len) return std::nullopt;
  return sizes;
}

Tensor CropBox(const Tensor& src, const std::vector<int64_t>& start, const Dims& size) {
  Tensor dst(DType::kFloat, size);
  const Dims& sd = src.dims();
  const int rank = static_cast<int>(sd.size());
  if (dst.num_elements() == 0) return dst;
  std::vector<int64_t> idx(rank, 0);
  const float* s = src.data_as<float>();
  float* d = dst.data_as<float>();
  for (int64_t out = 0; out < dst.num_elements(); ++out) {
    int64_t off = 0;
    for (int i = 0; i < rank; ++i) off = off * sd[i] + start[i] + idx[i];
    d[out] = s[off];
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < size[i]) break;
      idx[i] = 0;
    }
  }
  return dst;
}

std::optional<int> Axis(int64_t axis, int rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

bool ReadVector(const Tensor* t, int64_t m, std::vector<float>* out) {
  if (t == nullptr || t->dtype() != DType::kFloat) return false;
  if (t->dims() != Dims{m} && t->dims() != Dims{1, m}) return false;
  out->assign(t->data_as<float>(), t->data_as<float>() + m);
  return true;
}

bool IsFloatMatrix(const Tensor* t, int64_t rows, int64_t cols) {
  if (t == nullptr || t->dtype() != DType::kFloat || t->dims().size() != 2) return false;
  return (rows < 0 || t->dims()[0] == rows) && (cols < 0 || t->dims()[1] == cols);
}

bool IsAllFloat(const Tensor* t, float value) {
  if (t == nullptr || t->dtype() != DType::kFloat || t->num_elements() < 1) return false;
  for (float v : t->values<float>())
    if (v != value) return false;
  return true;
}

}  // namespace seqrt::graph::fuse
