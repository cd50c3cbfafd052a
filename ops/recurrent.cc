// RNN, GRU and LSTM (ai.onnx opsets 1/3 through 22): schemas and the shared shape function.
// Opset differences: `layout` exists from 14 (ParseRecurrentAttrs refuses it before);
// opset 1's `output_sequence` is implied by whether Y is connected, so it needs no handling.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/dtype_dispatch.h"
#include "ops/onednn/rnn_kernels.h"
#include "ops/recurrent_attrs.h"
#include "ops/recurrent_spec.h"
#include "ops/reference/rnn_reference.h"
#include "ops/registry.h"

namespace seqrt::ops {
namespace {

template <RecurrentCell kCell>
absl::Status InferRecurrent(InferContext& ctx) {
  const std::string where = ctx.node().Describe();
  SEQRT_ASSIGN_OR_RETURN(RecurrentAttrs attrs, ParseRecurrentAttrs(ctx.node(), kCell));
  const int max_outputs = kCell == RecurrentCell::kLstm ? 3 : 2;
  if (ctx.num_outputs() > max_outputs)
    return absl::InvalidArgumentError(absl::StrCat(where, ": has ", ctx.num_outputs(),
                                                   " outputs, expected at most ", max_outputs));

  const DType dtype = ctx.input_dtype(kRecX);
  SEQRT_RETURN_IF_ERROR(VisitDType(dtype, [](auto) { return absl::OkStatus(); }, kFloatTypes, where));
  std::vector<const graph::Shape*> shapes(ctx.num_inputs(), nullptr);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    shapes[i] = &ctx.input_shape(i);
    if (i == kRecSequenceLens) {
      const DType lt = ctx.input_dtype(i);
      if (lt != DType::kInt32 && lt != DType::kInt64)
        return absl::InvalidArgumentError(absl::StrCat(where, ": input 'sequence_lens' has dtype ",
                                                       std::string(DTypeName(lt)), ", expected int32"));
    } else if (ctx.input_dtype(i) != dtype) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": input '", std::string(RecurrentInputName(i)), "' has dtype ", std::string(DTypeName(ctx.input_dtype(i))),
          ", expected ", std::string(DTypeName(dtype)), " like X"));
    }
  }
  SEQRT_ASSIGN_OR_RETURN(RecurrentDims dims, CheckRecurrentShapes(attrs, shapes, where));

  // Lengths known now (an initializer) are checked now rather than at the first run.
  if (const Tensor* lens = ctx.input_constant(kRecSequenceLens);
      lens != nullptr && dims.seq_len.known()) {
    std::vector<int64_t> values(lens->num_elements());
    for (int64_t n = 0; n < lens->num_elements(); ++n)
      values[n] = lens->dtype() == DType::kInt64 ? lens->data_as<int64_t>()[n] : lens->data_as<int32_t>()[n];
    SEQRT_RETURN_IF_ERROR(CheckSequenceLens(values.data(), lens->num_elements(), dims.seq_len.value(), where));
  }

  ctx.SetOutput(kRecY, dtype, RecurrentYShape(attrs, dims));
  ctx.SetOutput(kRecYh, dtype, RecurrentStateShape(attrs, dims));
  if (kCell == RecurrentCell::kLstm) ctx.SetOutput(kRecYc, dtype, RecurrentStateShape(attrs, dims));
  return absl::OkStatus();
}

// Kernel tuning's inputs: activations in [-1, 1) (a fixed LCG, so every candidate sees the same
// data) and every sequence as long as X's time axis, so timing covers the whole sequence.
void FillRecurrentTuningInput(const PrepareContext& ctx, int input, void* data) {
  const int64_t n = NumElements(ctx.input_dims(input));
  if (input == kRecSequenceLens) {
    const Dims& x = ctx.input_dims(kRecX);
    const int64_t steps = x.size() == 3 ? x[ctx.node().attrs.GetInt("layout", 0) == 1 ? 1 : 0] : 0;
    for (int64_t i = 0; i < n; ++i) {
      if (ctx.input_dtype(input) == DType::kInt64) static_cast<int64_t*>(data)[i] = steps;
      else static_cast<int32_t*>(data)[i] = static_cast<int32_t>(steps);
    }
    return;
  }
  uint32_t state = 12345u + static_cast<uint32_t>(input);
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / static_cast<double>(1u << 23) - 1.0;
  };
  if (ctx.input_dtype(input) == DType::kFloat) {
    for (int64_t i = 0; i < n; ++i) static_cast<float*>(data)[i] = static_cast<float>(next());
  } else if (ctx.input_dtype(input) == DType::kDouble) {
    for (int64_t i = 0; i < n; ++i) static_cast<double*>(data)[i] = next();
  }  // other dtypes (float16...) keep the zeros the tuner starts from
}

void RegisterOne(OpRegistry& registry, const char* op_type, int since_version, int max_inputs,
                 InferFn infer) {
  OpSchema s;
  s.op_type = op_type;
  s.since_version = since_version;
  s.min_inputs = 3;
  s.max_inputs = max_inputs;
  s.infer = infer;
  // Fast kernels first: each declines in Prepare what it cannot compute exactly. Measured on
  // this AVX2 machine (benchmarks/RESULTS.md), oneDNN's RNN primitives win only at large
  // batch with a large hidden size, so they go first but decline every other shape; our
  // matmul cell takes the rest (it accepts every attribute combination), and the unrestricted
  // oneDNN kernel stays as a fallback for anything the cell might decline.
  s.kernels = {&MakeOnednnRnnKernelForLargeShapes, &MakeMatmulCellRnnKernel, &MakeOnednnRnnKernel,
               &MakeReferenceRecurrentKernel};
  s.drop_unused_outputs = true;
  s.tuning_input = &FillRecurrentTuningInput;
  registry.Register(std::move(s));
}

}  // namespace

void RegisterRecurrentOps(OpRegistry& registry) {
  RegisterOne(registry, "RNN", 1, 6, &InferRecurrent<RecurrentCell::kRnn>);
  RegisterOne(registry, "GRU", 1, 6, &InferRecurrent<RecurrentCell::kGru>);
  RegisterOne(registry, "LSTM", 1, 8, &InferRecurrent<RecurrentCell::kLstm>);
}

}  // namespace seqrt::ops
