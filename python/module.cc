// seqrt._seqrt: the compiled half of the Python package. This file binds sessions, plans and
// streams; the trainer is in train_binding.cc, the numpy conversions in convert.cc. The
// onnxruntime-shaped surface (InferenceSession, SessionOptions, NodeArg, ...) is written in Python
// on top of it (python/seqrt/__init__.py).
//
// Errors: a non-OK absl::Status becomes the exception class of seqrt._errors that matches its
// code (seqrt.InvalidArgument for kInvalidArgument, ...), carrying the status message unchanged.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "seqrt/session.h"
#include "seqrt/tensor.h"
#include "python/convert.h"

// Streaming (seqrt/stream.h, Session::OpenStream) is bound when the headers have it.
#if __has_include("seqrt/stream.h")
#include <mutex>

#include "seqrt/stream.h"
#define SEQRT_PYTHON_HAS_STREAM 1
#endif

namespace py = pybind11;
using namespace seqrt::python;  // NOLINT: the shared conversions of python/convert.h

namespace {



py::object ShapeToPython(const seqrt::ValueInfo& vi) {
  if (!vi.has_shape) return py::none();
  py::list dims;
  for (const seqrt::DimInfo& d : vi.shape) {
    if (d.known()) dims.append(d.value);
    else if (!d.symbol.empty()) dims.append(d.symbol);
    else dims.append(py::none());
  }
  return py::object(std::move(dims));
}

py::list ValueInfosToPython(const std::vector<seqrt::ValueInfo>& list) {
  py::list out;
  for (const seqrt::ValueInfo& vi : list)
    out.append(py::make_tuple(vi.name, std::string(seqrt::DTypeName(vi.dtype)), ShapeToPython(vi)));
  return out;
}

// Which model outputs `output_names` (None: all) asks for, by index.
std::vector<size_t> SelectOutputs(const std::vector<seqrt::ValueInfo>& outs, const py::object& output_names) {
  std::vector<size_t> wanted;
  if (output_names.is_none()) {
    for (size_t i = 0; i < outs.size(); ++i) wanted.push_back(i);
    return wanted;
  }
  for (const py::handle& h : output_names) {
    std::string name = py::cast<std::string>(py::str(h));
    size_t found = outs.size();
    for (size_t i = 0; i < outs.size(); ++i)
      if (outs[i].name == name) found = i;
    if (found == outs.size()) {
      std::vector<std::string> names;
      for (const auto& vi : outs) names.push_back(vi.name);
      ThrowInvalid(absl::StrCat("unknown output '", name, "' (the model's outputs: ", absl::StrJoin(names, ", "), ")"));
    }
    wanted.push_back(found);
  }
  return wanted;
}

// Views of the feed's arrays: read in place when C-contiguous, native-endian and of a dtype
// seqrt has; otherwise converted once. Lists and scalars take the dtype the model declares.
// `keep` holds every array the views point into.
seqrt::NamedInputs ViewFeed(const seqrt::Session& session, const py::dict& feed, std::vector<py::array>* keep) {
  seqrt::NamedInputs named;
  keep->reserve(feed.size());
  py::module_ np = py::module_::import("numpy");
  for (const auto& [key, value] : feed) {
    std::string name = py::cast<std::string>(py::str(key));
    py::array a;
    if (py::isinstance<py::array>(value)) {
      a = py::reinterpret_borrow<py::array>(value);
    } else {
      py::object dtype = py::none();
      for (const auto* list : {&session.inputs(), &session.overridable_inputs()})
        for (const seqrt::ValueInfo& vi : *list)
          if (vi.name == name && NumpyCodeOf(vi.dtype)) dtype = py::str(NumpyCodeOf(vi.dtype));
      a = np.attr("asarray")(value, py::arg("dtype") = dtype);
    }
    auto dtype = DTypeOfNumpy(a.dtype());
    if (!dtype) {
      ThrowInvalid(absl::StrCat("input '", name, "' has numpy dtype ", std::string(py::str(a.dtype())),
                                ", which seqrt cannot take"));
    }
    const bool native = py::cast<bool>(a.dtype().attr("isnative"));
    if (!native || !(a.flags() & py::array::c_style)) {
      a = np.attr("ascontiguousarray")(a, py::arg("dtype") = a.dtype().attr("newbyteorder")("="));
    }
    seqrt::Dims dims(a.shape(), a.shape() + a.ndim());
    named.emplace_back(name, seqrt::TensorView(*dtype, std::move(dims), a.data()));
    keep->push_back(std::move(a));
  }
  return named;
}

// One run through `run` (a Session or a Stream) with the GIL released; outputs become numpy
// arrays owning seqrt's buffers. An output asked for twice gets a copy of its own.
template <typename RunFn>
py::list RunWith(const seqrt::Session& session, const py::object& output_names, const py::dict& feed, RunFn&& run) {
  std::vector<size_t> wanted = SelectOutputs(session.outputs(), output_names);
  std::vector<py::array> keep;
  seqrt::NamedInputs named = ViewFeed(session, feed, &keep);
  absl::StatusOr<std::vector<seqrt::Tensor>> results = [&] {
    py::gil_scoped_release unlocked;
    return run(named);
  }();
  std::vector<seqrt::Tensor> tensors = Unwrap(std::move(results));
  py::list out;
  std::vector<py::object> first(tensors.size());
  for (size_t index : wanted) {
    if (index >= tensors.size()) ThrowInvalid("the run returned fewer outputs than the model declares");
    if (first[index]) {
      out.append(first[index].attr("copy")());
    } else {
      first[index] = ToNumpy(std::move(tensors[index]));
      out.append(first[index]);
    }
  }
  return out;
}

// SessionOptions fields beyond ORT's constructor arguments (the memory cap, the ISA), passed from
// the Python SessionOptions as a dict so that an unknown key is an error rather than ignored.
void ApplySessionExtras(seqrt::SessionOptions& o, const py::dict& extras) {
  for (const auto& [key, value] : extras) {
    const std::string name = py::cast<std::string>(key);
    if (name == "max_memory_bytes") {
      o.max_memory_bytes = py::cast<int64_t>(value);
    } else if (name == "isa") {
      o.isa = py::cast<std::string>(value);
    } else {
      Throw(absl::InvalidArgumentError(absl::StrCat("SessionOptions has no field '", name, "'")));
    }
  }
}

// What a Python RunOptions carries to a run: ORT's `terminate` flag (another thread may set it
// while the run is going) and seqrt's timeout.
struct RunState {
  std::atomic<bool> terminate{false};
  double timeout_seconds = 0;  // <= 0: none
};
void ApplyRunState(seqrt::RunOptions& r, const RunState& st) {
  r.cancel = &st.terminate;
  if (st.timeout_seconds > 0) {
    r.deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(st.timeout_seconds));
  }
}

