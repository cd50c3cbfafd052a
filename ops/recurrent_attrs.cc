// Attribute parsing for RNN / GRU / LSTM. Every kernel (reference and fast) and the shape
// function go through ParseRecurrentAttrs, so they agree on defaults and on what is an error.
#include "ops/recurrent_attrs.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "seqrt/status.h"

namespace seqrt::ops {
namespace {

using Kind = RecurrentActivation::Kind;

struct ActivationInfo {
  const char* name;  // lower case: ONNX spells them "LeakyRelu", we accept any case
  Kind kind;
  bool uses_alpha;
  bool uses_beta;
  // Defaults are those of the ONNX operator of the same name (Affine and ScaledTanh are the
  // deprecated ONNX ops, whose defaults were 1/0 and 1/1).
  float default_alpha;
  float default_beta;
};

constexpr ActivationInfo kActivations[] = {
    {"relu", Kind::kRelu, false, false, 0.f, 0.f},
    {"tanh", Kind::kTanh, false, false, 0.f, 0.f},
    {"sigmoid", Kind::kSigmoid, false, false, 0.f, 0.f},
    {"affine", Kind::kAffine, true, true, 1.f, 0.f},
    {"leakyrelu", Kind::kLeakyRelu, true, false, 0.01f, 0.f},
    {"thresholdedrelu", Kind::kThresholdedRelu, true, false, 1.f, 0.f},
    {"scaledtanh", Kind::kScaledTanh, true, true, 1.f, 1.f},
    {"hardsigmoid", Kind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", Kind::kElu, true, false, 1.f, 0.f},
    {"softsign", Kind::kSoftsign, false, false, 0.f, 0.f},
    {"softplus", Kind::kSoftplus, false, false, 0.f, 0.f},
};

const ActivationInfo* FindActivation(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const ActivationInfo& info : kActivations)
    if (lower == info.name) return &info;
  return nullptr;
}

const char* CellName(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::kRnn: return "RNN";
    case RecurrentCell::kGru: return "GRU";
    case RecurrentCell::kLstm: return "LSTM";
  }
  return "?";
}

std::vector<std::string> DefaultActivations(RecurrentCell cell) {
  switch (cell) {
    case RecurrentCell::kRnn: return {"Tanh"};
    case RecurrentCell::kGru: return {"Sigmoid", "Tanh"};
    case RecurrentCell::kLstm: return {"Sigmoid", "Tanh", "Tanh"};
  }
  return {};
}

// Inserting a vector's own range into itself is undefined behaviour: copy first.
std::vector<std::string> DuplicateForBothDirections(const std::vector<std::string>& one) {
  std::vector<std::string> both = one;
  both.insert(both.end(), one.begin(), one.end());
  return both;
}

}  // namespace

float RecurrentActivation::Apply(float x) const { return ApplyRecurrentActivation<float>(*this, x); }

