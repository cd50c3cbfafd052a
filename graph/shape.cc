#include "graph/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace seqrt::graph {

std::string Dim::ToString() const {
  if (known()) return absl::StrCat(value_);
  if (!symbol_.empty()) return symbol_;
  return "?";
}

bool Dim::SameAs(const Dim& other) const {
  if (known() || other.known()) return value_ == other.value_;
  return !symbol_.empty() && symbol_ == other.symbol_;
}

Dim operator*(const Dim& a, const Dim& b) {
  // Known dims of a hostile model can be huge: an overflowing product becomes unknown (and
  // the planner, needing it known, reports the node) instead of wrapping around.
  int64_t r = 0;
  if (a.known() && b.known()) return __builtin_mul_overflow(a.value(), b.value(), &r) ? Dim() : Dim(r);
  if (a.known() && a.value() == 1) return b;
  if (b.known() && b.value() == 1) return a;
  if ((a.known() && a.value() == 0) || (b.known() && b.value() == 0)) return Dim(0);
  return Dim();
}

Dim operator+(const Dim& a, const Dim& b) {
  int64_t r = 0;
  if (a.known() && b.known()) return __builtin_add_overflow(a.value(), b.value(), &r) ? Dim() : Dim(r);
  if (a.known() && a.value() == 0) return b;
  if (b.known() && b.value() == 0) return a;
  return Dim();
}

Dim operator-(const Dim& a, const Dim& b) {
  if (a.known() && b.known()) return Dim(a.value() - b.value());
  if (b.known() && b.value() == 0) return a;
  return Dim();
}

Shape Shape::FromDims(const Dims& d) {
  std::vector<Dim> dims;
  dims.reserve(d.size());
  for (int64_t v : d) dims.emplace_back(v);
  return Shape(std::move(dims));
}

bool Shape::fully_known() const {
  if (!rank_known) return false;
  for (const Dim& d : dims)
    if (!d.known()) return false;
  return true;
}

Dims Shape::ToDims() const {
  Dims out;
  out.reserve(dims.size());
  for (const Dim& d : dims) out.push_back(d.value());
  return out;
}

std::optional<int64_t> Shape::NumElements() const {
  if (!fully_known()) return std::nullopt;
  int64_t n = 1;
  for (const Dim& d : dims)
    if (d.value() == 0) return 0;
  // A count that overflows int64 is not a count: callers treat it like an unknown one, and
  // the planner's size checks reject the tensor itself.
  for (const Dim& d : dims)
    if (__builtin_mul_overflow(n, d.value(), &n)) return std::nullopt;
  return n;
}

std::string Shape::ToString() const {
  if (!rank_known) return "[unknown rank]";
  return absl::StrCat("[", absl::StrJoin(dims, ",", [](std::string* out, const Dim& d) {
                        out->append(d.ToString());
                      }),
                      "]");
}

absl::StatusOr<Shape> BroadcastShapes(const std::vector<Shape>& shapes) {
  int rank = 0;
  for (const Shape& s : shapes) {
    if (!s.rank_known) return Shape::UnknownRank();
    rank = std::max(rank, s.rank());
  }
  std::vector<Dim> out(rank, Dim(1));
  for (const Shape& s : shapes) {
    int offset = rank - s.rank();
    for (int i = 0; i < s.rank(); ++i) {
      Dim& o = out[offset + i];
      const Dim& d = s.dims[i];
      if (d.known() && d.value() == 1) continue;
      if (o.known() && o.value() == 1) {
        o = d;
        continue;
      }
      if (o.SameAs(d)) continue;
      if (o.known() && d.known()) {
        std::vector<std::string> parts;
        for (const Shape& t : shapes) parts.push_back(t.ToString());
        return absl::InvalidArgumentError(absl::StrCat("shapes ", absl::StrJoin(parts, " and "),
                                                       " cannot be broadcast (dim ", o.value(),
                                                       " vs ", d.value(), ")"));
      }
      // A known dim other than 1 wins over an unknown one: broadcasting forces equality.
      if (d.known()) o = d;
      else if (!o.known()) o = Dim();
    }
  }
  return Shape(std::move(out));
}

absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank, std::string_view what) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " ", axis, " is out of range for rank ", rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace seqrt::graph