class PySession {
 public:
  PySession(seqrt::Session s) : session_(std::move(s)) {}

  static PySession FromPath(const std::string& path, int threads, int level, const py::dict& extras) {
    seqrt::SessionOptions o;
    ApplySessionExtras(o, extras);
    o.threads = threads;
    o.optimization_level = level;
    absl::StatusOr<seqrt::Session> s = [&] {
      py::gil_scoped_release unlocked;
      return seqrt::Session::Load(path, o);
    }();
    return PySession(Unwrap(std::move(s)));
  }

  static PySession FromBytes(const py::bytes& bytes, int threads, int level, const std::string& base_dir,
                             const py::dict& extras) {
    seqrt::SessionOptions o;
    ApplySessionExtras(o, extras);
    o.threads = threads;
    o.optimization_level = level;
    std::string data = bytes;
    absl::StatusOr<seqrt::Session> s = [&] {
      py::gil_scoped_release unlocked;
      return seqrt::Session::LoadFromBytes(data, o, base_dir);
    }();
    return PySession(Unwrap(std::move(s)));
  }

  py::list Inputs() const { return ValueInfosToPython(session_.inputs()); }
  py::list OverridableInputs() const { return ValueInfosToPython(session_.overridable_inputs()); }
  py::list Outputs() const { return ValueInfosToPython(session_.outputs()); }

