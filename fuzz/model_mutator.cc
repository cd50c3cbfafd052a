#include "fuzz/model_mutator.h"

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace seqrt::fuzz {
namespace {

using Rng = std::mt19937;

int64_t Pick(Rng& rng, int64_t n) { return n <= 0 ? 0 : std::uniform_int_distribution<int64_t>(0, n - 1)(rng); }

// Dims a hostile edit would write: off by one, zero, negative, huge, overflowing.
int64_t InterestingDim(Rng& rng, int64_t old) {
  static const int64_t kValues[] = {-1, -2, 0, 1, 2, 3, 7, 64, 1000, int64_t{1} << 31, int64_t{1} << 40,
                                    int64_t{1} << 62, std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min()};
  switch (Pick(rng, 4)) {
    // Wrapping arithmetic (through uint64): the edit itself must not be undefined behaviour.
    case 0: return static_cast<int64_t>(static_cast<uint64_t>(old) + 1);
    case 1: return static_cast<int64_t>(static_cast<uint64_t>(old) * 2);
    case 2: return static_cast<int64_t>(static_cast<uint64_t>(old) - 1);
    default: return kValues[Pick(rng, sizeof(kValues) / sizeof(kValues[0]))];
  }
}

float InterestingFloat(Rng& rng, float old) {
  static const float kValues[] = {0.f, -1.f, 1e30f, -1e30f, std::numeric_limits<float>::infinity(),
                                  std::numeric_limits<float>::quiet_NaN(), 1e-30f, 2.f};
  return Pick(rng, 3) == 0 ? old * 2 : kValues[Pick(rng, sizeof(kValues) / sizeof(kValues[0]))];
}

int RandomDType(Rng& rng) {
  static const int kTypes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 99};
  return kTypes[Pick(rng, sizeof(kTypes) / sizeof(kTypes[0]))];
}

// Every graph: the main one and the bodies of Loop/If/Scan, to edit inside subgraphs too.
void CollectGraphs(onnx::GraphProto* g, std::vector<onnx::GraphProto*>* out) {
  out->push_back(g);
  for (auto& node : *g->mutable_node())
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_g()) CollectGraphs(attr.mutable_g(), out);
      for (auto& sub : *attr.mutable_graphs()) CollectGraphs(&sub, out);
    }
}

std::vector<std::string> ValueNames(const onnx::GraphProto& g) {
  std::vector<std::string> names = {""};
  for (const auto& i : g.input()) names.push_back(i.name());
  for (const auto& i : g.initializer()) names.push_back(i.name());
  for (const auto& n : g.node())
    for (const auto& o : n.output()) names.push_back(o);
  names.push_back("no_such_value");
  return names;
}

onnx::ValueInfoProto* RandomValueInfo(onnx::GraphProto& g, Rng& rng) {
  const int64_t n = g.input_size() + g.output_size() + g.value_info_size();
  if (n == 0) return nullptr;
  int64_t i = Pick(rng, n);
  if (i < g.input_size()) return g.mutable_input(static_cast<int>(i));
  i -= g.input_size();
  if (i < g.output_size()) return g.mutable_output(static_cast<int>(i));
  return g.mutable_value_info(static_cast<int>(i - g.output_size()));
}

void EditDims(onnx::GraphProto& g, Rng& rng) {
  if (Pick(rng, 2) == 0 && g.initializer_size() > 0) {
    auto* t = g.mutable_initializer(static_cast<int>(Pick(rng, g.initializer_size())));
    if (t->dims_size() == 0 || Pick(rng, 4) == 0) t->add_dims(InterestingDim(rng, 1));
    else {
      const int d = static_cast<int>(Pick(rng, t->dims_size()));
      t->set_dims(d, InterestingDim(rng, t->dims(d)));
    }
    return;
  }
  onnx::ValueInfoProto* vi = RandomValueInfo(g, rng);
  if (vi == nullptr) return;
  auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
  if (shape->dim_size() == 0 || Pick(rng, 5) == 0) {
    shape->add_dim()->set_dim_value(InterestingDim(rng, 1));
    return;
  }
  auto* dim = shape->mutable_dim(static_cast<int>(Pick(rng, shape->dim_size())));
  switch (Pick(rng, 3)) {
    case 0: dim->set_dim_param("N"); break;
    case 1: dim->clear_dim_value(); break;
    default: dim->set_dim_value(InterestingDim(rng, dim->has_dim_value() ? dim->dim_value() : 1));
  }
}

void EditDType(onnx::GraphProto& g, Rng& rng) {
  if (Pick(rng, 2) == 0 && g.initializer_size() > 0) {
    g.mutable_initializer(static_cast<int>(Pick(rng, g.initializer_size())))->set_data_type(RandomDType(rng));
    return;
  }
  onnx::ValueInfoProto* vi = RandomValueInfo(g, rng);
  if (vi) vi->mutable_type()->mutable_tensor_type()->set_elem_type(RandomDType(rng));
}

