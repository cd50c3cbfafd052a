// Scan. Opset 9+: inputs are N initial states then M scan inputs (num_scan_inputs); each
// iteration the body gets the states and one slice of every scan input (along
// scan_input_axes, reversed by scan_input_directions) and yields the new states and K scan
// output slices, stacked along scan_output_axes (reversed by scan_output_directions).
// Opset 8: a leading optional sequence_lens input and a batch axis 0 on every state, scan
// input and output; scan inputs are [batch, sequence, ...], each batch entry runs its own
// sequence_lens[b] iterations and scan outputs are zero-padded past them.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/run_limits.h"
#include "absl/strings/str_join.h"
#include "graph/shape.h"
#include "ops/control_flow_common.h"
#include "ops/subgraph.h"
#include "ops/tensor_util.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

struct ScanAttrs {
  bool batched = false;  // opset 8
  int first_state = 0;   // 1 for opset 8 (after sequence_lens)
  int states = 0;        // N
  int scan_inputs = 0;   // M
  int scan_outputs = 0;  // K
  std::vector<int64_t> input_axes, input_dirs, output_axes, output_dirs;
};

absl::StatusOr<ScanAttrs> ParseScan(const graph::Node& node, const graph::Graph& body) {
  const std::string where = node.Describe();
  ScanAttrs a;
  a.batched = node.opset < 9;
  a.first_state = a.batched ? 1 : 0;
  auto m = node.attrs.GetInt("num_scan_inputs");
  if (!m.ok()) return WithNode(node, m.status());
  // Compared as int64 before narrowing: a hostile count like 2^31 would wrap to a negative int.
  if (*m < 1 || *m > node.num_inputs() - a.first_state) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": num_scan_inputs is ", *m, " but the node has ",
                                                   node.num_inputs(), " inputs"));
  }
  a.scan_inputs = static_cast<int>(*m);
  a.states = node.num_inputs() - a.first_state - a.scan_inputs;  // >= 0 by the check above
  const int body_in = static_cast<int>(body.inputs.size());
  const int body_out = static_cast<int>(body.outputs.size());
  if (body_in != a.states + a.scan_inputs) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the body takes ", body_in, " inputs, expected ",
                                                   a.states, " states + ", a.scan_inputs, " scan inputs"));
  }
  if (body_out < a.states) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the body has ", body_out,
                                                   " outputs, fewer than the ", a.states, " states"));
  }
  a.scan_outputs = body_out - a.states;
  if (static_cast<int>(node.outputs.size()) > body_out) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the node has ", node.outputs.size(),
                                                   " outputs but the body yields ", body_out));
  }
  auto list = [&](const char* name, int count, std::vector<int64_t>* out) -> absl::Status {
    *out = node.attrs.GetInts(name, std::vector<int64_t>(count, 0));
    if (static_cast<int>(out->size()) != count) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", name, " has ", out->size(),
                                                     " values, expected ", count));
    }
    return absl::OkStatus();
  };
  if (a.batched) {
    SEQRT_RETURN_IF_ERROR(list("directions", a.scan_inputs, &a.input_dirs));
    a.input_axes.assign(a.scan_inputs, 1);
  } else {
    SEQRT_RETURN_IF_ERROR(list("scan_input_axes", a.scan_inputs, &a.input_axes));
    SEQRT_RETURN_IF_ERROR(list("scan_input_directions", a.scan_inputs, &a.input_dirs));
    SEQRT_RETURN_IF_ERROR(list("scan_output_axes", a.scan_outputs, &a.output_axes));
    SEQRT_RETURN_IF_ERROR(list("scan_output_directions", a.scan_outputs, &a.output_dirs));
  }
  for (int64_t d : a.input_dirs)
    if (d != 0 && d != 1) return absl::InvalidArgumentError(absl::StrCat(where, ": directions must be 0 or 1"));
  for (int64_t d : a.output_dirs)
    if (d != 0 && d != 1) return absl::InvalidArgumentError(absl::StrCat(where, ": directions must be 0 or 1"));
  return a;
}