  py::dict ModelInfo() const {
    const seqrt::ModelInfo& m = session_.model_info();
    py::dict d;
    d["producer_name"] = m.producer_name;
    d["producer_version"] = m.producer_version;
    d["ir_version"] = m.ir_version;
    d["domain"] = m.domain;
    d["model_version"] = m.model_version;
    d["doc_string"] = m.doc_string;
    d["graph_name"] = m.graph_name;
    d["graph_doc_string"] = m.graph_doc_string;
    py::dict meta;
    for (const auto& [k, v] : m.metadata) meta[py::str(k)] = v;
    d["metadata"] = meta;
    py::dict opsets;
    for (const auto& [domain, version] : m.opsets) opsets[py::str(domain)] = version;
    d["opsets"] = opsets;
    d["op_histogram"] = m.op_histogram;
    d["parameter_count"] = m.parameter_count;
    d["parameter_bytes"] = m.parameter_bytes;
    return d;
  }

  // Feeds numpy arrays and returns the requested outputs as numpy arrays (see RunWith).
  py::list Run(const py::object& output_names, const py::dict& feed, const RunState* state) const {
    seqrt::RunOptions ro;
    if (state != nullptr) ApplyRunState(ro, *state);
    return RunWith(session_, output_names, feed,
                   [this, &ro](const seqrt::NamedInputs& named) { return session_.Run(named, ro); });
  }

  const seqrt::Session& session() const { return session_; }

  seqrt::PlanInfo Plan(const py::dict& shapes) const {
    std::vector<std::pair<std::string, seqrt::Dims>> dims;
    for (const auto& [key, value] : shapes) {
      seqrt::Dims d;
      for (const py::handle& h : value) d.push_back(py::cast<int64_t>(h));
      dims.emplace_back(py::cast<std::string>(py::str(key)), std::move(d));
    }
    absl::StatusOr<seqrt::PlanInfo> plan = [&] {
      py::gil_scoped_release unlocked;
      return session_.DescribePlan(dims);
    }();
    return Unwrap(std::move(plan));
  }

 private:
  seqrt::Session session_;
};

#ifdef SEQRT_PYTHON_HAS_STREAM
// A stream over a session. It keeps the Python session object alive (inputs and outputs are
// described by it) and serialises runs: one Stream is driven by one thread at a time.
class PyStream {
 public:
  PyStream(py::object owner, const seqrt::Session* session, seqrt::Stream stream)
      : owner_(std::move(owner)), session_(session), stream_(std::move(stream)), mutex_(std::make_unique<std::mutex>()) {}

  py::list Run(const py::object& output_names, const py::dict& feed) {
    return RunWith(*session_, output_names, feed, [this](const seqrt::NamedInputs& named) {
      std::lock_guard<std::mutex> lock(*mutex_);
      return stream_.Run(named);
    });
  }

  void Reset() {
    py::gil_scoped_release unlocked;
    std::lock_guard<std::mutex> lock(*mutex_);
    stream_.Reset();
  }

  int64_t steps_seen() const {
    std::lock_guard<std::mutex> lock(*mutex_);
    return stream_.steps_seen();
  }

  py::dict Info() const {
    const seqrt::StreamInfo& i = stream_.info();
    py::dict d;
    d["time_input"] = i.time_input;
    d["time_axis"] = i.time_axis;
    d["batch_axis"] = i.batch_axis;
    d["carried_nodes"] = i.carried_nodes;
    d["state_bindings"] = i.state_bindings;
    d["output_time_axis"] = i.output_time_axis;
    d["summary"] = i.ToString();
    return d;
  }

 private:
  py::object owner_;
  const seqrt::Session* session_;
  seqrt::Stream stream_;
  std::unique_ptr<std::mutex> mutex_;
};
#endif



}  // namespace

