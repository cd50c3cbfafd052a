// The list operations on sequences: SequenceEmpty, SequenceConstruct, SequenceInsert,
// SequenceErase, SequenceAt and SequenceLength (all opset 11). Sequences are values, so each
// op returns a new one; the tensors are copied.
#include "absl/strings/str_cat.h"
#include "ops/control_flow_common.h"
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

// ---- SequenceEmpty --------------------------------------------------------------------

absl::StatusOr<DType> EmptyDType(const graph::Node& node) {
  const int64_t dtype = node.attrs.GetInt("dtype", static_cast<int64_t>(DType::kFloat));
  const DType d = static_cast<DType>(dtype);
  if (!IsSupportedDType(d)) return NodeError(node, absl::StrCat("dtype ", dtype, " is not supported"));
  return d;
}

absl::Status InferSequenceEmpty(InferContext& ctx) {
  SEQRT_ASSIGN_OR_RETURN(DType dtype, EmptyDType(ctx.node()));
  ctx.SetOutput(0, dtype, graph::Shape::UnknownRank(), ValueKind::kSequence);
  return absl::OkStatus();
}

class SequenceEmptyKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext&) const override {
    SEQRT_ASSIGN_OR_RETURN(DType dtype, EmptyDType(node_));
    return std::vector<Value>{Value::Sequence(dtype, Value::Elements{})};
  }
};

// ---- SequenceConstruct ----------------------------------------------------------------

absl::Status InferSequenceConstruct(InferContext& ctx) {
  DType dtype = DType::kUndefined;
  graph::Shape shape;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    SEQRT_RETURN_IF_ERROR(ExpectTensor(ctx, i, absl::StrCat("input ", i)));
    SEQRT_RETURN_IF_ERROR(ExpectSameDType(ctx.node(), dtype, ctx.input_dtype(i),
                                          absl::StrCat("input ", i, " differs in dtype from the ones before")));
    if (dtype == DType::kUndefined) dtype = ctx.input_dtype(i);
    shape = i == 0 ? ctx.input_shape(i) : CommonShape(shape, ctx.input_shape(i));
  }
  ctx.SetOutput(0, dtype, shape, ValueKind::kSequence);
  return absl::OkStatus();
}

class SequenceConstructKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    Value::Elements items;
    DType dtype = DType::kUndefined;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      SEQRT_ASSIGN_OR_RETURN(TensorView t, InputTensor(ctx, i, where_, absl::StrCat("input ", i)));
      if (i > 0 && t.dtype() != dtype) {
        return NodeError(where_, absl::StrCat("input ", i, " is ", std::string(DTypeName(t.dtype())), ", input 0 is ",
                                              std::string(DTypeName(dtype)), "; a sequence holds one dtype"));
      }
      dtype = t.dtype();
      items.push_back(std::make_shared<const Tensor>(Tensor::CopyOf(t)));
    }
    return std::vector<Value>{Value::Sequence(dtype, std::move(items))};
  }
};

// ---- SequenceInsert -------------------------------------------------------------------

absl::Status InferSequenceInsert(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  SEQRT_RETURN_IF_ERROR(ExpectTensor(ctx, 1, "tensor"));
  SEQRT_RETURN_IF_ERROR(ExpectSameDType(ctx.node(), ctx.input_dtype(0), ctx.input_dtype(1),
                                        "the sequence's and the tensor's dtypes"));
  const DType dtype = ctx.input_dtype(0) != DType::kUndefined ? ctx.input_dtype(0) : ctx.input_dtype(1);
  ctx.SetOutput(0, dtype, CommonShape(ctx.input_shape(0), ctx.input_shape(1)), ValueKind::kSequence);
  return absl::OkStatus();
}

class SequenceInsertKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* seq, InputSequence(ctx, 0, where_, "input_sequence"));
    SEQRT_ASSIGN_OR_RETURN(TensorView t, InputTensor(ctx, 1, where_, "tensor"));
    const DType dtype = ctx.input_value(0)->dtype();
    if (t.dtype() != dtype) {
      return NodeError(where_, absl::StrCat("cannot insert a ", std::string(DTypeName(t.dtype())), " tensor into a sequence of ",
                                            std::string(DTypeName(dtype))));
    }
    const int64_t n = static_cast<int64_t>(seq->size());
    SEQRT_ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 2, where_, n, /*allow_end=*/true, n));
    // The existing tensors are shared with the input sequence; only the new one is copied.
    Value::Elements items;
    items.reserve(seq->size() + 1);
    items.insert(items.end(), seq->begin(), seq->begin() + pos);
    items.push_back(std::make_shared<const Tensor>(Tensor::CopyOf(t)));
    items.insert(items.end(), seq->begin() + pos, seq->end());
    return std::vector<Value>{Value::Sequence(dtype, std::move(items))};
  }
};

// ---- SequenceErase --------------------------------------------------------------------

absl::Status InferSequenceErase(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0), ValueKind::kSequence);
  return absl::OkStatus();
}

class SequenceEraseKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* seq, InputSequence(ctx, 0, where_, "input_sequence"));
    const int64_t n = static_cast<int64_t>(seq->size());
    if (n == 0) return NodeError(where_, "cannot erase from an empty sequence");
    SEQRT_ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 1, where_, n, /*allow_end=*/false, n - 1));
    Value::Elements items;
    items.reserve(seq->size() - 1);
    for (int64_t k = 0; k < n; ++k)
      if (k != pos) items.push_back((*seq)[k]);
    return std::vector<Value>{Value::Sequence(ctx.input_value(0)->dtype(), std::move(items))};
  }
};

// ---- SequenceAt -----------------------------------------------------------------------

absl::Status InferSequenceAt(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  SEQRT_RETURN_IF_ERROR(ExpectTensor(ctx, 1, "position"));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return absl::OkStatus();
}

class SequenceAtKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* seq, InputSequence(ctx, 0, where_, "input_sequence"));
    const int64_t n = static_cast<int64_t>(seq->size());
    if (!ctx.has_input(1)) return NodeError(where_, "position is missing");
    SEQRT_ASSIGN_OR_RETURN(int64_t pos, ReadPosition(ctx, 1, where_, n, /*allow_end=*/false, 0));
    return std::vector<Value>{Value(*(*seq)[pos])};
  }
};

// ---- SequenceLength -------------------------------------------------------------------

absl::Status InferSequenceLength(InferContext& ctx) {
  SEQRT_RETURN_IF_ERROR(ExpectSequence(ctx, 0, "input_sequence"));
  ctx.SetOutput(0, DType::kInt64, graph::Shape(std::vector<graph::Dim>{}));
  return absl::OkStatus();
}

class SequenceLengthKernel : public ValueKernel {
 public:
  using ValueKernel::ValueKernel;
  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    SEQRT_ASSIGN_OR_RETURN(const Value::Elements* seq, InputSequence(ctx, 0, where_, "input_sequence"));
    const int64_t n = static_cast<int64_t>(seq->size());
    return std::vector<Value>{Value(Tensor::FromVector<int64_t>(DType::kInt64, {}, {n}))};
  }
};

}  // namespace

void RegisterSequenceListOps(OpRegistry& registry) {
  registry.Register(ValueOpSchema("SequenceEmpty", 11, 0, 0, InferSequenceEmpty, MakeKernel<SequenceEmptyKernel>));
  registry.Register(
      ValueOpSchema("SequenceConstruct", 11, 1, INT_MAX, InferSequenceConstruct, MakeKernel<SequenceConstructKernel>));
  registry.Register(ValueOpSchema("SequenceInsert", 11, 2, 3, InferSequenceInsert, MakeKernel<SequenceInsertKernel>));
  registry.Register(ValueOpSchema("SequenceErase", 11, 1, 2, InferSequenceErase, MakeKernel<SequenceEraseKernel>));
  registry.Register(ValueOpSchema("SequenceAt", 11, 2, 2, InferSequenceAt, MakeKernel<SequenceAtKernel>));
  registry.Register(ValueOpSchema("SequenceLength", 11, 1, 1, InferSequenceLength, MakeKernel<SequenceLengthKernel>));
}

}  // namespace seqrt::ops
