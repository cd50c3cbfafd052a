// seqrt's typed graph IR: what the importer produces and every later stage reads.
// Values are referred to by index; -1 marks an absent optional input or output.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/attribute.h"
#include "graph/shape.h"
#include "seqrt/tensor.h"
#include "seqrt/value.h"

namespace seqrt::graph {

using ValueId = int;
inline constexpr ValueId kNoValue = -1;

struct Value {
  std::string name;
  // Sequences and optionals keep their element tensor's dtype and shape in dtype/shape
  // (the shape common to all elements, as far as it is known).
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  Shape shape;
  // Set for initializers and Constant-node outputs: the data known at load time.
  std::shared_ptr<const Tensor> constant;
  int producer = -1;  // index of the producing node, -1 for inputs and initializers
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" for ai.onnx
  int64_t opset = 0;   // the opset version the model imports for `domain`
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  // Outer-scope values that subgraph attributes read (Loop/If/Scan bodies), in the order
  // of the subgraphs' `captures` lists concatenated.
  std::vector<ValueId> implicit_inputs;
  AttributeMap attrs;

  // "LSTM node 'lstm_1'" for error messages.
  std::string Describe() const;
  int num_inputs() const { return static_cast<int>(inputs.size()); }
  bool HasInput(int i) const { return i < num_inputs() && inputs[i] != kNoValue; }
  bool HasOutput(int i) const { return i < static_cast<int>(outputs.size()) && outputs[i] != kNoValue; }
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;  // topologically sorted after import
  std::vector<ValueId> inputs;   // formal inputs, including ones backed by initializers
  std::vector<ValueId> outputs;
  // Names this graph reads from an enclosing graph (subgraphs only), as value ids here.
  std::vector<ValueId> captures;
  // Domain -> opset version, as imported by the model (subgraphs inherit the model's).
  std::map<std::string, int64_t> opsets;

  ValueId AddValue(std::string value_name);
  std::optional<ValueId> FindValue(const std::string& value_name) const;
  const Value& value(ValueId id) const { return values[id]; }
  Value& value(ValueId id) { return values[id]; }
  // Rebuilds the name index after values are added or renamed in bulk.
  void ReindexNames();

 private:
  absl::flat_hash_map<std::string, ValueId> by_name_;
};

// A loaded model: the main graph plus what `seqrt info` reports.
struct Model {
  std::shared_ptr<Graph> graph;
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  // ModelProto's descriptive fields, shown by `seqrt info` and the Python get_modelmeta().
  std::string domain;
  int64_t model_version = 0;
  std::string doc_string;
  std::string graph_name;
  std::string graph_doc_string;
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata_props, in file order
  std::string path;  // file it came from, for messages; empty when loaded from bytes
};

}  // namespace seqrt::graph
