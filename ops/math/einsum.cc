// Einsum: sums of products over labelled axes ("bij,bjk->bik"), with ellipses (broadcast
// batch dims), repeated labels inside one operand (diagonals) and the implicit output form
// (no "->": the labels used once, alphabetically, after the ellipsis dims).
//
// The reference kernel walks the whole index space of all labels once: output labels
// outer, summed labels inner, each operand reading through a stride per label (strides of
// a label repeated in one operand add up; broadcast size-1 dims get stride 0).
#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/elementwise_common.h"
#include "ops/math/math_ops.h"
#include "ops/tensor_util.h"

namespace seqrt::ops::math {
namespace {

// Labels are chars; ellipsis dims get the labels 0x01, 0x02... (never written by users),
// numbered from the right so that they broadcast numpy-style.
struct Equation {
  std::vector<std::string> inputs;  // per operand, one label per dim (ellipsis expanded)
  std::string output;
};

absl::StatusOr<std::vector<std::string>> SplitTerms(const graph::Node& node, std::string lhs) {
  std::vector<std::string> terms(1);
  for (char c : lhs) {
    if (c == ',') terms.emplace_back();
    else if (c != ' ') terms.back().push_back(c);
  }
  for (const std::string& t : terms) {
    for (size_t i = 0; i < t.size(); ++i) {
      const char c = t[i];
      if (c == '.') continue;
      if (!std::isalpha(static_cast<unsigned char>(c))) {
        return NodeError(node, absl::StrCat("equation term '", t, "' has the character '", std::string(1, c),
                                            "' (labels are letters, plus one '...')"));
      }
    }
  }
  return terms;
}

// Expands "..." in `term` given the operand's rank; `ellipsis_rank` receives how many dims it stands for.
absl::StatusOr<std::string> ExpandTerm(const graph::Node& node, const std::string& term, int rank,
                                       int* ellipsis_rank) {
  const size_t dots = term.find("...");
  const int letters = static_cast<int>(term.size()) - (dots == std::string::npos ? 0 : 3);
  if (term.find('.') != dots || (dots != std::string::npos && term.find('.', dots + 3) != std::string::npos)) {
    return NodeError(node, absl::StrCat("equation term '", term, "' has a '.' outside one '...'"));
  }
  if (dots == std::string::npos) {
    if (letters != rank) {
      return NodeError(node, absl::StrCat("equation term '", term, "' has ", letters, " labels but its operand has rank ", rank));
    }
    *ellipsis_rank = 0;
    return term;
  }
  const int e = rank - letters;
  if (e < 0) {
    return NodeError(node, absl::StrCat("equation term '", term, "' has ", letters, " labels but its operand has rank ", rank));
  }
  *ellipsis_rank = e;
  std::string out = term.substr(0, dots);
  for (int i = e; i >= 1; --i) out.push_back(static_cast<char>(i));
  out += term.substr(dots + 3);
  return out;
}

absl::StatusOr<Equation> ParseEquation(const graph::Node& node, const std::vector<int>& ranks) {
  std::string eq = node.attrs.GetString("equation", "");
  std::string lhs = eq, rhs;
  const size_t arrow = eq.find("->");
  const bool explicit_output = arrow != std::string::npos;
  if (explicit_output) {
    lhs = eq.substr(0, arrow);
    rhs = eq.substr(arrow + 2);
  }
  SEQRT_ASSIGN_OR_RETURN(std::vector<std::string> terms, SplitTerms(node, lhs));
  if (terms.size() != ranks.size()) {
    return NodeError(node, absl::StrCat("equation '", eq, "' has ", terms.size(), " operand terms but the node has ",
                                        ranks.size(), " inputs"));
  }
  Equation result;
  int max_ellipsis = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    int e = 0;
    SEQRT_ASSIGN_OR_RETURN(std::string expanded, ExpandTerm(node, terms[i], ranks[i], &e));
    max_ellipsis = std::max(max_ellipsis, e);
    result.inputs.push_back(std::move(expanded));
  }
  if (explicit_output) {
    std::string out;
    for (char c : rhs) if (c != ' ') out.push_back(c);
    int e = 0;
    const size_t dots = out.find("...");
    if (dots != std::string::npos) {
      SEQRT_ASSIGN_OR_RETURN(result.output,
                             ExpandTerm(node, out, static_cast<int>(out.size()) - 3 + max_ellipsis, &e));
    } else {
      SEQRT_ASSIGN_OR_RETURN(result.output, ExpandTerm(node, out, static_cast<int>(out.size()), &e));
    }
    for (char c : result.output) {
      bool used = false;
      for (const std::string& in : result.inputs) used = used || in.find(c) != std::string::npos;
      if (!used) return NodeError(node, absl::StrCat("output label '", std::string(1, c), "' is in no operand"));
      if (std::count(result.output.begin(), result.output.end(), c) != 1)
        return NodeError(node, absl::StrCat("output label '", std::string(1, c), "' appears twice"));
    }
  } else {
    for (int i = max_ellipsis; i >= 1; --i) result.output.push_back(static_cast<char>(i));
    std::map<char, int> uses;
    for (const std::string& in : result.inputs)
      for (char c : in) if (std::isalpha(static_cast<unsigned char>(c))) ++uses[c];
    for (const auto& [c, n] : uses) if (n == 1) result.output.push_back(c);
  }
  return result;
}

// Each label's extent, checked across operands (size-1 dims broadcast).
absl::StatusOr<std::map<char, int64_t>> LabelSizes(const graph::Node& node, const Equation& eq,
                                                   const std::vector<Dims>& dims) {
  std::map<char, int64_t> size;
  for (size_t i = 0; i < eq.inputs.size(); ++i) {
    for (size_t d = 0; d < eq.inputs[i].size(); ++d) {
      const char c = eq.inputs[i][d];
      const int64_t n = dims[i][d];
      auto [it, fresh] = size.emplace(c, n);
      if (fresh || it->second == n || n == 1) continue;
      if (it->second == 1) {
        it->second = n;
        continue;
      }
      const std::string label = c < 32 ? "..." : std::string(1, c);
      return NodeError(node, absl::StrCat("label '", label, "' has size ", it->second, " in one place and ", n,
                                          " in another (operand ", i, ")"));
    }
  }
  return size;
}

absl::Status InferEinsum(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType dtype, CommonInputDType(ctx, 0, ctx.num_inputs()));
  SEQRT_RETURN_IF_ERROR(CheckInputDType(ctx, 0, kNumericTypes));
  std::vector<int> ranks;
  std::vector<Dims> dims;
  bool known = true;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const graph::Shape& s = ctx.input_shape(i);
    if (!s.rank_known) {
      ctx.SetOutput(0, dtype, graph::Shape::UnknownRank());
      return absl::OkStatus();
    }
    ranks.push_back(s.rank());
    known = known && s.fully_known();
    dims.push_back(s.fully_known() ? s.ToDims() : Dims());
  }
  SEQRT_ASSIGN_OR_RETURN(Equation eq, ParseEquation(ctx.node(), ranks));
  if (!known) {
    ctx.SetOutput(0, dtype, graph::Shape(std::vector<graph::Dim>(eq.output.size())));
    return absl::OkStatus();
  }
  SEQRT_ASSIGN_OR_RETURN(auto size, LabelSizes(ctx.node(), eq, dims));
  std::vector<graph::Dim> out;
  for (char c : eq.output) out.emplace_back(size[c]);
  ctx.SetOutput(0, dtype, graph::Shape(std::move(out)));
  return absl::OkStatus();
}

