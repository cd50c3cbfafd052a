// Session::OpenStream and Stream: chunk-by-chunk runs that carry recurrent state. The
// analysis (stream_analysis.cc) and rewrite (stream_rewrite.cc) turn carried state into
// ordinary graph inputs/outputs; this file keeps each stream's tensors and feeds them back.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/plan.h"
#include "runtime/session_access.h"
#include "runtime/stream_analysis.h"
#include "seqrt/status.h"
#include "seqrt/stream.h"

namespace seqrt {

struct Stream::Program {
  StreamInfo info;
  std::shared_ptr<Session> first, steady;  // equal when no node is carried
  size_t model_outputs = 0;
  std::vector<std::string> state_inputs;   // steady's extra inputs, in state order
  struct Bound {
    size_t output_index;
    std::string input;
    ValueInfo input_info;
  };
  std::vector<Bound> bound;
  std::vector<ValueInfo> data_inputs;  // what the caller gives each chunk
};

// One session's plan for the signature of the last call, kept so a repeated chunk shape
// skips the session's validation and cache lookup. Holding the plan keeps it valid after the
// session's cache evicts it; a different signature replans through the session.
struct CachedCall {
  std::shared_ptr<runtime::Plan> plan;
  int threads = 0;
  std::vector<std::string> names;  // per call input, in call order
  std::vector<Dims> dims;
  std::vector<DType> dtypes;
  std::vector<int> slot;                  // per call input: its graph input index
  runtime::RunInputs bound;               // as the session bound them; data re-pointed per call
  std::vector<void*> direct;              // per output: the carried-state buffer it is written into
};

// A carried state's two buffers: the current value (this chunk's input) and the one the
// chunk's run writes (the next chunk's input), swapped after each run instead of copied.
struct PingPong {
  Tensor buffer[2];
  std::unique_ptr<TensorView> view[2];  // views built once per buffer (TensorView copies dims)
  int current = 0;
  void Set(int which, Tensor t) {
    buffer[which] = std::move(t);
    view[which] = std::make_unique<TensorView>(buffer[which].view());
  }
  const TensorView& Current() const { return *view[current]; }
};

struct Stream::State {
  bool started = false;
  int64_t steps = 0;
  std::vector<PingPong> carried;          // per Program::state_inputs
  std::vector<PingPong> bound;            // per Program::bound: the input's next value (buffer 0)
  std::vector<std::pair<std::string, Dims>> first_dims;  // data input -> dims of the first chunk
  // Reused per call so that a steady chunk allocates nothing here.
  std::vector<const std::string*> call_names;
  std::vector<const TensorView*> call_views;
  CachedCall first_call, steady_call;
};

namespace {

std::string OptionsKey(const StreamOptions& o) {
  std::string key = absl::StrCat(o.time_input, "|", o.time_axis, "|", o.auto_bind_state, "|");
  for (const auto& [out, in] : o.state_bindings) absl::StrAppend(&key, out.size(), ":", out, in.size(), ":", in, ";");
  return key;
}

absl::StatusOr<std::shared_ptr<const Stream::Program>> BuildProgram(const Session& session,
                                                                     const StreamOptions& options) {
  const graph::Model& model = runtime::SessionAccess::PreparedModel(session);
  const SessionOptions& sopts = runtime::SessionAccess::Options(session);
  SEQRT_ASSIGN_OR_RETURN(runtime::StreamAnalysis analysis, runtime::AnalyzeForStreaming(*model.graph, options));
  auto program = std::make_shared<Stream::Program>();
  program->info = analysis.info;
  program->model_outputs = model.graph->outputs.size();
  runtime::StreamGraphs graphs = runtime::RewriteForStreaming(*analysis.timed_graph, analysis.carried);
  program->state_inputs = graphs.state_inputs;
  auto make = [&](std::shared_ptr<graph::Graph> g) -> absl::StatusOr<std::shared_ptr<Session>> {
    graph::Model m = model;
    m.graph = std::move(g);
    SEQRT_ASSIGN_OR_RETURN(Session s, runtime::SessionAccess::FromModel(std::move(m), sopts));
    return std::make_shared<Session>(std::move(s));
  };
  SEQRT_ASSIGN_OR_RETURN(program->steady, make(graphs.steady));
  if (analysis.carried.empty()) {
    program->first = program->steady;
  } else {
    SEQRT_ASSIGN_OR_RETURN(program->first, make(graphs.first));
  }
  const std::vector<ValueInfo>& outputs = program->steady->outputs();
  for (const auto& [out, in] : program->info.state_bindings) {
    Stream::Program::Bound b;
    b.input = in;
    for (size_t i = 0; i < program->model_outputs; ++i)
      if (outputs[i].name == out) b.output_index = i;
    for (const auto* list : {&program->steady->inputs(), &program->steady->overridable_inputs()})
      for (const ValueInfo& vi : *list)
        if (vi.name == in) b.input_info = vi;
    program->bound.push_back(std::move(b));
  }
  for (const ValueInfo& vi : program->first->inputs()) {
    bool is_bound = false;
    for (const auto& b : program->bound) is_bound |= b.input == vi.name;
    if (!is_bound) program->data_inputs.push_back(vi);
  }
  return std::shared_ptr<const Stream::Program>(std::move(program));
}

// Zeros for a bound state input's first chunk: fixed dims as the model says; a symbolic dim
// takes the size of the same symbol in the chunk's inputs, else the stream's batch.
Tensor ZeroState(const ValueInfo& vi, const std::vector<ValueInfo>& data_inputs, const NamedInputs& chunk,
                 int64_t batch) {
  Dims dims;
  for (const DimInfo& d : vi.shape) {
    int64_t size = d.known() ? d.value : -1;
    if (size < 0 && !d.symbol.empty()) {
      for (const ValueInfo& in : data_inputs)
        for (size_t k = 0; k < in.shape.size(); ++k)
          if (in.shape[k].symbol == d.symbol)
            for (const auto& [name, view] : chunk)
              if (name == in.name && k < view.dims().size()) size = view.dims()[k];
    }
    dims.push_back(size >= 0 ? size : batch);
  }
  return Tensor(vi.dtype == DType::kUndefined ? DType::kFloat : vi.dtype, dims);
}

}  // namespace

absl::StatusOr<Stream> Session::OpenStream() const { return OpenStream(StreamOptions{}); }

absl::StatusOr<Stream> Session::OpenStream(const StreamOptions& options) const {
  runtime::SessionAccess::StreamCache& cache = runtime::SessionAccess::Streams(*this);
  const std::string key = OptionsKey(options);
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.programs.find(key);
  if (it != cache.programs.end())
    return Stream(std::static_pointer_cast<const Stream::Program>(it->second));
  SEQRT_ASSIGN_OR_RETURN(std::shared_ptr<const Stream::Program> program, BuildProgram(*this, options));
  cache.programs[key] = program;
  return Stream(std::move(program));
}

Stream::Stream(std::shared_ptr<const Program> program)
    : program_(std::move(program)), state_(std::make_unique<State>()) {}
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

const StreamInfo& Stream::info() const { return program_->info; }
int64_t Stream::steps_seen() const { return state_->steps; }

void Stream::Reset() { *state_ = State(); }

namespace {

// True when this call's inputs have the signature `c` was planned for (same names in the same
// order, dims, dtypes and thread count): the session's checks would pass and pick c.plan.
bool SameSignature(const CachedCall& c, const std::vector<const std::string*>& names,
                   const std::vector<const TensorView*>& views, int threads) {
  if (!c.plan || c.threads != threads || c.names.size() != names.size()) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    const TensorView& v = *views[i];
    if (v.data() == nullptr || v.dtype() != c.dtypes[i] || v.dims() != c.dims[i]) return false;
    if (c.names[i] != *names[i]) return false;
  }
  return true;
}

// Plans the call through the session (its checks and plan cache) and remembers the result.
absl::Status Replan(const Session& session, CachedCall& c, const std::vector<const std::string*>& names,
                    const std::vector<const TensorView*>& views, int threads) {
  c.plan.reset();
  NamedValues named;
  named.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) named.emplace_back(*names[i], *views[i]);
  SEQRT_ASSIGN_OR_RETURN(c.plan, runtime::SessionAccess::PlanFor(session, named, &c.bound, threads));
  c.threads = threads;
  c.names.clear();
  for (const std::string* n : names) c.names.push_back(*n);
  c.dims.clear();
  c.dtypes.clear();
  c.slot.clear();
  for (size_t i = 0; i < names.size(); ++i) {
    c.dims.push_back(views[i]->dims());
    c.dtypes.push_back(views[i]->dtype());
    c.slot.push_back(runtime::SessionAccess::GraphInputIndex(session, *names[i]));
  }
  c.direct.clear();
  return absl::OkStatus();
}

