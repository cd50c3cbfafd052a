"""seqrt: a runtime for ONNX sequence models, from Python.

The session API has onnxruntime's shape, so a script written for ONNX Runtime ports by changing
its import::

    import seqrt as onnxruntime
    sess = onnxruntime.InferenceSession("model.onnx")
    outputs = sess.run(None, {sess.get_inputs()[0].name: x})

Beyond that: ``sess.plan(shapes)`` shows the kernels and memory plan seqrt picks for given input
shapes, and ``seqrt.train(x, y, layers="lstm:64,dense:10", epochs=20)`` trains a small recurrent
model with seqrt's built-in trainer and returns a model that saves as ONNX.

Errors raise the classes below (``seqrt.InvalidArgument`` is a ``ValueError``) with the same
one-line message the ``seqrt`` command line prints.
"""

import enum as _enum
import os as _os
import warnings as _warnings

import numpy as _np

from ._errors import (Cancelled, DeadlineExceeded, Fail, InvalidArgument, NoSuchFile, NotImplemented,  # noqa: F401
                      ResourceExhausted, SeqrtError)
from . import _seqrt
from ._seqrt import EpochStats, Plan, PlannedNode, PlannedValue  # noqa: F401

__version__ = "0.1.0"

_CPU = "CPUExecutionProvider"

__all__ = [
    "InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel", "ExecutionMode", "NodeArg",
    "ModelMetadata", "Stream", "get_available_providers", "get_all_providers", "get_device", "train", "TrainedModel",
    "Plan", "PlannedNode", "PlannedValue", "EpochStats", "SeqrtError", "Fail", "InvalidArgument", "NoSuchFile",
    "NotImplemented", "ResourceExhausted", "DeadlineExceeded", "Cancelled",
]


def get_available_providers():
    """The execution providers this build has: seqrt runs on the CPU only."""
    return [_CPU]


def get_all_providers():
    """Every provider seqrt knows of (the same as get_available_providers)."""
    return [_CPU]


def get_device():
    return "CPU"


class GraphOptimizationLevel(_enum.IntEnum):
    """onnxruntime's names and values. seqrt has three levels: none, basic (dead nodes, constant
    folding) and everything (fusions too); EXTENDED and ALL both select everything."""
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_ALL = 99