PYBIND11_MODULE(_seqrt, m) {
  m.doc() = "seqrt's compiled core; use the `seqrt` package.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      TranslateStatus(e);
    }
  });

  py::class_<seqrt::PlannedNode>(m, "PlannedNode", "A node as the plan executes it.")
      .def_readonly("name", &seqrt::PlannedNode::name)
      .def_readonly("op_type", &seqrt::PlannedNode::op_type)
      .def_readonly("kernel", &seqrt::PlannedNode::kernel)
      .def_readonly("kernel_choice", &seqrt::PlannedNode::kernel_choice)
      .def_readonly("scratch_bytes", &seqrt::PlannedNode::scratch_bytes)
      .def("__repr__", [](const seqrt::PlannedNode& n) {
        return absl::StrCat("PlannedNode(name='", n.name, "', op_type='", n.op_type, "', kernel='", n.kernel,
                            "', scratch_bytes=", n.scratch_bytes, ")");
      });
  py::class_<seqrt::PlannedValue>(m, "PlannedValue", "An intermediate value's place in the arena.")
      .def_readonly("name", &seqrt::PlannedValue::name)
      .def_readonly("offset", &seqrt::PlannedValue::offset)
      .def_readonly("bytes", &seqrt::PlannedValue::bytes)
      .def_readonly("first_step", &seqrt::PlannedValue::first_step)
      .def_readonly("last_step", &seqrt::PlannedValue::last_step)
      .def_readonly("alias_of", &seqrt::PlannedValue::alias_of)
      .def("__repr__", [](const seqrt::PlannedValue& v) {
        return absl::StrCat("PlannedValue(name='", v.name, "', offset=", v.offset, ", bytes=", v.bytes, ")");
      });
  py::class_<seqrt::PlanInfo>(m, "Plan", "The kernels and memory layout for one set of input shapes.")
      .def_readonly("nodes", &seqrt::PlanInfo::nodes)
      .def_readonly("values", &seqrt::PlanInfo::values)
      .def_readonly("arena_bytes", &seqrt::PlanInfo::arena_bytes)
      .def_readonly("naive_bytes", &seqrt::PlanInfo::naive_bytes)
      .def_readonly("live_peak_bytes", &seqrt::PlanInfo::live_peak_bytes)
      .def_readonly("folded_nodes", &seqrt::PlanInfo::folded_nodes)
      .def("__repr__", [](const seqrt::PlanInfo& p) {
        return absl::StrCat("Plan(", p.nodes.size(), " nodes, arena_bytes=", p.arena_bytes,
                            ", naive_bytes=", p.naive_bytes, ", folded_nodes=", p.folded_nodes, ")");
      });

  py::class_<RunState>(m, "_RunState")
      .def(py::init<>())
      .def_property(
          "terminate", [](const RunState& s) { return s.terminate.load(); },
          [](RunState& s, bool v) { s.terminate.store(v); })
      .def_readwrite("timeout_seconds", &RunState::timeout_seconds);

  py::class_<PySession>(m, "_Session")
      .def_static("from_path", &PySession::FromPath)
      .def_static("from_bytes", &PySession::FromBytes)
      .def("inputs", &PySession::Inputs)
      .def("overridable_inputs", &PySession::OverridableInputs)
      .def("outputs", &PySession::Outputs)
      .def("model_info", &PySession::ModelInfo)
      .def("run", &PySession::Run, py::arg("output_names"), py::arg("feed"), py::arg("state") = nullptr)
      .def("plan", &PySession::Plan)
#ifdef SEQRT_PYTHON_HAS_STREAM
      .def("open_stream",
           [](py::object self, const std::string& time_input, int time_axis,
              const std::vector<std::pair<std::string, std::string>>& state_bindings, bool auto_bind_state) {
             const PySession& ps = self.cast<const PySession&>();
             seqrt::StreamOptions o;
             o.time_input = time_input;
             o.time_axis = time_axis;
             o.state_bindings = state_bindings;
             o.auto_bind_state = auto_bind_state;
             absl::StatusOr<seqrt::Stream> stream = [&] {
               py::gil_scoped_release unlocked;
               return ps.session().OpenStream(o);
             }();
             return PyStream(self, &ps.session(), Unwrap(std::move(stream)));
           })
#endif
      ;

#ifdef SEQRT_PYTHON_HAS_STREAM
  py::class_<PyStream>(m, "_Stream")
      .def("run", &PyStream::Run)
      .def("reset", &PyStream::Reset)
      .def_property_readonly("steps_seen", &PyStream::steps_seen)
      .def("info", &PyStream::Info);
  m.attr("_has_stream") = true;
#else
  m.attr("_has_stream") = false;
#endif

  BindTrainer(m);
}
