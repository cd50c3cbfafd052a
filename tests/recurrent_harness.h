// Test harness for RNN / GRU / LSTM kernels: runs ONE kernel object (built by a chosen
// factory) on one node and its input tensors, exactly as the planner would — shape function,
// Prepare with the constant inputs, scratch, Compute — so tests can force the reference
// kernel or any fast kernel and compare them on identical inputs.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "graph/graph.h"
#include "ops/dtype_dispatch.h"
#include "ops/kernel.h"
#include "ops/registry.h"
#include "seqrt/tensor.h"

namespace seqrt::testing {

// One recurrent node with its inputs by slot (X, W, R, B, sequence_lens, initial_h,
// initial_c, P); nullopt marks an absent input. node.inputs / node.outputs only need to
// mark presence (any id for present, graph::kNoValue for absent).
struct RecurrentCase {
  graph::Node node;
  std::vector<std::optional<Tensor>> inputs;
  // Inputs the planner would see as constants (initializers): W, R, B, P in real models.
  std::vector<bool> constant;
};

struct KernelRun {
  std::string kernel_name;
  std::vector<std::optional<Tensor>> outputs;  // by slot; nullopt when the output is absent
};

// Runs the kernel `factory` builds, planned for `threads` intra-op threads. A kernel that
// declines in Prepare returns its Unimplemented status unchanged, so callers can count
// acceptances.
inline absl::StatusOr<KernelRun> RunRecurrentKernel(ops::KernelFactory factory, const RecurrentCase& c,
                                                    int threads = 1) {
  const graph::Node& node = c.node;
  SEQRT_ASSIGN_OR_RETURN(const ops::OpSchema* schema,
                         ops::OpRegistry::Global().Find(node.domain, node.op_type, node.opset));
  const int num_in = static_cast<int>(c.inputs.size());
  std::vector<ops::InferContext::InputFacts> facts(num_in);
  for (int i = 0; i < num_in; ++i) {
    if (!c.inputs[i]) continue;
    facts[i].present = true;
    facts[i].dtype = c.inputs[i]->dtype();
    facts[i].shape = graph::Shape::FromDims(c.inputs[i]->dims());
    if (i < static_cast<int>(c.constant.size()) && c.constant[i]) facts[i].constant = &*c.inputs[i];
  }
  ops::InferContext ictx(node, facts, static_cast<int>(node.outputs.size()));
  SEQRT_RETURN_IF_ERROR(schema->infer(ictx));

  std::vector<ops::PrepareContext::Slot> in_slots(num_in), out_slots(node.outputs.size());
  for (int i = 0; i < num_in; ++i)
    if (c.inputs[i]) in_slots[i] = {c.inputs[i]->dtype(), c.inputs[i]->dims(), facts[i].constant, true};
  KernelRun run;
  run.outputs.resize(node.outputs.size());
  for (int o = 0; o < static_cast<int>(node.outputs.size()); ++o) {
    if (!ictx.has_output(o)) continue;
    out_slots[o] = {ictx.output(o).dtype, ictx.output(o).shape.ToDims(), nullptr, true};
    // NaN-filled so a kernel that skips an element is caught.
    Tensor t(ictx.output(o).dtype, ictx.output(o).shape.ToDims());
    SEQRT_RETURN_IF_ERROR(ops::VisitDType(t.dtype(), [&](auto tag) -> absl::Status {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<ops::ComputeType<T>>)
        for (int64_t k = 0; k < t.num_elements(); ++k) t.data_as<T>()[k] = static_cast<T>(NAN);
      return absl::OkStatus();
    }, ops::kFloatTypes));
    run.outputs[o] = std::move(t);
  }

  SEQRT_ASSIGN_OR_RETURN(std::unique_ptr<ops::OpKernel> kernel, factory(node));
  run.kernel_name = std::string(kernel->name());
  ops::PrepareContext pctx(node, in_slots, out_slots, threads);
  SEQRT_RETURN_IF_ERROR(kernel->Prepare(pctx));
  Tensor scratch(DType::kUInt8, {static_cast<int64_t>(pctx.scratch_bytes())});

  std::vector<Dims> in_dims(num_in), out_dims(node.outputs.size());
  std::vector<ops::ComputeContext::In> ins(num_in);
  for (int i = 0; i < num_in; ++i) {
    if (!c.inputs[i]) continue;
    in_dims[i] = c.inputs[i]->dims();
    ins[i] = {c.inputs[i]->dtype(), &in_dims[i], c.inputs[i]->raw_data()};
  }
  std::vector<ops::ComputeContext::Out> outs(node.outputs.size());
  for (size_t o = 0; o < outs.size(); ++o) {
    if (!run.outputs[o]) continue;
    out_dims[o] = run.outputs[o]->dims();
    outs[o] = {run.outputs[o]->dtype(), &out_dims[o], run.outputs[o]->raw_data()};
  }
  ops::ComputeContext cctx(ins, outs, pctx.scratch_bytes() ? scratch.raw_data() : nullptr);
  SEQRT_RETURN_IF_ERROR(kernel->Compute(cctx));
  return run;
}

// Empty when |got - want| <= atol + rtol * |want| everywhere, else where and by how much.
inline std::string CompareRecurrentOutput(const Tensor& got, const Tensor& want, double atol, double rtol) {
  if (got.dtype() != want.dtype())
    return absl::StrCat("dtype ", std::string(DTypeName(got.dtype())), " vs ", std::string(DTypeName(want.dtype())));
  if (got.dims() != want.dims())
    return absl::StrCat("dims ", DimsToString(got.dims()), " vs ", DimsToString(want.dims()));
  std::string why;
  double worst = 0;
  int64_t worst_at = -1, bad = 0;
  (void)ops::VisitDType(got.dtype(), [&](auto tag) -> absl::Status {
    using T = decltype(tag);
    for (int64_t k = 0; k < got.num_elements(); ++k) {
      const double a = static_cast<double>(static_cast<ops::ComputeType<T>>(got.data_as<T>()[k]));
      const double b = static_cast<double>(static_cast<ops::ComputeType<T>>(want.data_as<T>()[k]));
      const double excess = std::fabs(a - b) - (atol + rtol * std::fabs(b));
      if (!(excess <= 0)) {
        ++bad;
        if (worst_at < 0 || !(excess <= worst)) {
          worst = excess;
          worst_at = k;
          why = absl::StrFormat("element %d is %.9g, expected %.9g", k, a, b);
        }
      }
    }
    return absl::OkStatus();
  }, ops::kFloatTypes);
  if (bad == 0) return "";
  return absl::StrCat(bad, " of ", got.num_elements(), " elements off; worst: ", why);
}

}  // namespace seqrt::testing
