// ONNX export in the shape of a Keras → tf2onnx model (see shared/notes/exporters.md):
//   x [N,T,F] → Transpose(1,0,2) → RNN/LSTM/GRU (W/R/B permuted to ONNX gate order)
//   → Squeeze (sequences) or the final state Y_h (last step) → MatMul + Add → Softmax.
// Batch and time stay symbolic. The model is checked with onnx::checker before it is returned.
#include "trainer/onnx_export.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"

namespace seqrt::trainer {
namespace {

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto* g) : g_(g) {}

  std::string Fresh(const std::string& base) { return absl::StrCat(base, "_", counter_++); }

  std::string Initializer(const std::string& base, const std::vector<int64_t>& dims,
                          const std::vector<float>& data) {
    const std::string name = Fresh(base);
    onnx::TensorProto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
    return name;
  }
  std::string Int64s(const std::string& base, const std::vector<int64_t>& data) {
    const std::string name = Fresh(base);
    onnx::TensorProto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(data.size()));
    for (int64_t v : data) t->add_int64_data(v);
    return name;
  }

  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& inputs, int outputs = 1) {
    onnx::NodeProto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(Fresh(op));
    for (const std::string& in : inputs) n->add_input(in);
    for (int i = 0; i < outputs; ++i) n->add_output(absl::StrCat(n->name(), "_out", i));
    return n;
  }
  std::string Unary(const std::string& op, const std::string& in) { return Node(op, {in})->output(0); }
  std::string Transpose(const std::string& in, const std::vector<int64_t>& perm) {
    onnx::NodeProto* n = Node("Transpose", {in});
    Ints(n, "perm", perm);
    return n->output(0);
  }

  static void Ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void Int(onnx::NodeProto* n, const std::string& name, int64_t v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void Str(onnx::NodeProto* n, const std::string& name, const std::string& v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }
  static void Strs(onnx::NodeProto* n, const std::string& name, const std::vector<std::string>& v) {
    onnx::AttributeProto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRINGS);
    for (const std::string& s : v) a->add_strings(s);
  }

 private:
  onnx::GraphProto* g_;
  int counter_ = 0;
};

void SetTensorType(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::string>& symbolic,
                   const std::vector<int64_t>& fixed) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (const std::string& s : symbolic) tt->mutable_shape()->add_dim()->set_dim_param(s);
  for (int64_t d : fixed) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

// Keras gate index for each ONNX gate slot.
std::vector<int> GateMap(LayerKind kind) {
  if (kind == LayerKind::kLSTM) return {0, 3, 1, 2};  // ONNX i,o,f,c ← Keras i,f,c,o
  if (kind == LayerKind::kGRU) return {0, 1, 2};      // z,r,h in both
  return {0};
}

}  // namespace

