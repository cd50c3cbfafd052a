// ParseLayerList: the `--layers` mini-language; ParseTrainBackend: `--backend`.
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "seqrt/train.h"

namespace seqrt {

absl::StatusOr<std::vector<LayerSpec>> ParseLayerList(const std::string& text) {
  struct Kind {
    LayerKind kind;
    Activation activation;
    bool bidirectional;
    bool reset_after;
  };
  static const auto* kinds = new std::map<std::string, Kind>{
      {"rnn", {LayerKind::kSimpleRNN, Activation::kTanh, false, true}},
      {"rnn-relu", {LayerKind::kSimpleRNN, Activation::kRelu, false, true}},
      {"birnn", {LayerKind::kSimpleRNN, Activation::kTanh, true, true}},
      {"lstm", {LayerKind::kLSTM, Activation::kTanh, false, true}},
      {"bilstm", {LayerKind::kLSTM, Activation::kTanh, true, true}},
      {"gru", {LayerKind::kGRU, Activation::kTanh, false, true}},
      {"gru-v1", {LayerKind::kGRU, Activation::kTanh, false, false}},
      {"bigru", {LayerKind::kGRU, Activation::kTanh, true, true}},
      {"dense", {LayerKind::kDense, Activation::kLinear, false, true}},
      {"dense-relu", {LayerKind::kDense, Activation::kRelu, false, true}},
  };
  std::vector<LayerSpec> specs;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    const std::vector<std::string> parts = absl::StrSplit(item, ':');
    auto it = parts.size() == 2 ? kinds->find(parts[0]) : kinds->end();
    int64_t units = 0;
    if (it == kinds->end() || !absl::SimpleAtoi(parts[1], &units) || units <= 0)
      return absl::InvalidArgumentError(absl::StrCat("layer '", std::string(item),
                                                     "': expected KIND:UNITS with KIND one of rnn, rnn-relu, "
                                                     "birnn, lstm, bilstm, gru, gru-v1, bigru, dense, "
                                                     "dense-relu and UNITS > 0"));
    LayerSpec s;
    s.kind = it->second.kind;
    s.units = units;
    s.activation = it->second.activation;
    s.bidirectional = it->second.bidirectional;
    s.reset_after = it->second.reset_after;
    specs.push_back(s);
  }
  // A recurrent layer feeding another recurrent layer hands it the whole sequence.
  for (size_t i = 0; i + 1 < specs.size(); ++i)
    if (specs[i].kind != LayerKind::kDense && specs[i + 1].kind != LayerKind::kDense)
      specs[i].return_sequences = true;
  return specs;
}

absl::StatusOr<TrainBackend> ParseTrainBackend(const std::string& text) {
  if (text == "auto") return TrainBackend::kAuto;
  if (text == "onednn") return TrainBackend::kOnednn;
  if (text == "reference") return TrainBackend::kReference;
  return absl::InvalidArgumentError(absl::StrCat("backend '", text, "': expected auto, onednn or reference"));
}

}  // namespace seqrt
