// Session::OpenStream and Stream: chunk-by-chunk runs that carry recurrent state. The
// analysis (stream_analysis.cc) and rewrite (stream_rewrite.cc) turn carried state into
// ordinary graph inputs/outputs; this file keeps each stream's tensors and feeds them back.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

struct Stream::State {
  bool started = false;
  int64_t steps = 0;
  std::vector<Tensor> carried;            // per Program::state_inputs
  std::vector<Tensor> bound;              // per Program::bound: the input's next value
  std::vector<std::pair<std::string, Dims>> first_dims;  // data input -> dims of the first chunk
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

absl::StatusOr<std::vector<Tensor>> Stream::Run(const NamedInputs& chunk) {
  const Program& p = *program_;
  State& st = *state_;
  const StreamInfo& info = p.info;
  NamedInputs named;
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
      named.emplace_back(name, view);
      continue;
    }
    if (name.rfind("__seqrt_stream:", 0) == 0)
      return absl::InvalidArgumentError(absl::StrCat("stream chunk: unknown input '", name, "'"));
    named.emplace_back(name, view);
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
  std::vector<Tensor> zeros;
  zeros.reserve(p.bound.size());
  for (size_t k = 0; k < p.bound.size(); ++k) {
    const auto& b = p.bound[k];
    bool given = false;
    for (const auto& [name, view] : chunk) given |= name == b.input;
    if (given) continue;
    if (st.started) {
      named.emplace_back(b.input, st.bound[k].view());
    } else {
      zeros.push_back(ZeroState(b.input_info, p.data_inputs, chunk, batch));
      named.emplace_back(b.input, zeros.back().view());
    }
  }
  const bool steady = st.started && !p.state_inputs.empty();
  if (steady)
    for (size_t i = 0; i < p.state_inputs.size(); ++i) named.emplace_back(p.state_inputs[i], st.carried[i].view());

  const Session& session = steady ? *p.steady : *p.first;
  absl::StatusOr<std::vector<Tensor>> ran = session.Run(named);
  if (!ran.ok()) return absl::Status(ran.status().code(), absl::StrCat("stream chunk: ", ran.status().message()));
  std::vector<Tensor>& all = *ran;

  std::vector<Tensor> carried;
  for (size_t i = p.model_outputs; i < all.size(); ++i) carried.push_back(std::move(all[i]));
  std::vector<Tensor> bound;
  bound.reserve(p.bound.size());
  for (const auto& b : p.bound) bound.push_back(all[b.output_index]);
  all.resize(p.model_outputs);
  st.carried = std::move(carried);
  st.bound = std::move(bound);
  if (!st.started) st.first_dims = std::move(dims_now);
  st.started = true;
  st.steps += info.time_input.empty() ? 1 : steps;
  return std::move(all);
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
