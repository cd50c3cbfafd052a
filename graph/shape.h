// Shapes whose dimensions may be known numbers, named symbols ("batch"), or unknown.
// The same shape functions serve load-time inference (symbols flow through) and plan
// time (every dim known), so each operator writes its shape logic once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "seqrt/tensor.h"

namespace seqrt::graph {

class Dim {
 public:
  Dim() = default;  // unknown
  // A known size. Negative values mean "unknown", so do arithmetic on plain integers first
  // (e.g. Pad's negative crops) and build the Dim from the final, non-negative result.
  Dim(int64_t value) : value_(value) {}  // NOLINT: a number is a dim
  static Dim Symbol(std::string name) {
    Dim d;
    d.symbol_ = std::move(name);
    return d;
  }

  bool known() const { return value_ >= 0; }
  bool is_symbol() const { return !known() && !symbol_.empty(); }
  int64_t value() const { return value_; }
  const std::string& symbol() const { return symbol_; }
  std::string ToString() const;  // "100", "batch", "?"

  // Same known number, or same symbol. Two unknowns are not equal.
  bool SameAs(const Dim& other) const;

  // Arithmetic keeps knowns exact; anything with an unknown or symbol becomes unknown
  // (except multiplying/dividing by a known 1).
  friend Dim operator*(const Dim& a, const Dim& b);
  friend Dim operator+(const Dim& a, const Dim& b);
  friend Dim operator-(const Dim& a, const Dim& b);

 private:
  int64_t value_ = -1;
  std::string symbol_;
};

// A tensor's shape. `rank_known == false` means nothing is known about it.
struct Shape {
  bool rank_known = false;
  std::vector<Dim> dims;

  Shape() = default;
  explicit Shape(std::vector<Dim> d) : rank_known(true), dims(std::move(d)) {}
  static Shape FromDims(const Dims& d);
  static Shape UnknownRank() { return Shape(); }

  int rank() const { return static_cast<int>(dims.size()); }
  bool fully_known() const;
  // Concrete dims; only valid when fully_known().
  Dims ToDims() const;
  // Element count when fully known, else nullopt.
  std::optional<int64_t> NumElements() const;
  std::string ToString() const;  // "[batch,100,40]" or "[?]"-style
  const Dim& operator[](int i) const { return dims[i]; }
  Dim& operator[](int i) { return dims[i]; }
};

// Numpy-style multidirectional broadcasting of several shapes. An error says which dims clash.
absl::StatusOr<Shape> BroadcastShapes(const std::vector<Shape>& shapes);

// Normalises a possibly negative axis against `rank`; an error names the op's attribute.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank, std::string_view what = "axis");

}  // namespace seqrt::graph
