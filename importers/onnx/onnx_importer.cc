#include "importers/onnx/onnx_importer.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "importers/onnx/tensor_proto.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "seqrt/status.h"

namespace seqrt::importers::onnx {
namespace {

using graph::Graph;
using graph::ValueId;

// ai.onnx opsets we accept. Each op's schema states the opset range it implements (Add and
// friends before opset 7 had a `broadcast` attribute; those are refused per op, by name).
constexpr int64_t kMinOnnxOpset = 1;
constexpr int64_t kMaxOnnxOpset = 22;

std::string NormalizeDomain(const std::string& d) { return d == "ai.onnx" ? "" : d; }

absl::StatusOr<graph::Shape> TensorShapeFromType(const ::onnx::TypeProto::Tensor& tt,
                                                 const std::string& what, DType* dtype) {
  if (tt.elem_type() != 0) {
    SEQRT_ASSIGN_OR_RETURN(*dtype, DTypeFromOnnx(tt.elem_type(), what));
  }
  if (!tt.has_shape()) return graph::Shape::UnknownRank();
  std::vector<graph::Dim> dims;
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) dims.emplace_back(d.dim_value());
    else if (d.has_dim_param() && !d.dim_param().empty()) dims.push_back(graph::Dim::Symbol(d.dim_param()));
    else dims.emplace_back();
  }
  return graph::Shape(std::move(dims));
}

// A declared type: tensor(T), sequence(tensor(T)), optional(tensor(T)) or
// optional(sequence(tensor(T))). Sequences and optionals report their element tensor's
// dtype and shape. Maps, sparse tensors and nested sequences are refused.
absl::StatusOr<graph::Shape> ShapeFromType(const ::onnx::TypeProto& type, const std::string& what,
                                           DType* dtype, ValueKind* kind) {
  *kind = ValueKind::kTensor;
  if (type.value_case() == ::onnx::TypeProto::VALUE_NOT_SET) return graph::Shape::UnknownRank();
  if (type.has_tensor_type()) return TensorShapeFromType(type.tensor_type(), what, dtype);
  const ::onnx::TypeProto* inner = nullptr;
  if (type.has_sequence_type()) {
    *kind = ValueKind::kSequence;
    inner = &type.sequence_type().elem_type();
  } else if (type.has_optional_type()) {
    const ::onnx::TypeProto& elem = type.optional_type().elem_type();
    if (elem.has_sequence_type()) {
      *kind = ValueKind::kOptionalSequence;
      inner = &elem.sequence_type().elem_type();
    } else {
      *kind = ValueKind::kOptionalTensor;
      inner = &elem;
    }
  } else {
    return absl::UnimplementedError(
        absl::StrCat(what, " is a map or sparse tensor (seqrt runs tensors, sequences and optionals)"));
  }
  if (inner->value_case() == ::onnx::TypeProto::VALUE_NOT_SET) return graph::Shape::UnknownRank();
  if (!inner->has_tensor_type()) {
    return absl::UnimplementedError(absl::StrCat(
        what, " is a ", std::string(ValueKindName(*kind)), " of something other than tensors (not supported)"));
  }
  return TensorShapeFromType(inner->tensor_type(), what, dtype);
}

std::string AttributeTypeName(int type) {
  const std::string& name = ::onnx::AttributeProto::AttributeType_Name(
      static_cast<::onnx::AttributeProto::AttributeType>(type));
  return name.empty() ? absl::StrCat("type ", type) : absl::AsciiStrToLower(name);
}

// An attribute of the wrong type would otherwise reach a getter that falls back to its
// default (or a kernel that misreads it): ONNX's own operator schemas say which type each
// attribute of each standard op has. An int where a float is meant is accepted (exporters
// write alpha=1 that way, and AttributeMap::GetFloat converts it).
absl::Status CheckAttributeType(const ::onnx::NodeProto& np, const std::string& domain, int64_t opset,
                                const ::onnx::AttributeProto& ap, const std::string& where) {
  const ::onnx::OpSchema* schema =
      ::onnx::OpSchemaRegistry::Schema(np.op_type(), static_cast<int>(std::min<int64_t>(opset, INT32_MAX)), domain);
  if (schema == nullptr) return absl::OkStatus();
  auto it = schema->attributes().find(ap.name());
  if (it == schema->attributes().end()) return absl::OkStatus();
  const auto expected = it->second.type;
  if (ap.type() == expected) return absl::OkStatus();
  if (expected == ::onnx::AttributeProto::FLOAT && ap.type() == ::onnx::AttributeProto::INT)
    return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(where, ": attribute '", ap.name(), "' must be of type ",
                                                 AttributeTypeName(expected), " but is of type ",
                                                 AttributeTypeName(ap.type())));
}