// Points output `o`'s direct buffer at the spare half of `pp` (allocated to the plan's static
// dims when they changed), when the plan can write it there; null otherwise (the executor
// copies it out and the caller moves it in).
void* DirectBuffer(const runtime::Plan& plan, int o, PingPong& pp) {
  const Dims* dims = plan.StaticOutputDims(o);
  if (!dims || !plan.WritesDirectly(o) || NumElements(*dims) == 0) return nullptr;
  const int spare = 1 - pp.current;
  if (!pp.view[spare] || pp.buffer[spare].dims() != *dims || pp.buffer[spare].dtype() != plan.OutputDType(o))
    pp.Set(spare, Tensor(plan.OutputDType(o), *dims));
  return pp.buffer[spare].raw_data();
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> Stream::Run(const NamedInputs& chunk) {
  const Program& p = *program_;
  State& st = *state_;
  const StreamInfo& info = p.info;
  st.call_names.clear();
  st.call_views.clear();
  std::vector<std::pair<std::string, Dims>> dims_now;  // first chunk only
  bool has_time_input = info.time_input.empty();
  int64_t steps = 1;
  int64_t batch = 1;
  for (const auto& [name, view] : chunk) {
    bool is_bound = false;
    for (const auto& b : p.bound) is_bound |= b.input == name;
    if (is_bound) {
      if (st.started) {
        return absl::InvalidArgumentError(absl::StrCat(
            "stream chunk: input '", name, "' is carried by the stream (bound state); give it only in the "
            "first chunk after OpenStream/Reset"));
      }
      st.call_names.push_back(&name);
      st.call_views.push_back(&view);
      continue;
    }
    if (name.rfind("__seqrt_stream:", 0) == 0)
      return absl::InvalidArgumentError(absl::StrCat("stream chunk: unknown input '", name, "'"));
    st.call_names.push_back(&name);
    st.call_views.push_back(&view);
    if (!st.started) dims_now.emplace_back(name, view.dims());
    has_time_input |= name == info.time_input;
    const int axis = name == info.time_input ? info.time_axis : -1;
    if (axis >= 0 && axis < static_cast<int>(view.dims().size())) steps = view.dims()[axis];
    if (info.batch_axis >= 0 && info.batch_axis < static_cast<int>(view.dims().size()) &&
        (name == info.time_input || (info.time_input.empty() && batch == 1)))
      batch = view.dims()[info.batch_axis];
    if (!st.started) continue;
    auto it = std::find_if(st.first_dims.begin(), st.first_dims.end(), [&name = name](const auto& e) { return e.first == name; });
    if (it == st.first_dims.end()) continue;
    const Dims& before = it->second;
    if (before.size() != view.dims().size()) {
      return absl::InvalidArgumentError(absl::StrCat("stream chunk: input '", name, "' has rank ", view.dims().size(),
                                                     ", the stream's earlier chunks had rank ", before.size()));
    }
    for (size_t d = 0; d < before.size(); ++d) {
      if (static_cast<int>(d) == axis || before[d] == view.dims()[d]) continue;
      if (name == info.time_input && static_cast<int>(d) == info.batch_axis) {
        return absl::InvalidArgumentError(absl::StrCat(
            "stream chunk: input '", name, "' has batch ", view.dims()[d], " (dim ", d, "), the stream's batch is ",
            before[d], " (set by its first chunk; Reset() to start a stream with another batch)"));
      }
      return absl::InvalidArgumentError(absl::StrCat("stream chunk: input '", name, "' has shape ",
                                                     DimsToString(view.dims()), " but the stream's earlier chunks had ",
                                                     DimsToString(before), " (only dim ", axis,
                                                     ", time, may change between chunks)"));
    }
  }
  if (!has_time_input)
    return absl::InvalidArgumentError(absl::StrCat("stream chunk: missing time input '", info.time_input, "'"));

  // State inputs: bound states (zeros on the first chunk unless given), carried states.
  std::vector<Tensor> zeros;  // first chunk only
  std::vector<TensorView> zero_views;
  if (!st.started) {
    zeros.reserve(p.bound.size());
    zero_views.reserve(p.bound.size());
  }
  for (size_t k = 0; k < p.bound.size(); ++k) {
    const auto& b = p.bound[k];
    bool given = false;
    for (const auto& [name, view] : chunk) given |= name == b.input;
    if (given) continue;
    st.call_names.push_back(&b.input);
    if (st.started) {
      st.call_views.push_back(&st.bound[k].Current());
    } else {
      zeros.push_back(ZeroState(b.input_info, p.data_inputs, chunk, batch));
      zero_views.push_back(zeros.back().view());
      st.call_views.push_back(&zero_views.back());
    }
  }
  const bool steady = st.started && !p.state_inputs.empty();
  if (steady) {
    for (size_t i = 0; i < p.state_inputs.size(); ++i) {
      st.call_names.push_back(&p.state_inputs[i]);
      st.call_views.push_back(&st.carried[i].Current());
    }
  }

  const Session& session = steady ? *p.steady : *p.first;
  CachedCall& call = steady ? st.steady_call : st.first_call;
  absl::StatusOr<std::vector<Value>> ran;
  const int threads = runtime::SessionAccess::RunThreads(session);
  runtime::SessionAccess::InRunScope(session, threads, [&] {
    if (SameSignature(call, st.call_names, st.call_views, threads)) {
      for (size_t i = 0; i < st.call_views.size(); ++i) call.bound.data[call.slot[i]] = st.call_views[i]->data();
    } else if (absl::Status planned = Replan(session, call, st.call_names, st.call_views, threads); !planned.ok()) {
      ran = planned;
      return;
    }
    // Carried state is written straight into the spare half of its ping-pong buffer.
    const size_t n_out = p.model_outputs + p.state_inputs.size();
    call.direct.assign(n_out, nullptr);
    if (st.carried.size() != p.state_inputs.size()) st.carried.resize(p.state_inputs.size());
    for (size_t i = 0; i < p.state_inputs.size(); ++i)
      call.direct[p.model_outputs + i] = DirectBuffer(*call.plan, static_cast<int>(p.model_outputs + i), st.carried[i]);
    ran = call.plan->Execute(call.bound, nullptr, nullptr, &call.direct);
  });
  if (!ran.ok()) return absl::Status(ran.status().code(), absl::StrCat("stream chunk: ", ran.status().message()));
  std::vector<Value>& all = *ran;

  std::vector<Tensor> outputs;
  outputs.reserve(p.model_outputs);
  for (size_t o = 0; o < p.model_outputs; ++o) {
    if (!all[o].is_tensor()) {
      return absl::InvalidArgumentError(absl::StrCat("stream chunk: output '", p.steady->outputs()[o].name,
                                                     "' is a ", all[o].Describe(), "; streams return tensors only"));
    }
    outputs.push_back(std::move(all[o].tensor()));
  }
  for (size_t i = 0; i < p.state_inputs.size(); ++i) {
    PingPong& pp = st.carried[i];
    if (call.direct[p.model_outputs + i]) {
      pp.current = 1 - pp.current;
    } else {
      pp.Set(1 - pp.current, std::move(all[p.model_outputs + i].tensor()));
      pp.current = 1 - pp.current;
    }
  }
  // Bound state: the output goes back to the caller and, copied, into the next chunk's input.
  if (st.bound.size() != p.bound.size()) st.bound.resize(p.bound.size());
  for (size_t k = 0; k < p.bound.size(); ++k) {
    const Tensor& out = outputs[p.bound[k].output_index];
    PingPong& pp = st.bound[k];
    if (pp.view[0] && pp.buffer[0].dims() == out.dims() && pp.buffer[0].dtype() == out.dtype()) {
      if (out.num_elements() > 0) std::memcpy(pp.buffer[0].raw_data(), out.raw_data(), out.byte_size());
    } else {
      pp.Set(0, out);
    }
  }
  if (!st.started) st.first_dims = std::move(dims_now);
  st.started = true;
  st.steps += info.time_input.empty() ? 1 : steps;
  return outputs;
}

std::string StreamInfo::ToString() const {
  std::string s;
  if (time_input.empty()) {
    absl::StrAppend(&s, "one model call per chunk");
  } else {
    absl::StrAppend(&s, "time: input '", time_input, "' axis ", time_axis);
  }
  if (!carried_nodes.empty()) absl::StrAppend(&s, "; carried: ", absl::StrJoin(carried_nodes, ", "));
  if (!state_bindings.empty()) {
    std::vector<std::string> pairs;
    for (const auto& [out, in] : state_bindings) pairs.push_back(absl::StrCat(out, "->", in));
    absl::StrAppend(&s, "; state: ", absl::StrJoin(pairs, ", "));
  }
  return s;
}

}  // namespace seqrt
