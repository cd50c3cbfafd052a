// TfIdfVectorizer over int32/int64 token ids: counts, per row of X ([C] or [N, C]), how often
// each n-gram of the pool occurs, n from min_gram_length to max_gram_length, with the n
// tokens taken every (skip + 1) positions for each skip in 0..max_skip_count (unigrams are
// counted once, as skips do not change them). The pool holds the n-grams grouped by length:
// ngram_counts[i] is where the (i+1)-grams start; ngram_indexes[j] is the output column of
// pool n-gram j. mode TF gives counts, IDF weights[j] (or 1) where the count is non-zero,
// TFIDF count * weights[j] (or the count).
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "ops/tensor_util.h"
#include "ops/text/text_ops.h"

namespace seqrt::ops::text {
namespace {

enum class Mode { kTF, kIDF, kTFIDF };
// Longest n-gram counted (gathered on the stack in Compute).
constexpr int64_t kMaxGram = 16;

// Lexicographic order that also compares a stored n-gram with a span of ids (no copy).
struct NgramLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }
};
using NgramMap = std::map<std::vector<int64_t>, int64_t, NgramLess>;  // n-gram -> pool index

struct Config {
  Mode mode = Mode::kTF;
  int64_t min_gram = 1, max_gram = 1, max_skip = 0;
  std::vector<int64_t> ngram_indexes;
  std::vector<float> weights;
  std::vector<NgramMap> by_length;  // [n - 1]
  int64_t columns = 0;
};

absl::StatusOr<Config> ParseConfig(const graph::Node& node) {
  Config c;
  const std::string mode = node.attrs.GetString("mode", "TF");
  if (mode == "TF") c.mode = Mode::kTF;
  else if (mode == "IDF") c.mode = Mode::kIDF;
  else if (mode == "TFIDF") c.mode = Mode::kTFIDF;
  else return NodeError(node, absl::StrCat("mode must be TF, IDF or TFIDF, got '", mode, "'"));
  c.min_gram = node.attrs.GetInt("min_gram_length", 1);
  c.max_gram = node.attrs.GetInt("max_gram_length", 1);
  c.max_skip = node.attrs.GetInt("max_skip_count", 0);
  if (c.min_gram < 1 || c.max_gram < c.min_gram || c.max_skip < 0) {
    return NodeError(node, absl::StrCat("need 1 <= min_gram_length (", c.min_gram, ") <= max_gram_length (",
                                        c.max_gram, ") and max_skip_count (", c.max_skip, ") >= 0"));
  }
  if (c.max_gram > kMaxGram) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": max_gram_length ", c.max_gram,
                                                 " is above the ", kMaxGram, " supported"));
  }
  if (node.attrs.Has("pool_strings")) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": string pools are not supported (token ids only)"));
  }
  const std::vector<int64_t> pool = node.attrs.GetInts("pool_int64s", {});
  const std::vector<int64_t> counts = node.attrs.GetInts("ngram_counts", {});
  c.ngram_indexes = node.attrs.GetInts("ngram_indexes", {});
  c.weights = node.attrs.GetFloats("weights", {});
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  int64_t id = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const int64_t n = static_cast<int64_t>(i) + 1;
    const int64_t begin = counts[i];
    const int64_t end = i + 1 < counts.size() ? counts[i + 1] : pool_size;
    if (begin < 0 || end < begin || end > pool_size || (end - begin) % n != 0) {
      return NodeError(node, absl::StrCat("ngram_counts[", i, "] = ", begin, " does not delimit whole ", n,
                                          "-grams in a pool of ", pool_size));
    }
    c.by_length.emplace_back();
    for (int64_t p = begin; p < end; p += n, ++id)
      c.by_length.back().emplace(std::vector<int64_t>(pool.begin() + p, pool.begin() + p + n), id);
  }
  if (static_cast<int64_t>(c.ngram_indexes.size()) != id) {
    return NodeError(node, absl::StrCat("ngram_indexes has ", c.ngram_indexes.size(), " entries for ", id,
                                        " pool n-grams"));
  }
  if (!c.weights.empty() && static_cast<int64_t>(c.weights.size()) != id) {
    return NodeError(node, absl::StrCat("weights has ", c.weights.size(), " entries for ", id, " pool n-grams"));
  }
  for (int64_t j : c.ngram_indexes) {
    if (j < 0) return NodeError(node, "ngram_indexes must be >= 0");
    c.columns = std::max(c.columns, j + 1);
  }
  return c;
}