class EinsumKernel final : public OpKernel {
 public:
  explicit EinsumKernel(const graph::Node& node) : node_(node), where_(node.Describe()) {}

  absl::Status Prepare(PrepareContext& ctx) override {
    const int n = ctx.num_inputs();
    std::vector<int> ranks;
    std::vector<Dims> dims;
    for (int i = 0; i < n; ++i) {
      ranks.push_back(static_cast<int>(ctx.input_dims(i).size()));
      dims.push_back(ctx.input_dims(i));
    }
    SEQRT_ASSIGN_OR_RETURN(Equation eq, ParseEquation(node_, ranks));
    SEQRT_ASSIGN_OR_RETURN(auto size, LabelSizes(node_, eq, dims));
    // All labels: output ones first (in output order), then the summed ones.
    std::string labels = eq.output;
    for (const auto& [c, extent] : size)
      if (labels.find(c) == std::string::npos) labels.push_back(c);
    extents_.clear();
    for (char c : labels) extents_.push_back(size[c]);
    num_output_labels_ = static_cast<int>(eq.output.size());
    strides_.assign(n, std::vector<int64_t>(labels.size(), 0));
    for (int i = 0; i < n; ++i) {
      const SmallInts row = RowMajorStrides(dims[i]);
      for (size_t d = 0; d < eq.inputs[i].size(); ++d) {
        if (dims[i][d] == 1 && size[eq.inputs[i][d]] != 1) continue;  // broadcast
        strides_[i][labels.find(eq.inputs[i][d])] += row[d];
      }
    }
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    return VisitAllowed<kNumericTypes>(
        ctx.input_dtype(0),
        [&](auto tag) -> absl::Status {
          using T = decltype(tag);
          Run<T>(ctx);
          return absl::OkStatus();
        },
        where_);
  }