absl::StatusOr<std::string> ExportOnnxModel(Network<float>& net, const ExportOptions& options) {
  if (options.opset < 13 || options.opset > 17)
    return absl::InvalidArgumentError(
        absl::StrCat("export: opset ", options.opset, " is not supported (13 to 17)"));
  if (options.input_name.empty() || options.output_name.empty() || options.input_name == options.output_name)
    return absl::InvalidArgumentError("export: input and output names must be non-empty and different");
  onnx::ModelProto model;
  model.set_ir_version(options.opset >= 15 ? 8 : 7);
  model.set_producer_name("seqrt");
  model.set_producer_version("0.1.0");
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(options.opset);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(options.graph_name);
  GraphWriter w(g);
  SetTensorType(g->add_input(), options.input_name, {"batch", "time"}, {net.num_features()});

  std::string cur = options.input_name;
  bool is_sequence = true, time_major = false;
  for (auto& layer : net.layers()) {
    const LayerSpec& spec = layer->spec();
    std::vector<Param<float>*> ps = layer->params();
    if (spec.kind == LayerKind::kDense) {
      if (is_sequence && time_major) cur = w.Transpose(cur, {1, 0, 2}), time_major = false;
      const std::string kernel = w.Initializer("dense_kernel", ps[0]->dims, ps[0]->value);
      const std::string bias = w.Initializer("dense_bias", ps[1]->dims, ps[1]->value);
      cur = w.Node("Add", {w.Node("MatMul", {cur, kernel})->output(0), bias})->output(0);
      if (spec.activation == Activation::kRelu) cur = w.Unary("Relu", cur);
      if (spec.activation == Activation::kSoftmax) {
        onnx::NodeProto* n = w.Node("Softmax", {cur});
        GraphWriter::Int(n, "axis", -1);
        cur = n->output(0);
      }
      continue;
    }
    if (!time_major) cur = w.Transpose(cur, {1, 0, 2}), time_major = true;
    const int64_t dirs = spec.bidirectional ? 2 : 1, h = spec.units;
    const std::vector<int> gate_map = GateMap(spec.kind);
    const int64_t g_count = static_cast<int64_t>(gate_map.size()), gh = g_count * h;
    const int64_t in = ps[0]->dims[0];
    std::vector<float> wv(dirs * gh * in), rv(dirs * gh * h), bv(dirs * 2 * gh, 0.0f);
    for (int64_t d = 0; d < dirs; ++d) {
      const std::vector<float>& kernel = ps[3 * d]->value;
      const std::vector<float>& rec = ps[3 * d + 1]->value;
      const std::vector<float>& bias = ps[3 * d + 2]->value;
      const bool two_biases = static_cast<int64_t>(bias.size()) == 2 * gh;
      for (int64_t g_onnx = 0; g_onnx < g_count; ++g_onnx) {
        const int64_t g_keras = gate_map[g_onnx];
        for (int64_t j = 0; j < h; ++j) {
          const int64_t row = g_onnx * h + j, col = g_keras * h + j;
          for (int64_t f = 0; f < in; ++f) wv[(d * gh + row) * in + f] = kernel[f * gh + col];
          for (int64_t k = 0; k < h; ++k) rv[(d * gh + row) * h + k] = rec[k * gh + col];
          bv[d * 2 * gh + row] = bias[col];
          if (two_biases) bv[d * 2 * gh + gh + row] = bias[gh + col];
        }
      }
    }
    const char* op_type = spec.kind == LayerKind::kLSTM  ? "LSTM"
                          : spec.kind == LayerKind::kGRU ? "GRU"
                                                         : "RNN";
    onnx::NodeProto* n =
        w.Node(op_type,
               {cur, w.Initializer("W", {dirs, gh, in}, wv), w.Initializer("R", {dirs, gh, h}, rv),
                w.Initializer("B", {dirs, 2 * gh}, bv)},
               2);
    GraphWriter::Int(n, "hidden_size", h);
    GraphWriter::Str(n, "direction", dirs == 2 ? "bidirectional" : "forward");
    std::vector<std::string> acts;
    for (int64_t d = 0; d < dirs; ++d) {
      if (spec.kind == LayerKind::kLSTM) acts.insert(acts.end(), {"Sigmoid", "Tanh", "Tanh"});
      if (spec.kind == LayerKind::kGRU) acts.insert(acts.end(), {"Sigmoid", "Tanh"});
      if (spec.kind == LayerKind::kSimpleRNN)
        acts.push_back(spec.activation == Activation::kRelu ? "Relu" : "Tanh");
    }
    GraphWriter::Strs(n, "activations", acts);
    if (spec.kind == LayerKind::kGRU) GraphWriter::Int(n, "linear_before_reset", spec.reset_after ? 1 : 0);
    const std::string y = n->output(0), y_h = n->output(1);
    if (spec.return_sequences) {
      // Y [T, D, N, H] → [T, N, D·H] (directions concatenated per step, like Keras' concat merge).
      if (dirs == 1) {
        cur = w.Node("Squeeze", {y, w.Int64s("axes", {1})})->output(0);
      } else {
        cur = w.Node("Reshape", {w.Transpose(y, {0, 2, 1, 3}), w.Int64s("shape", {0, 0, -1})})->output(0);
      }
    } else {
      // The last step of each direction is its final state Y_h [D, N, H] (the backward one ends at t = 0).
      if (dirs == 1) {
        cur = w.Node("Squeeze", {y_h, w.Int64s("axes", {0})})->output(0);
      } else {
        cur = w.Node("Reshape", {w.Transpose(y_h, {1, 0, 2}), w.Int64s("shape", {0, -1})})->output(0);
      }
      is_sequence = false, time_major = false;
    }
  }
  if (is_sequence && time_major) cur = w.Transpose(cur, {1, 0, 2});
  // The last node writes the graph output directly.
  onnx::NodeProto* last = g->mutable_node(g->node_size() - 1);
  for (int i = 0; i < last->output_size(); ++i)
    if (last->output(i) == cur) last->set_output(i, options.output_name);
  const int64_t out_width = net.layers().back()->output_width();
  if (is_sequence)
    SetTensorType(g->add_output(), options.output_name, {"batch", "time"}, {out_width});
  else
    SetTensorType(g->add_output(), options.output_name, {"batch"}, {out_width});

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("export: the ONNX checker rejected the model: ", e.what()));
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) return absl::InternalError("export: cannot serialize the model");
  return bytes;
}

}  // namespace seqrt::trainer