class ExecutionMode(_enum.IntEnum):
    """seqrt runs nodes one after another; ORT_PARALLEL is accepted and runs sequentially (the
    results are the same, as in onnxruntime)."""
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, _np.integer)) or value < minimum:
        raise InvalidArgument(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


class SessionOptions:
    """Options for InferenceSession, named as in onnxruntime.

    intra_op_num_threads: threads inside one operator (0, the default: the library's default).
    graph_optimization_level: a GraphOptimizationLevel (default ORT_ENABLE_ALL).
    inter_op_num_threads, execution_mode: accepted for compatibility; seqrt runs nodes
        sequentially, so they change nothing.
    log_severity_level, log_verbosity_level, logid: accepted; seqrt does not log.
    max_memory_bytes (seqrt's own; None = the library default, a fraction of physical memory):
        the most bytes one tensor, arena, plan or folded constant may take; above it a run or
        load raises seqrt.ResourceExhausted naming the node, the value and the bytes.
    isa (seqrt's own; None = $SEQRT_ISA, else the best this CPU has): the instruction set of
        seqrt's own vector kernels, "auto", "avx512", "avx2" or "baseline"; one the CPU lacks
        makes InferenceSession raise seqrt.InvalidArgument.
    """
    __slots__ = ("_intra", "_inter", "_level", "_mode", "log_severity_level", "log_verbosity_level", "logid",
                 "max_memory_bytes", "isa")

    def __init__(self):
        self._intra = 0
        self._inter = 0
        self._level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self._mode = ExecutionMode.ORT_SEQUENTIAL
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.max_memory_bytes = None
        self.isa = None

    def _extras(self):
        extras = {}
        if self.max_memory_bytes is not None:
            extras["max_memory_bytes"] = _check_int("max_memory_bytes", self.max_memory_bytes, -1)
        if self.isa is not None:
            if not isinstance(self.isa, str):
                raise InvalidArgument(f"isa must be a string such as 'avx2', not {self.isa!r}")
            extras["isa"] = self.isa
        return extras

    @property
    def intra_op_num_threads(self):
        return self._intra

    @intra_op_num_threads.setter
    def intra_op_num_threads(self, value):
        self._intra = _check_int("intra_op_num_threads", value, 0)

    @property
    def inter_op_num_threads(self):
        return self._inter

    @inter_op_num_threads.setter
    def inter_op_num_threads(self, value):
        self._inter = _check_int("inter_op_num_threads", value, 0)

    @property
    def graph_optimization_level(self):
        return self._level

    @graph_optimization_level.setter
    def graph_optimization_level(self, value):
        try:
            self._level = GraphOptimizationLevel(value)
        except ValueError:
            raise InvalidArgument(f"graph_optimization_level must be a GraphOptimizationLevel, not {value!r}") from None

    @property
    def execution_mode(self):
        return self._mode

    @execution_mode.setter
    def execution_mode(self, value):
        try:
            self._mode = ExecutionMode(value)
        except ValueError:
            raise InvalidArgument(f"execution_mode must be an ExecutionMode, not {value!r}") from None


class RunOptions:
    """Per-run options, named as in onnxruntime.

    terminate: set it to True (from any thread) and runs using these options stop with
        seqrt.Cancelled at their next check, as onnxruntime's RunOptions.terminate does.
    timeout_seconds (seqrt's own; 0 = none): runs stop with seqrt.DeadlineExceeded after it.
    Both are checked between nodes and inside Loop/Scan iterations. log_severity_level,
    log_verbosity_level, logid: accepted; seqrt does not log.
    """
    __slots__ = ("_state", "log_severity_level", "log_verbosity_level", "logid")

    def __init__(self):
        self._state = _seqrt._RunState()
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""

    @property
    def terminate(self):
        return self._state.terminate

    @terminate.setter
    def terminate(self, value):
        self._state.terminate = bool(value)

    @property
    def timeout_seconds(self):
        return self._state.timeout_seconds

    @timeout_seconds.setter
    def timeout_seconds(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InvalidArgument(f"timeout_seconds must be a number >= 0, not {value!r}")
        self._state.timeout_seconds = float(value)


class NodeArg:
    """A model input or output: ``name``, ``type`` ('tensor(float)' ...) and ``shape`` (ints for
    known dims, strings for symbolic ones, None for unknown ones; None when the rank is unknown)."""
    __slots__ = ("name", "type", "shape")

    def __init__(self, name, dtype_name, shape):
        self.name = name
        self.type = f"tensor({dtype_name})"
        self.shape = shape

    def __repr__(self):
        return f"NodeArg(name='{self.name}', type='{self.type}', shape={self.shape})"


class ModelMetadata:
    """What the model file says about itself (onnxruntime's ModelMetadata fields)."""
    __slots__ = ("producer_name", "graph_name", "graph_description", "domain", "description", "version",
                 "custom_metadata_map")

    def __init__(self, info):
        self.producer_name = info["producer_name"]
        self.graph_name = info["graph_name"]
        self.graph_description = info["graph_doc_string"]
        self.domain = info["domain"]
        self.description = info["doc_string"]
        self.version = info["model_version"]
        self.custom_metadata_map = dict(info["metadata"])


def _check_providers(providers):
    """seqrt has the CPU only: like onnxruntime without a GPU build, other providers are warned
    about and the session runs on the CPU."""
    if providers is None:
        return
    if isinstance(providers, str):
        raise InvalidArgument("providers must be a list of provider names, not a string")
    for p in providers:
        name = p[0] if isinstance(p, (tuple, list)) else p
        if name != _CPU:
            _warnings.warn(f"Specified provider '{name}' is not in available provider names. "
                           f"Available providers: '{_CPU}'", UserWarning, stacklevel=3)


class InferenceSession:
    """Loads an ONNX model (a path, or the serialized bytes) for running. Sessions are safe to run
    from several threads at once; the GIL is released while a run computes."""

    def __init__(self, path_or_bytes, sess_options=None, providers=None, provider_options=None, **kwargs):
        if sess_options is not None and not isinstance(sess_options, SessionOptions):
            raise InvalidArgument(f"sess_options must be a seqrt.SessionOptions, not {type(sess_options).__name__}")
        _check_providers(providers)
        self._sess_options = sess_options if sess_options is not None else SessionOptions()
        threads = self._sess_options.intra_op_num_threads
        level = int(self._sess_options.graph_optimization_level)
        if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            self._model_path = None
            self._sess = _seqrt._Session.from_bytes(bytes(path_or_bytes), threads, level, "",
                                                    self._sess_options._extras())
        elif isinstance(path_or_bytes, (str, _os.PathLike)):
            self._model_path = _os.fspath(path_or_bytes)
            self._sess = _seqrt._Session.from_path(self._model_path, threads, level, self._sess_options._extras())
        else:
            raise InvalidArgument(f"InferenceSession takes a model path or bytes, not {type(path_or_bytes).__name__}")
        self._inputs = [NodeArg(*v) for v in self._sess.inputs()]
        self._overridable = [NodeArg(*v) for v in self._sess.overridable_inputs()]
        self._outputs = [NodeArg(*v) for v in self._sess.outputs()]

    def get_inputs(self):
        """The inputs a run must be given (initializer-backed ones are get_overridable_initializers)."""
        return list(self._inputs)

    def get_outputs(self):
        return list(self._outputs)

    def get_overridable_initializers(self):
        """Graph inputs that have an initializer: a run may feed them to override the stored value."""
        return list(self._overridable)

    def get_modelmeta(self):
        return ModelMetadata(self._sess.model_info())

    def get_providers(self):
        return [_CPU]

    def get_provider_options(self):
        return {_CPU: {}}

    def get_session_options(self):
        return self._sess_options

    def set_providers(self, providers=None, provider_options=None):
        _check_providers(providers)

    def disable_fallback(self):
        """onnxruntime's fallback is between providers; seqrt has one, so there is nothing to change."""

    def enable_fallback(self):
        """See disable_fallback."""

    def run(self, output_names, input_feed, run_options=None):
        """Runs the model on ``input_feed`` (input name -> numpy array) and returns the outputs
        named in ``output_names`` (None or empty: all, in model order) as numpy arrays.

        Arrays that are C-contiguous and of the input's dtype are read in place; others are
        converted once (layout); a wrong dtype or shape raises seqrt.InvalidArgument."""
        if not isinstance(input_feed, dict):
            raise InvalidArgument(f"input_feed must be a dict of input name -> array, not {type(input_feed).__name__}")
        if run_options is not None and not isinstance(run_options, RunOptions):
            raise InvalidArgument(f"run_options must be a seqrt.RunOptions, not {type(run_options).__name__}")
        if isinstance(output_names, str):
            raise InvalidArgument("output_names must be a list of names (or None), not a string")
        state = run_options._state if run_options is not None else None
        return self._sess.run(list(output_names) if output_names else None, input_feed, state)

    def plan(self, shapes):
        """The plan seqrt builds for these input shapes (``{name: (dims...)}``): its nodes with
        the kernel each runs, and the memory arena's layout (a seqrt.Plan)."""
        if not isinstance(shapes, dict):
            raise InvalidArgument(f"shapes must be a dict of input name -> dims, not {type(shapes).__name__}")
        return self._sess.plan({k: [int(d) for d in v] for k, v in shapes.items()})

    def open_stream(self, time_input=None, time_axis=None, state_bindings=None, auto_bind_state=True):
        """A seqrt.Stream over this model: run it chunk by chunk and it carries the recurrent
        state (and bound state inputs/outputs) from one chunk to the next (seqrt/stream.h).
        time_input / time_axis: the input and axis carrying time (found from the model when
        None); state_bindings: [(output name, input name), ...] pairs fed back between chunks."""
        if not getattr(_seqrt, "_has_stream", False):
            raise NotImplemented("open_stream: this build of seqrt has no streaming (Session::OpenStream)")
        bindings = [(str(o), str(i)) for o, i in (state_bindings or [])]
        axis = -1 if time_axis is None else _check_int("time_axis", time_axis, 0)
        return Stream(self, self._sess.open_stream(time_input or "", axis, bindings, bool(auto_bind_state)))


class Stream:
    """A model run chunk by chunk with its state carried between chunks (see
    InferenceSession.open_stream). One stream is driven by one thread at a time (runs from
    several threads are serialised); open one stream per sequence."""

    def __init__(self, session, stream):
        self._session = session
        self._s = stream

    def run(self, output_names, input_feed):
        """Runs one chunk; same arguments and results as InferenceSession.run."""
        if not isinstance(input_feed, dict):
            raise InvalidArgument(f"input_feed must be a dict of input name -> array, not {type(input_feed).__name__}")
        if isinstance(output_names, str):
            raise InvalidArgument("output_names must be a list of names (or None), not a string")
        return self._s.run(list(output_names) if output_names else None, input_feed)

    def reset(self):
        """Forgets the carried state: the next chunk starts a new sequence."""
        self._s.reset()

    @property
    def steps_seen(self):
        """Time steps since open_stream/reset (chunks, when the model has no time axis)."""
        return self._s.steps_seen

    @property
    def info(self):
        """What the stream carries: time_input, time_axis, batch_axis, carried_nodes,
        state_bindings, output_time_axis, and a one-paragraph summary."""
        return self._s.info()


class TrainedModel:
    """A model trained by seqrt.train: predict, evaluate, export to ONNX, or open a session."""

    def __init__(self, trained):
        self._t = trained

    @property
    def history(self):
        """One seqrt.EpochStats per epoch run."""
        return self._t.epochs

    @property
    def best_epoch(self):
        return self._t.best_epoch

    @property
    def stopped_early(self):
        return self._t.stopped_early

    @property
    def parameter_count(self):
        return self._t.parameter_count

    def summary(self):
        return self._t.summary()

    def predict(self, x, batch_size=256):
        return self._t.predict(_as_features(x), int(batch_size))

    def evaluate(self, x, y, batch_size=256):
        return self._t.evaluate(_as_features(x), _as_targets(y), int(batch_size))

    def to_onnx(self, opset=13, input_name="x", output_name="y", graph_name="seqrt_trained"):
        """The model as serialized ONNX (bytes)."""
        return self._t.to_onnx(int(opset), input_name, output_name, graph_name)

    def save(self, path, opset=13, input_name="x", output_name="y", graph_name="seqrt_trained"):
        """Writes the model to ``path`` as ONNX."""
        data = self.to_onnx(opset, input_name, output_name, graph_name)
        with open(_os.fspath(path), "wb") as f:
            f.write(data)

    def session(self, sess_options=None):
        """An InferenceSession over the exported model."""
        return InferenceSession(self.to_onnx(), sess_options)


def _as_features(x):
    x = _np.asarray(x)
    return _np.ascontiguousarray(x, dtype=_np.float32) if x.dtype.kind in "fiub" else x


def _as_targets(y):
    y = _np.asarray(y)
    if y.dtype.kind == "f":
        return _np.ascontiguousarray(y, dtype=_np.float32)
    return _np.ascontiguousarray(y)


def train(x, y, layers, epochs=10, batch_size=32, optimizer="adam", learning_rate=1e-3, momentum=0.0, clip_norm=0.0,
          validation_split=0.0, shuffle=True, seed=1, early_stopping_patience=0, restore_best_weights=True, threads=1,
          backend="auto", on_epoch=None):
    """Trains a recurrent model with seqrt's built-in trainer (Keras semantics) and returns a
    TrainedModel.

    x: float array [N, T, F]. y: integer class labels [N] (a classifier, softmax cross-entropy)
    or float targets [N] / [N, K] (regression, mean squared error).
    layers: "lstm:64,dense:10" (also rnn:N, rnn-relu:N, gru:N, gru-v1:N, bilstm:N, bigru:N,
    birnn:N, dense:N, dense-relu:N); a classifier ends with dense:<classes>.
    optimizer: "adam" or "sgd". backend: "auto", "onednn" or "reference".
    on_epoch: called with a seqrt.EpochStats after every epoch; an exception in it stops training
    and is re-raised.
    """
    return TrainedModel(_seqrt._train(_as_features(x), _as_targets(y), str(layers), int(epochs), int(batch_size),
                                      str(optimizer), float(learning_rate), float(momentum), float(clip_norm),
                                      float(validation_split), bool(shuffle), int(seed), int(early_stopping_patience),
                                      bool(restore_best_weights), int(threads), str(backend), on_epoch))