// Converts one GraphProto, resolving names first locally, then in enclosing graphs (which
// then record the name as a capture, so every graph stays self-contained).
class GraphConverter {
 public:
  GraphConverter(const std::map<std::string, int64_t>& opsets, const std::string& base_dir,
                 GraphConverter* outer)
      : opsets_(opsets), base_dir_(base_dir), outer_(outer) {}

  absl::StatusOr<std::shared_ptr<Graph>> Convert(const ::onnx::GraphProto& proto, bool is_subgraph) {
    graph_ = std::make_shared<Graph>();
    Graph& g = *graph_;
    g.name = proto.name();
    g.opsets = opsets_;

    for (const auto& init : proto.initializer()) {
      if (init.name().empty())
        return absl::InvalidArgumentError("an initializer has no name");
      std::string what = absl::StrCat("initializer '", init.name(), "'");
      SEQRT_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(init, base_dir_, what));
      ValueId id = g.AddValue(init.name());
      g.value(id).dtype = t.dtype();
      g.value(id).shape = graph::Shape::FromDims(t.dims());
      g.value(id).constant = std::make_shared<const Tensor>(std::move(t));
    }
    for (const auto& in : proto.input()) {
      std::optional<ValueId> existing = g.FindValue(in.name());
      ValueId id = existing ? *existing : g.AddValue(in.name());
      DType dtype = g.value(id).dtype;
      ValueKind kind = ValueKind::kTensor;
      SEQRT_ASSIGN_OR_RETURN(graph::Shape shape,
                             ShapeFromType(in.type(), absl::StrCat("graph input '", in.name(), "'"), &dtype, &kind));
      if (!existing) {
        g.value(id).kind = kind;
        g.value(id).dtype = dtype;
        g.value(id).shape = shape;
        if (!is_subgraph && dtype == DType::kUndefined)
          return absl::InvalidArgumentError(absl::StrCat("graph input '", in.name(), "' has no element type"));
      }
      g.inputs.push_back(id);
    }
    // Node outputs first, so nodes may appear in any order in the file.
    for (int n = 0; n < proto.node_size(); ++n) {
      for (const std::string& out : proto.node(n).output()) {
        if (out.empty()) continue;
        if (g.FindValue(out)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "value '", out, "' is defined twice (second time by ", DescribeProtoNode(proto.node(n)), ")"));
        }
        g.AddValue(out);
      }
    }
    for (const auto& vi : proto.value_info()) {
      std::optional<ValueId> id = g.FindValue(vi.name());
      if (!id) continue;  // shape hints for values that no longer exist are harmless
      DType dtype = g.value(*id).dtype;
      ValueKind kind = ValueKind::kTensor;
      auto shape = ShapeFromType(vi.type(), absl::StrCat("value '", vi.name(), "'"), &dtype, &kind);
      if (!shape.ok()) continue;
      if (g.value(*id).constant) continue;
      g.value(*id).kind = kind;
      g.value(*id).dtype = dtype;
      g.value(*id).shape = *shape;
    }
    for (const auto& np : proto.node()) SEQRT_RETURN_IF_ERROR(ConvertNode(np));
    for (const auto& out : proto.output()) {
      SEQRT_ASSIGN_OR_RETURN(ValueId id, Resolve(out.name()));
      if (id == graph::kNoValue)
        return absl::InvalidArgumentError(absl::StrCat("graph output '", out.name(), "' is not produced by any node"));
      graph::Value& v = g.value(id);
      DType dtype = v.dtype;
      ValueKind kind = ValueKind::kTensor;
      auto shape = ShapeFromType(out.type(), absl::StrCat("graph output '", out.name(), "'"), &dtype, &kind);
      if (!shape.ok()) return shape.status();
      if (out.type().value_case() != ::onnx::TypeProto::VALUE_NOT_SET && !v.constant) v.kind = kind;
      if (v.dtype == DType::kUndefined) v.dtype = dtype;
      if (!v.shape.rank_known && !v.constant) v.shape = *shape;
      g.outputs.push_back(id);
    }
    return graph_;
  }

  // Finds `name` here or in an enclosing graph; "" is an absent optional value.
  absl::StatusOr<ValueId> Resolve(const std::string& name) {
    if (name.empty()) return graph::kNoValue;
    if (auto id = graph_->FindValue(name)) return *id;
    if (outer_ != nullptr) {
      auto outer_id = outer_->Resolve(name);
      if (outer_id.ok() && *outer_id != graph::kNoValue) {
        ValueId id = graph_->AddValue(name);
        const graph::Value& ov = outer_->graph_->value(*outer_id);
        graph_->value(id).kind = ov.kind;
        graph_->value(id).dtype = ov.dtype;
        graph_->value(id).shape = ov.shape;
        graph_->captures.push_back(id);
        return id;
      }
    }
    return absl::NotFoundError(name);
  }

 private:
  static std::string DescribeProtoNode(const ::onnx::NodeProto& np) {
    return np.name().empty() ? absl::StrCat(np.op_type(), " node")
                             : absl::StrCat(np.op_type(), " node '", np.name(), "'");
  }

  absl::Status ConvertNode(const ::onnx::NodeProto& np) {
    Graph& g = *graph_;
    const std::string where = DescribeProtoNode(np);
    const std::string domain = NormalizeDomain(np.domain());
    auto opset_it = opsets_.find(domain);
    if (opset_it == opsets_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " uses domain '", np.domain(),
                                                     "', which the model does not import"));
    }
    if (np.op_type() == "Constant" && domain.empty()) return ConvertConstant(np, where);

    graph::Node node;
    node.name = np.name();
    node.op_type = np.op_type();
    node.domain = domain;
    node.opset = opset_it->second;
    for (const std::string& in : np.input()) {
      auto id = Resolve(in);
      if (!id.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": input '", in, "' is not defined by any node, graph input or initializer"));
      }
      node.inputs.push_back(*id);
    }
    for (const std::string& out : np.output()) {
      node.outputs.push_back(out.empty() ? graph::kNoValue : *g.FindValue(out));
    }
    for (const auto& ap : np.attribute()) {
      SEQRT_RETURN_IF_ERROR(CheckAttributeType(np, domain, node.opset, ap, where));
      SEQRT_ASSIGN_OR_RETURN(graph::Attribute attr, ConvertAttribute(ap, where));
      node.attrs.Set(ap.name(), std::move(attr));
    }
    // The bodies read these outer values: they become implicit inputs of this node, in
    // attribute-name order (the order kernels rely on), each body's captures in turn.
    for (const auto& [name, attr] : node.attrs.all()) {
      if (const auto* sub = std::get_if<std::shared_ptr<Graph>>(&attr)) {
        for (ValueId cap : (*sub)->captures) {
          SEQRT_ASSIGN_OR_RETURN(ValueId outer_id, Resolve((*sub)->value(cap).name));
          node.implicit_inputs.push_back(outer_id);
        }
      }
    }
    const int index = static_cast<int>(g.nodes.size());
    for (ValueId out : node.outputs)
      if (out != graph::kNoValue) g.value(out).producer = index;
    g.nodes.push_back(std::move(node));
    return absl::OkStatus();
  }

  absl::Status ConvertConstant(const ::onnx::NodeProto& np, const std::string& where) {
    if (np.output_size() != 1 || np.attribute_size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": Constant needs exactly one output and one value attribute"));
    }
    const auto& ap = np.attribute(0);
    Tensor t;
    if (ap.name() == "value") {
      SEQRT_ASSIGN_OR_RETURN(t, TensorFromProto(ap.t(), base_dir_, absl::StrCat(where, " value")));
    } else if (ap.name() == "value_float") {
      t = Tensor::FromVector<float>(DType::kFloat, {}, {ap.f()});
    } else if (ap.name() == "value_floats") {
      std::vector<float> v(ap.floats().begin(), ap.floats().end());
      t = Tensor::FromVector(DType::kFloat, {static_cast<int64_t>(v.size())}, v);
    } else if (ap.name() == "value_int") {
      t = Tensor::FromVector<int64_t>(DType::kInt64, {}, {ap.i()});
    } else if (ap.name() == "value_ints") {
      std::vector<int64_t> v(ap.ints().begin(), ap.ints().end());
      t = Tensor::FromVector(DType::kInt64, {static_cast<int64_t>(v.size())}, v);
    } else {
      return absl::UnimplementedError(
          absl::StrCat(where, ": Constant attribute '", ap.name(), "' is not supported"));
    }
    const std::optional<ValueId> out = graph_->FindValue(np.output(0));
    if (np.output(0).empty() || !out)
      return absl::InvalidArgumentError(absl::StrCat(where, ": Constant has no output name"));
    graph::Value& v = graph_->value(*out);
    v.dtype = t.dtype();
    v.shape = graph::Shape::FromDims(t.dims());
    v.constant = std::make_shared<const Tensor>(std::move(t));
    return absl::OkStatus();
  }

  absl::StatusOr<graph::Attribute> ConvertAttribute(const ::onnx::AttributeProto& ap,
                                                    const std::string& where) {
    const std::string what = absl::StrCat(where, " attribute '", ap.name(), "'");
    if (!ap.ref_attr_name().empty())
      return absl::UnimplementedError(absl::StrCat(what, " refers to a function attribute"));
    switch (ap.type()) {
      case ::onnx::AttributeProto::INT: return graph::Attribute(static_cast<int64_t>(ap.i()));
      case ::onnx::AttributeProto::FLOAT: return graph::Attribute(ap.f());
      case ::onnx::AttributeProto::STRING: return graph::Attribute(ap.s());
      case ::onnx::AttributeProto::INTS:
        return graph::Attribute(std::vector<int64_t>(ap.ints().begin(), ap.ints().end()));
      case ::onnx::AttributeProto::FLOATS:
        return graph::Attribute(std::vector<float>(ap.floats().begin(), ap.floats().end()));
      case ::onnx::AttributeProto::STRINGS:
        return graph::Attribute(std::vector<std::string>(ap.strings().begin(), ap.strings().end()));
      case ::onnx::AttributeProto::TENSOR: {
        SEQRT_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(ap.t(), base_dir_, what));
        return graph::Attribute(std::move(t));
      }
      case ::onnx::AttributeProto::TYPE_PROTO: {
        graph::TypeAttr type;
        SEQRT_ASSIGN_OR_RETURN(type.shape, ShapeFromType(ap.tp(), what, &type.dtype, &type.kind));
        return graph::Attribute(std::move(type));
      }
      case ::onnx::AttributeProto::GRAPH: {
        GraphConverter sub(opsets_, base_dir_, this);
        auto body = sub.Convert(ap.g(), /*is_subgraph=*/true);
        if (!body.ok()) {
          return absl::Status(body.status().code(),
                              absl::StrCat(what, " (subgraph): ", body.status().message()));
        }
        return graph::Attribute(*body);
      }
      default:
        return absl::UnimplementedError(absl::StrCat(what, " has an unsupported attribute type ",
                                                     static_cast<int>(ap.type())));
    }
  }

  const std::map<std::string, int64_t>& opsets_;
  const std::string& base_dir_;
  GraphConverter* outer_;
  std::shared_ptr<Graph> graph_;
};

}  // namespace