absl::Status InferScan(InferContext& ctx) {
  const graph::Node& node = ctx.node();
  const std::string where = node.Describe();
  SEQRT_ASSIGN_OR_RETURN(BodyRef ref, FindBody(node, "body"));
  const graph::Graph& body = *ref.graph;
  SEQRT_ASSIGN_OR_RETURN(ScanAttrs a, ParseScan(node, body));
  // The sequence length every scan input must agree on (when known now).
  graph::Dim seq, batch;
  int seq_from = -1;
  for (int m = 0; m < a.scan_inputs; ++m) {
    const int i = a.first_state + a.states + m;
    const graph::Shape& s = ctx.input_shape(i);
    if (!s.rank_known) continue;
    if (s.rank() < (a.batched ? 2 : 1)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": scan input ", m, " has shape ", s.ToString(),
                                                     a.batched ? ", expected [batch, sequence, ...]"
                                                               : ", expected at least one axis to scan"));
    }
    auto axis = graph::NormalizeAxis(a.input_axes[m], s.rank(), "scan_input_axes");
    if (!axis.ok()) return WithNode(node, axis.status());
    const graph::Dim& d = s[*axis];
    if (a.batched) batch = s[0];
    if (!d.known()) continue;
    if (seq.known() && seq.value() != d.value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": scan inputs disagree on the sequence length: scan input ", seq_from, " has ",
          seq.value(), ", scan input ", m, " has ", d.value()));
    }
    seq = d;
    seq_from = m;
  }
  // Untyped body outputs get their dtype from inferring the body on one slice.
  std::vector<DType> out_dtypes(body.outputs.size());
  bool untyped = false;
  for (size_t o = 0; o < body.outputs.size(); ++o) {
    out_dtypes[o] = BodyDType(body, body.outputs[o]);
    untyped |= out_dtypes[o] == DType::kUndefined;
  }
  if (untyped) {
    std::vector<InferContext::InputFacts> formal;
    for (int i = a.first_state; i < a.first_state + a.states + a.scan_inputs; ++i) {
      InferContext::InputFacts f;
      f.present = ctx.has_input(i);
      f.dtype = f.present ? ctx.input_dtype(i) : DType::kUndefined;
      formal.push_back(f);
    }
    const auto inferred = InferBodyOutputs(ctx, ref, formal);
    for (size_t o = 0; o < out_dtypes.size(); ++o)
      if (out_dtypes[o] == DType::kUndefined) out_dtypes[o] = inferred[o].dtype;
  }
  for (int j = 0; j < a.states; ++j) {
    const int i = a.first_state + j;
    if (j < ctx.num_outputs() && ctx.has_output(j)) ctx.SetOutput(j, ctx.input_dtype(i), ctx.input_shape(i));
  }
  for (int k = 0; k < a.scan_outputs; ++k) {
    const int o = a.states + k;
    if (o >= ctx.num_outputs() || !ctx.has_output(o)) continue;
    const graph::ValueId id = body.outputs[a.states + k];
    const graph::Shape& slice = BodyShape(body, id);
    graph::Shape shape = graph::Shape::UnknownRank();
    if (slice.rank_known) {
      std::vector<graph::Dim> dims = slice.dims;
      if (a.batched) {
        dims.insert(dims.begin(), {batch, seq});
      } else {
        auto axis = graph::NormalizeAxis(a.output_axes[k], slice.rank() + 1, "scan_output_axes");
        if (!axis.ok()) return WithNode(node, axis.status());
        dims.insert(dims.begin() + *axis, seq);
      }
      shape = graph::Shape(std::move(dims));
    }
    ctx.SetOutput(o, out_dtypes[a.states + k], std::move(shape));
  }
  return absl::OkStatus();
}

class ScanKernel : public OpKernel {
 public:
  explicit ScanKernel(const graph::Node& node) : node_(node) {
    auto ref = FindBody(node, "body");
    if (!ref.ok()) {
      status_ = ref.status();
      return;
    }
    body_ = *std::move(ref);
    auto a = ParseScan(node, *body_.graph);
    if (a.ok()) attrs_ = *std::move(a);
    else status_ = a.status();
  }
  absl::Status init_status() const { return status_; }

  absl::Status Compute(ComputeContext&) const override {
    return absl::InternalError("Scan runs through ComputeWithOutputs");
  }