absl::Status InferTfIdfVectorizer(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  SEQRT_ASSIGN_OR_RETURN(Config c, ParseConfig(node));
  const DType t = ctx.input_dtype(0);
  if (t != DType::kInt32 && t != DType::kInt64) {
    return absl::UnimplementedError(absl::StrCat(node.Describe(), ": X must be int32 or int64 token ids, got ",
                                                 std::string(DTypeName(t))));
  }
  const graph::Shape& x = ctx.input_shape(0);
  if (!x.rank_known) {
    ctx.SetOutput(0, DType::kFloat, graph::Shape::UnknownRank());
    return absl::OkStatus();
  }
  if (x.rank() == 1) ctx.SetOutput(0, DType::kFloat, graph::Shape({graph::Dim(c.columns)}));
  else if (x.rank() == 2) ctx.SetOutput(0, DType::kFloat, graph::Shape({x[0], graph::Dim(c.columns)}));
  else return NodeError(node, absl::StrCat("X must be [C] or [N, C], got ", x.ToString()));
  return absl::OkStatus();
}

class TfIdfVectorizerKernel final : public OpKernel {
 public:
  explicit TfIdfVectorizerKernel(const graph::Node& node) : where_(node.Describe()) {
    auto c = ParseConfig(node);
    if (c.ok()) config_ = *std::move(c);
    else status_ = c.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Prepare(PrepareContext& ctx) override {
    const Dims& x = ctx.input_dims(0);
    row_len_ = x.back();
    // Per-row counts of every pool n-gram, plus one row of token ids widened to int64.
    ctx.RequestScratch((config_.ngram_indexes.size() + static_cast<size_t>(row_len_)) * sizeof(int64_t));
    return absl::OkStatus();
  }

  absl::Status Compute(ComputeContext& ctx) const override {
    const Dims& x = ctx.input_dims(0);
    const int64_t rows = x.size() == 2 ? x[0] : 1;
    const size_t ngrams = config_.ngram_indexes.size();
    auto* counts = static_cast<int64_t*>(ctx.scratch());
    int64_t* tokens = counts + ngrams;
    float* y = ctx.output<float>(0);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < row_len_; ++i) {
        tokens[i] = ctx.input_dtype(0) == DType::kInt64 ? ctx.input<int64_t>(0)[r * row_len_ + i]
                                                        : ctx.input<int32_t>(0)[r * row_len_ + i];
      }
      std::fill(counts, counts + ngrams, int64_t{0});
      CountRow(tokens, counts);
      float* out = y + r * config_.columns;
      std::fill(out, out + config_.columns, 0.f);
      for (size_t j = 0; j < ngrams; ++j) {
        const float w = config_.weights.empty() ? 1.f : config_.weights[j];
        const float n = static_cast<float>(counts[j]);
        float v = n;
        if (config_.mode == Mode::kIDF) v = counts[j] > 0 ? w : 0.f;
        else if (config_.mode == Mode::kTFIDF) v = n * w;
        out[config_.ngram_indexes[j]] = v;
      }
    }
    return absl::OkStatus();
  }

 private:
  void CountRow(const int64_t* tokens, int64_t* counts) const {
    const int64_t max_gram = std::min<int64_t>(config_.max_gram, static_cast<int64_t>(config_.by_length.size()));
    int64_t min_gram = config_.min_gram;
    for (int64_t skip = 0; skip <= config_.max_skip; ++skip) {
      const int64_t step = skip + 1;
      for (int64_t n = min_gram; n <= max_gram; ++n) {
        const NgramMap& pool = config_.by_length[n - 1];
        if (pool.empty()) continue;
        for (int64_t start = 0; start + (n - 1) * step < row_len_; ++start) {
          int64_t gram[kMaxGram];
          for (int64_t k = 0; k < n; ++k) gram[k] = tokens[start + k * step];
          auto hit = pool.find(absl::MakeConstSpan(gram, static_cast<size_t>(n)));
          if (hit != pool.end()) ++counts[hit->second];
        }
      }
      // Unigrams do not depend on the skip: count them in the first pass only.
      if (min_gram == 1) min_gram = 2;
    }
  }

  std::string where_;
  absl::Status status_;
  Config config_;
  int64_t row_len_ = 0;
};

}  // namespace

void RegisterTfIdfVectorizerOp(OpRegistry& registry) {
  OpSchema s;
  s.op_type = "TfIdfVectorizer";
  s.since_version = 9;
  s.min_inputs = 1;
  s.max_inputs = 1;
  s.infer = &InferTfIdfVectorizer;
  s.kernels = {&MakeKernel<TfIdfVectorizerKernel>};
  registry.Register(std::move(s));
}

}  // namespace seqrt::ops::text