absl::StatusOr<graph::Model> LoadModelBytes(const std::string& bytes, const std::string& base_dir,
                                            const std::string& display_name) {
  ::onnx::ModelProto proto;
  if (bytes.empty())
    return absl::InvalidArgumentError(absl::StrCat(display_name, ": file is empty, not an ONNX model"));
  if (!proto.ParseFromString(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        display_name, ": not a valid ONNX model (protobuf parsing failed: truncated or corrupted?)"));
  }
  if (!proto.has_graph() || proto.ir_version() <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(display_name, ": not an ONNX model (no graph or no IR version)"));
  }
  std::map<std::string, int64_t> opsets;
  for (const auto& op : proto.opset_import()) opsets[NormalizeDomain(op.domain())] = op.version();
  if (proto.opset_import_size() == 0) opsets[""] = 1;  // IR < 3 models have no opset list
  auto onnx_opset = opsets.find("");
  if (onnx_opset != opsets.end() &&
      (onnx_opset->second < kMinOnnxOpset || onnx_opset->second > kMaxOnnxOpset)) {
    return absl::UnimplementedError(absl::StrCat(display_name, ": ai.onnx opset ", onnx_opset->second,
                                                 " is not supported (seqrt implements opsets ",
                                                 kMinOnnxOpset, " to ", kMaxOnnxOpset, ")"));
  }
  GraphConverter converter(opsets, base_dir, nullptr);
  auto g = converter.Convert(proto.graph(), /*is_subgraph=*/false);
  if (!g.ok()) {
    return absl::Status(g.status().code(), absl::StrCat(display_name, ": ", g.status().message()));
  }
  graph::Model model;
  model.graph = *g;
  model.ir_version = proto.ir_version();
  model.producer_name = proto.producer_name();
  model.producer_version = proto.producer_version();
  model.domain = proto.domain();
  model.model_version = proto.model_version();
  model.doc_string = proto.doc_string();
  model.graph_name = proto.graph().name();
  model.graph_doc_string = proto.graph().doc_string();
  for (const auto& prop : proto.metadata_props()) model.metadata.emplace_back(prop.key(), prop.value());
  return model;
}

absl::StatusOr<graph::Model> LoadModelFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  if (std::filesystem::is_directory(path, ec))
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a model file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  auto model = LoadModelBytes(buffer.str(), dir, path);
  if (model.ok()) model->path = path;
  return model;
}

}  // namespace seqrt::importers::onnx
