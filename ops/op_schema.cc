#include "ops/op_schema.h"

#include "absl/strings/str_cat.h"

namespace seqrt::ops {

absl::Status RunShapeFunction(const OpSchema& schema, InferContext& ctx) {
  if (!schema.boxed_values) {
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i) || !IsBoxedKind(ctx.input_kind(i))) continue;
      // Identity forwards whatever it is given (the ONNX tests run it on sequences and
      // optionals); the runtime then aliases the output to the input.
      if (schema.op_type == "Identity" && schema.domain.empty()) {
        const InferContext::InputFacts& in = ctx.input(i);
        ctx.SetOutput(0, in.dtype, in.shape, in.kind);
        return absl::OkStatus();
      }
      return absl::InvalidArgumentError(absl::StrCat(
          ctx.node().Describe(), ": input ", i, " is a ", std::string(ValueKindName(ctx.input_kind(i))), " but ",
          schema.op_type, " takes tensors (use SequenceAt / OptionalGetElement to take one out)"));
    }
  }
  return schema.infer ? schema.infer(ctx) : absl::OkStatus();
}

}  // namespace seqrt::ops