absl::StatusOr<RecurrentAttrs> ParseRecurrentAttrs(const graph::Node& node, RecurrentCell cell) {
  const graph::AttributeMap& attrs = node.attrs;
  const std::string where = node.Describe();
  auto bad = [&](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", parts...));
  };

  RecurrentAttrs a;
  a.cell = cell;

  const std::string direction = attrs.GetString("direction", "forward");
  if (direction == "forward") {
    a.num_directions = 1;
  } else if (direction == "reverse") {
    a.num_directions = 1;
    a.reverse = true;
  } else if (direction == "bidirectional") {
    a.num_directions = 2;
  } else {
    return bad("attribute 'direction' is '", direction,
               "', expected 'forward', 'reverse' or 'bidirectional'");
  }

  if (attrs.Has("hidden_size")) {
    SEQRT_ASSIGN_OR_RETURN(a.hidden_size, attrs.GetInt("hidden_size"));
    if (a.hidden_size <= 0) return bad("attribute 'hidden_size' is ", a.hidden_size, ", expected > 0");
  }

  // Activations: names per direction, directions concatenated. A bidirectional node listing
  // only one direction's functions uses them for both (ONNX Runtime accepts this too).
  const int per_dir = a.activations_per_direction();
  std::vector<std::string> names = DefaultActivations(cell);
  if (attrs.Has("activations")) {
    SEQRT_ASSIGN_OR_RETURN(names, attrs.GetStrings("activations"));
    const size_t want = static_cast<size_t>(per_dir * a.num_directions);
    if (a.num_directions == 2 && names.size() == static_cast<size_t>(per_dir)) {
      names = DuplicateForBothDirections(names);
    } else if (names.size() != want) {
      return bad("attribute 'activations' has ", names.size(), " entries [",
                 absl::StrJoin(names, ","), "], expected ", want, " (", per_dir, " per direction for ",
                 CellName(cell), ", ", a.num_directions, " direction(s))");
    }
  } else if (a.num_directions == 2) {
    names = DuplicateForBothDirections(names);
  }

  // activation_alpha / activation_beta are consumed in order, one value per function that
  // takes that parameter; functions without a value listed use the ONNX operator default.
  const std::vector<float> alphas = attrs.GetFloats("activation_alpha", {});
  const std::vector<float> betas = attrs.GetFloats("activation_beta", {});
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    const ActivationInfo* info = FindActivation(name);
    if (info == nullptr) {
      return bad("unknown activation '", name,
                 "' in attribute 'activations' (expected one of Relu, Tanh, Sigmoid, Affine, "
                 "LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus)");
    }
    RecurrentActivation act;
    act.kind = info->kind;
    act.alpha = info->default_alpha;
    act.beta = info->default_beta;
    if (info->uses_alpha && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (info->uses_beta && next_beta < betas.size()) act.beta = betas[next_beta++];
    a.activations.push_back(act);
  }

  if (attrs.Has("clip")) {
    SEQRT_ASSIGN_OR_RETURN(float clip, attrs.GetFloat("clip"));
    if (!(clip >= 0.f)) return bad("attribute 'clip' is ", clip, ", expected a threshold >= 0");
    a.clip = clip;
  }

  if (cell == RecurrentCell::kLstm) {
    const int64_t input_forget = attrs.GetInt("input_forget", 0);
    if (input_forget != 0 && input_forget != 1)
      return bad("attribute 'input_forget' is ", input_forget, ", expected 0 or 1");
    a.input_forget = input_forget == 1;
  }
  if (cell == RecurrentCell::kGru) {
    // ONNX only says "non-zero": any non-zero value selects the linear-before-reset form.
    a.linear_before_reset = attrs.GetInt("linear_before_reset", 0) != 0;
  }

  if (attrs.Has("layout")) {
    if (node.opset < 14)
      return bad("attribute 'layout' needs opset 14 or later, the model imports opset ", node.opset);
    SEQRT_ASSIGN_OR_RETURN(int64_t layout, attrs.GetInt("layout"));
    if (layout != 0 && layout != 1) return bad("attribute 'layout' is ", layout, ", expected 0 or 1");
    a.layout = static_cast<int>(layout);
  }
  return a;
}

absl::StatusOr<RecurrentCell> RecurrentCellOf(const graph::Node& node) {
  if (node.op_type == "RNN") return RecurrentCell::kRnn;
  if (node.op_type == "GRU") return RecurrentCell::kGru;
  if (node.op_type == "LSTM") return RecurrentCell::kLstm;
  return absl::InvalidArgumentError(absl::StrCat(node.Describe(), " is not a recurrent op"));
}

absl::StatusOr<RecurrentAttrs> ParseRecurrentAttrs(const graph::Node& node) {
  SEQRT_ASSIGN_OR_RETURN(RecurrentCell cell, RecurrentCellOf(node));
  return ParseRecurrentAttrs(node, cell);
}

absl::Status ParseRecurrentAttrsInto(const graph::Node& node, RecurrentAttrs& attrs) {
  absl::StatusOr<RecurrentAttrs> parsed = ParseRecurrentAttrs(node);
  if (!parsed.ok()) return parsed.status();
  attrs = *std::move(parsed);
  return absl::OkStatus();
}

}  // namespace seqrt::ops