void EditAttribute(onnx::GraphProto& g, Rng& rng) {
  if (g.node_size() == 0) return;
  auto* node = g.mutable_node(static_cast<int>(Pick(rng, g.node_size())));
  if (node->attribute_size() == 0 || Pick(rng, 6) == 0) {
    static const char* kNames[] = {"axis", "axes", "perm", "hidden_size", "direction", "alpha", "to",
                                   "pads", "mode", "layout", "keepdims", "value", "shape"};
    auto* a = node->add_attribute();
    a->set_name(kNames[Pick(rng, sizeof(kNames) / sizeof(kNames[0]))]);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(InterestingDim(rng, 1));
    return;
  }
  // Indices, not pointer differences: a RepeatedPtrField's elements are separate allocations.
  const int ai = static_cast<int>(Pick(rng, node->attribute_size()));
  auto* a = node->mutable_attribute(ai);
  switch (Pick(rng, 7)) {
    case 0: a->set_type(static_cast<onnx::AttributeProto::AttributeType>(Pick(rng, 15))); break;
    case 1: a->set_i(InterestingDim(rng, a->i())); break;
    case 2:
      if (a->ints_size() > 0) a->set_ints(static_cast<int>(Pick(rng, a->ints_size())), InterestingDim(rng, 1));
      else a->add_ints(InterestingDim(rng, 0));
      break;
    case 3: a->set_f(InterestingFloat(rng, a->f())); break;
    case 4:
      if (a->ints_size() > 0) a->mutable_ints()->RemoveLast();
      else a->add_ints(InterestingDim(rng, 1));
      break;
    case 5: {
      static const char* kStrings[] = {"", "forward", "reverse", "bidirectional", "nearest", "linear", "constant",
                                       "reflect", "edge", "Sigmoid", "Tanh", "Relu", "bogus"};
      a->set_s(kStrings[Pick(rng, sizeof(kStrings) / sizeof(kStrings[0]))]);
      break;
    }
    default:
      node->mutable_attribute()->DeleteSubrange(ai, 1);
  }
}

void EditWiring(onnx::GraphProto& g, Rng& rng) {
  if (g.node_size() == 0) return;
  const std::vector<std::string> names = ValueNames(g);
  const int ni = static_cast<int>(Pick(rng, g.node_size()));
  auto* node = g.mutable_node(ni);
  switch (Pick(rng, 5)) {
    case 0:
      if (node->input_size() > 0)
        node->set_input(static_cast<int>(Pick(rng, node->input_size())), names[Pick(rng, names.size())]);
      break;
    case 1: node->add_input(names[Pick(rng, names.size())]); break;
    case 2:
      if (node->input_size() > 0) node->mutable_input()->RemoveLast();
      break;
    case 3:
      if (node->output_size() > 0)
        node->set_output(static_cast<int>(Pick(rng, node->output_size())), names[Pick(rng, names.size())]);
      break;
    default:  // drop a node: its consumers lose their input
      g.mutable_node()->DeleteSubrange(ni, 1);
  }
}

void EditInitializerData(onnx::GraphProto& g, Rng& rng) {
  // Constant nodes feed shape-computing nodes (Reshape, Expand, ConstantOfShape, Range...).
  std::vector<onnx::TensorProto*> tensors;
  for (auto& t : *g.mutable_initializer()) tensors.push_back(&t);
  for (auto& n : *g.mutable_node())
    for (auto& a : *n.mutable_attribute())
      if (a.has_t()) tensors.push_back(a.mutable_t());
  if (tensors.empty()) return;
  onnx::TensorProto* t = tensors[Pick(rng, tensors.size())];
  if (t->has_raw_data()) {
    std::string* raw = t->mutable_raw_data();
    switch (Pick(rng, 3)) {
      case 0: raw->resize(raw->size() / 2); break;
      case 1: raw->append(static_cast<size_t>(Pick(rng, 16) + 1), '\x7f'); break;
      default:
        if (raw->size() >= 8) {  // an int64 value becomes huge/negative
          const int64_t v = InterestingDim(rng, 1);
          const size_t at = static_cast<size_t>(Pick(rng, static_cast<int64_t>(raw->size() / 8))) * 8;
          raw->replace(at, 8, reinterpret_cast<const char*>(&v), 8);
        }
    }
    return;
  }
  if (t->int64_data_size() > 0) {
    t->set_int64_data(static_cast<int>(Pick(rng, t->int64_data_size())), InterestingDim(rng, 1));
  } else if (t->float_data_size() > 0) {
    if (Pick(rng, 2)) t->mutable_float_data()->RemoveLast();
    else t->set_float_data(static_cast<int>(Pick(rng, t->float_data_size())), InterestingFloat(rng, 1.f));
  } else if (t->int32_data_size() > 0) {
    t->add_int32_data(static_cast<int32_t>(InterestingDim(rng, 1)));
  } else {
    t->add_dims(InterestingDim(rng, 2));
  }
}

}  // namespace

void MutateModel(onnx::ModelProto& model, uint32_t seed) {
  Rng rng(seed);
  std::vector<onnx::GraphProto*> graphs;
  CollectGraphs(model.mutable_graph(), &graphs);
  const int64_t edits = 1 + Pick(rng, 3);
  for (int64_t e = 0; e < edits; ++e) {
    onnx::GraphProto& g = *graphs[Pick(rng, static_cast<int64_t>(graphs.size()))];
    switch (Pick(rng, 6)) {
      case 0: EditDims(g, rng); break;
      case 1: EditDType(g, rng); break;
      case 2: EditAttribute(g, rng); break;
      case 3: EditWiring(g, rng); break;
      case 4: EditInitializerData(g, rng); break;
      default:
        if (Pick(rng, 2) && model.opset_import_size() > 0)
          model.mutable_opset_import(0)->set_version(1 + Pick(rng, 22));
        else
          EditDims(g, rng);
    }
    // Edits can delete subgraphs' owners: collect again before the next one.
    graphs.clear();
    CollectGraphs(model.mutable_graph(), &graphs);
  }
}

}  // namespace seqrt::fuzz
