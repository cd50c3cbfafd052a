#include "runtime/memory_cap.h"

#include <memory>
#include <variant>

#include "absl/strings/str_cat.h"
#include "base/checked_size.h"
#include "seqrt/status.h"

namespace seqrt::runtime {

absl::Status CheckModelSizes(const graph::Graph& g, int64_t max_bytes) {
  for (const graph::Value& v : g.values) {
    if (!v.constant) continue;
    SEQRT_RETURN_IF_ERROR(CheckMemoryCap(static_cast<int64_t>(v.constant->byte_size()), max_bytes,
                                         absl::StrCat("initializer '", v.name, "'")));
  }
  for (const graph::Node& node : g.nodes) {
    for (graph::ValueId id : node.outputs) {
      if (id == graph::kNoValue) continue;
      const graph::Value& v = g.value(id);
      if (v.constant || !v.shape.fully_known() || DTypeSize(v.dtype) == 0) continue;
      const Dims dims = v.shape.ToDims();
      const std::string what = absl::StrCat(node.Describe(), ": output '", v.name, "' (",
                                            std::string(DTypeName(v.dtype)), " ", DimsToString(dims), ")");
      SEQRT_RETURN_IF_ERROR(CheckedTensorBytes(v.dtype, dims, max_bytes, what).status());
    }
  }
  for (const graph::Node& node : g.nodes)
    for (const auto& [name, attr] : node.attrs.all())
      if (const auto* sub = std::get_if<std::shared_ptr<graph::Graph>>(&attr))
        SEQRT_RETURN_IF_ERROR(CheckModelSizes(**sub, max_bytes));
  return absl::OkStatus();
}

int64_t ResolveMemoryCap(int64_t requested) {
  if (requested < 0) return DefaultMaxMemoryBytes();
  return requested;
}

}  // namespace seqrt::runtime