  absl::StatusOr<std::vector<Value>> ComputeWithOutputs(ComputeContext& ctx) const override {
    const SubgraphRunner* runner = GetSubgraphRunner(ctx.runtime_hook);
    if (runner == nullptr) return absl::InternalError(absl::StrCat(node_.Describe(), ": no subgraph runner"));
    for (int i = attrs_.first_state; i < node_.num_inputs(); ++i) {
      if (!ctx.has_input(i)) {
        return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": input ", i, " is empty"));
      }
    }
    SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> results,
                           attrs_.batched ? RunBatched(ctx, *runner) : RunUnbatched(ctx, *runner));
    return ToValues(std::move(results));
  }

 private:
  // A contiguous copy (or the input itself) of each scan input with its scan axis first, and
  // the dims of one slice.
  struct ScanSource {
    Tensor moved;  // empty when the input already scans along axis 0
    TensorView whole;
    Dims slice_dims;
    size_t slice_bytes = 0;
    const char* Slice(int64_t t) const {
      return static_cast<const char*>(whole.data()) + t * static_cast<int64_t>(slice_bytes);
    }
  };

  absl::StatusOr<int64_t> SequenceLength(const ComputeContext& ctx, std::vector<int>* axes) const {
    int64_t seq = -1;
    for (int m = 0; m < attrs_.scan_inputs; ++m) {
      const int i = attrs_.first_state + attrs_.states + m;
      const Dims& d = ctx.input_dims(i);
      const int min_rank = attrs_.batched ? 2 : 1;
      if (static_cast<int>(d.size()) < min_rank) {
        return absl::InvalidArgumentError(absl::StrCat(node_.Describe(), ": scan input ", m, " has shape ",
                                                       DimsToString(d), ", expected rank >= ", min_rank));
      }
      auto axis = graph::NormalizeAxis(attrs_.input_axes[m], static_cast<int>(d.size()), "scan_input_axes");
      if (!axis.ok()) return WithNode(node_, axis.status());
      axes->push_back(*axis);
      if (seq >= 0 && d[*axis] != seq) {
        return absl::InvalidArgumentError(absl::StrCat(
            node_.Describe(), ": scan inputs disagree on the sequence length: scan input 0 has ", seq,
            ", scan input ", m, " has ", d[*axis]));
      }
      seq = d[*axis];
    }
    return seq;
  }

  absl::StatusOr<std::vector<Tensor>> RunUnbatched(ComputeContext& ctx, const SubgraphRunner& runner) const {
    const std::string where = node_.Describe();
    const int n = attrs_.states;
    std::vector<int> axes;
    SEQRT_ASSIGN_OR_RETURN(int64_t seq, SequenceLength(ctx, &axes));
    std::vector<ScanSource> sources(attrs_.scan_inputs);
    for (int m = 0; m < attrs_.scan_inputs; ++m) {
      ScanSource& s = sources[m];
      const TensorView in = InputView(ctx, n + m);
      if (axes[m] == 0) {
        s.whole = in;
      } else {
        s.moved = MoveAxisToFront(in, axes[m]);
        s.whole = s.moved.view();
      }
      s.slice_dims.assign(s.whole.dims().begin() + 1, s.whole.dims().end());
      s.slice_bytes = NumElements(s.slice_dims) * DTypeSize(in.dtype());
    }
    std::vector<TensorView> inputs;
    for (int j = 0; j < n; ++j) inputs.push_back(InputView(ctx, j));
    for (int m = 0; m < attrs_.scan_inputs; ++m) inputs.emplace_back();
    const std::vector<ValueView> captures = CaptureViews(node_, body_, ctx);

    std::vector<Tensor> states;
    std::vector<Stacker> scans(attrs_.scan_outputs);
    for (int64_t t = 0; t < seq; ++t) {
      for (int m = 0; m < attrs_.scan_inputs; ++m) {
        const int64_t idx = attrs_.input_dirs[m] ? seq - 1 - t : t;
        inputs[n + m] = TensorView(sources[m].whole.dtype(), sources[m].slice_dims, sources[m].Slice(idx));
      }
      SEQRT_RETURN_IF_ERROR(CheckRunLimits(where));
      SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> outs,
                             runner.RunTensors(body_.graph, BodyInputs(inputs, captures)));
      SEQRT_RETURN_IF_ERROR(TakeStates(outs, t, &inputs, &states));
      for (int k = 0; k < attrs_.scan_outputs; ++k)
        SEQRT_RETURN_IF_ERROR(scans[k].Append(outs[n + k].view(), where, absl::StrCat("scan output ", k)));
    }
    std::vector<Tensor> results(node_.outputs.size());
    for (int j = 0; j < n && j < static_cast<int>(results.size()); ++j)
      results[j] = states.empty() ? Tensor::CopyOf(inputs[j]) : std::move(states[j]);
    for (int k = 0; k < attrs_.scan_outputs; ++k) {
      const int o = n + k;
      if (o >= static_cast<int>(results.size()) || !node_.HasOutput(o)) continue;
      const graph::ValueId id = body_.graph->outputs[n + k];
      const graph::Shape& declared = BodyShape(*body_.graph, id);
      const int rank = seq > 0 ? static_cast<int>(scans[k].slice_dims().size()) + 1
                               : (declared.rank_known ? declared.rank() + 1 : 1);
      auto axis = graph::NormalizeAxis(attrs_.output_axes[k], rank, "scan_output_axes");
      if (!axis.ok()) return WithNode(node_, axis.status());
      results[o] = scans[k].Finish(*axis, attrs_.output_dirs[k] != 0, BodyDType(*body_.graph, id),
                                   declared.fully_known() ? declared.ToDims() : Dims{});
    }
    return results;
  }

  // The body's formal inputs (states, scan slices) followed by the captured outer values.
  static std::vector<ValueView> BodyInputs(const std::vector<TensorView>& formal,
                                           const std::vector<ValueView>& captures) {
    std::vector<ValueView> all(formal.begin(), formal.end());
    all.insert(all.end(), captures.begin(), captures.end());
    return all;
  }

  // Replaces the state inputs with the body's new states, checking they keep their dtype.
  absl::Status TakeStates(std::vector<Tensor>& outs, int64_t t, std::vector<TensorView>* inputs,
                          std::vector<Tensor>* states) const {
    const int n = attrs_.states;
    for (int j = 0; j < n; ++j) {
      if (outs[j].dtype() != (*inputs)[j].dtype()) {
        return absl::InvalidArgumentError(absl::StrCat(
            node_.Describe(), ": the body turns state ", j, " from ", std::string(DTypeName((*inputs)[j].dtype())),
            " into ", std::string(DTypeName(outs[j].dtype())), " at iteration ", t));
      }
    }
    std::vector<Tensor> next(std::make_move_iterator(outs.begin()), std::make_move_iterator(outs.begin() + n));
    for (int j = 0; j < n; ++j) (*inputs)[j] = next[j].view();
    *states = std::move(next);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Tensor>> RunBatched(ComputeContext& ctx, const SubgraphRunner& runner) const {
    const std::string where = node_.Describe();
    const int n = attrs_.states;
    std::vector<int> axes;
    SEQRT_ASSIGN_OR_RETURN(int64_t seq, SequenceLength(ctx, &axes));
    const int first_scan = 1 + n;
    const int64_t batch = ctx.input_dims(first_scan)[0];
    for (int i = 1; i < node_.num_inputs(); ++i) {
      const Dims& d = ctx.input_dims(i);
      if (d.empty() || d[0] != batch) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": input ", i, " has shape ", DimsToString(d),
                                                       ", expected batch size ", batch, " on axis 0"));
      }
    }
    std::vector<int64_t> lens(batch, seq);
    if (ctx.has_input(0)) {
      if (NumElements(ctx.input_dims(0)) != batch) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": sequence_lens has shape ",
                                                       DimsToString(ctx.input_dims(0)), ", expected [", batch, "]"));
      }
      SmallInts v;
      SEQRT_RETURN_IF_ERROR(ReadInts(where, "sequence_lens", ctx.input_dtype(0), ctx.input(0), batch, &v));
      for (int64_t b = 0; b < batch; ++b) {
        if (v[b] < 0 || v[b] > seq) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": sequence_lens[", b, "] = ", v[b],
                                                         " is outside [0, ", seq, "]"));
        }
        lens[b] = v[b];
      }
    }
    // Per batch entry: slices of states and scan inputs are contiguous row blocks.
    auto row = [&](int i, int64_t b, int64_t t, bool scan) {
      const Dims& d = ctx.input_dims(i);
      Dims slice(d.begin() + (scan ? 2 : 1), d.end());
      const size_t bytes = NumElements(slice) * DTypeSize(ctx.input_dtype(i));
      const int64_t index = scan ? b * seq + t : b;
      return TensorView(ctx.input_dtype(i), std::move(slice),
                        static_cast<const char*>(ctx.input(i)) + index * static_cast<int64_t>(bytes));
    };
    std::vector<std::vector<Tensor>> final_states(batch);
    std::vector<std::vector<Stacker>> scans(batch, std::vector<Stacker>(attrs_.scan_outputs));
    const std::vector<ValueView> captures = CaptureViews(node_, body_, ctx);
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<TensorView> inputs;
      for (int j = 0; j < n; ++j) inputs.push_back(row(1 + j, b, 0, false));
      for (int m = 0; m < attrs_.scan_inputs; ++m) inputs.emplace_back();
      for (int64_t t = 0; t < lens[b]; ++t) {
        for (int m = 0; m < attrs_.scan_inputs; ++m) {
          const int64_t idx = attrs_.input_dirs[m] ? lens[b] - 1 - t : t;
          inputs[n + m] = row(first_scan + m, b, idx, true);
        }
        SEQRT_RETURN_IF_ERROR(CheckRunLimits(where));
        SEQRT_ASSIGN_OR_RETURN(std::vector<Tensor> outs,
                               runner.RunTensors(body_.graph, BodyInputs(inputs, captures)));
        SEQRT_RETURN_IF_ERROR(TakeStates(outs, t, &inputs, &final_states[b]));
        for (int k = 0; k < attrs_.scan_outputs; ++k)
          SEQRT_RETURN_IF_ERROR(scans[b][k].Append(outs[n + k].view(), where, absl::StrCat("scan output ", k)));
      }
      if (final_states[b].empty())
        for (int j = 0; j < n; ++j) final_states[b].push_back(Tensor::CopyOf(inputs[j]));
    }
    std::vector<Tensor> results(node_.outputs.size());
    for (int j = 0; j < n && j < static_cast<int>(results.size()); ++j) {
      if (!node_.HasOutput(j)) continue;
      Dims dims = final_states.empty() ? Dims{} : final_states[0][j].dims();
      for (int64_t b = 1; b < batch; ++b) {
        if (final_states[b][j].dims() != dims) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": state ", j, " ends with different shapes across the batch"));
        }
      }
      if (batch == 0) dims.assign(ctx.input_dims(1 + j).begin() + 1, ctx.input_dims(1 + j).end());
      dims.insert(dims.begin(), batch);
      Tensor out(ctx.input_dtype(1 + j), dims);
      char* dst = static_cast<char*>(out.raw_data());
      for (int64_t b = 0; b < batch; ++b) {
        const Tensor& s = final_states[b][j];
        std::memcpy(dst, s.raw_data(), s.byte_size());
        dst += s.byte_size();
      }
      results[j] = std::move(out);
    }
    for (int k = 0; k < attrs_.scan_outputs; ++k) {
      const int o = n + k;
      if (o >= static_cast<int>(results.size()) || !node_.HasOutput(o)) continue;
      const graph::ValueId id = body_.graph->outputs[n + k];
      // One slice's dims from any entry that ran, else the declared ones.
      Dims slice;
      DType dtype = BodyDType(*body_.graph, id);
      bool found = false;
      for (int64_t b = 0; b < batch && !found; ++b) {
        if (scans[b][k].count() > 0) {
          slice = scans[b][k].slice_dims();
          dtype = scans[b][k].dtype();
          found = true;
        }
      }
      const graph::Shape& declared = BodyShape(*body_.graph, id);
      if (!found && declared.fully_known()) slice = declared.ToDims();
      Dims dims = slice;
      dims.insert(dims.begin(), {batch, seq});
      Tensor out(dtype, dims);  // zero-filled: entries past sequence_lens[b] stay 0
      const size_t row_bytes = static_cast<size_t>(seq) * NumElements(slice) * DTypeSize(dtype);
      for (int64_t b = 0; b < batch; ++b) {
        if (scans[b][k].count() == 0) continue;
        if (scans[b][k].slice_dims() != slice) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": scan output ", k,
                                                         " has different shapes across the batch"));
        }
        Tensor stacked = scans[b][k].Finish(0, false, dtype, {});
        std::memcpy(static_cast<char*>(out.raw_data()) + b * row_bytes, stacked.raw_data(), stacked.byte_size());
      }
      results[o] = std::move(out);
    }
    return results;
  }

  const graph::Node& node_;  // owned by the graph, which outlives the kernel
  absl::Status status_;
  BodyRef body_;
  ScanAttrs attrs_;
};

}  // namespace

OpSchema ScanSchema() {
  OpSchema s;
  s.op_type = "Scan";
  s.since_version = 8;
  s.min_inputs = 0;  // opset 8's sequence_lens is optional; ParseScan counts the inputs
  s.infer = &InferScan;
  s.kernels = {&MakeKernel<ScanKernel>};
  s.allocates_outputs = true;
  s.boxed_values = true;  // its body may capture outer sequences
  return s;
}

}  // namespace seqrt::ops