 private:
  template <typename T>
  void Run(ComputeContext& ctx) const {
    // Floats accumulate in double, integers in their own (wrapping) type.
    using Acc = std::conditional_t<std::is_floating_point_v<ComputeType<T>>, double, T>;
    const int n = ctx.num_inputs();
    const int labels = static_cast<int>(extents_.size());
    T* out = ctx.output<T>(0);
    const int64_t out_count = NumElements(ctx.output_dims(0));
    int64_t inner_count = 1;
    for (int l = num_output_labels_; l < labels; ++l) inner_count *= extents_[l];
    SmallInts index(labels, 0);
    SmallInts offset(n, 0);
    for (int64_t o = 0; o < out_count; ++o) {
      Acc sum = 0;
      for (int64_t s = 0; s < inner_count; ++s) {
        Acc product = 1;
        for (int i = 0; i < n; ++i)
          product = WrappingMul(product, static_cast<Acc>(static_cast<ComputeType<T>>(ctx.input<T>(i)[offset[i]])));
        sum = WrappingAdd(sum, product);
        Advance(index, offset, num_output_labels_, labels);
      }
      out[o] = FromCompute<T>(static_cast<ComputeType<T>>(sum));
      // The summed labels wrapped back to 0; step the output labels.
      Advance(index, offset, 0, num_output_labels_);
    }
  }

  // Odometer step over labels [first, last): the last label fastest.
  void Advance(SmallInts& index, SmallInts& offset, int first, int last) const {
    for (int l = last - 1; l >= first; --l) {
      ++index[l];
      for (size_t i = 0; i < offset.size(); ++i) offset[i] += strides_[i][l];
      if (index[l] < extents_[l]) return;
      for (size_t i = 0; i < offset.size(); ++i) offset[i] -= strides_[i][l] * extents_[l];
      index[l] = 0;
    }
  }

  const graph::Node& node_;
  std::string where_;
  std::vector<int64_t> extents_;
  int num_output_labels_ = 0;
  std::vector<std::vector<int64_t>> strides_;  // per operand, per label
};

}  // namespace

void RegisterEinsumOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "Einsum";
  s.since_version = 12;
  s.min_inputs = 1;
  s.infer = &InferEinsum;
  s.kernels = {&MakeKernel<EinsumKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::math
