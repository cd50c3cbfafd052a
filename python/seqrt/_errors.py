"""The exceptions seqrt raises. Each carries the one-line message the `seqrt` command line
prints for the same problem (what and where).

They are named like onnxruntime's (``InvalidArgument``, ``NoSuchFile``, ``Fail`` ...) and also
derive from the matching Python built-in, so ``except ValueError`` catches a bad input.
"""


class SeqrtError(Exception):
    """Base class of every seqrt error."""


class Fail(SeqrtError, RuntimeError):
    """An error with no more specific class (onnxruntime's ``Fail``)."""


class InvalidArgument(SeqrtError, ValueError):
    """A bad input, option or model: wrong dtype, shape, name, or a malformed model file."""


class NoSuchFile(SeqrtError, FileNotFoundError):
    """The model file does not exist."""


class NotImplemented(SeqrtError, NotImplementedError):  # noqa: A001 - onnxruntime's name
    """The model uses an operator or type seqrt does not implement."""


class ResourceExhausted(SeqrtError, MemoryError):
    """A run would exceed a memory limit."""


class DeadlineExceeded(SeqrtError, TimeoutError):
    """A run did not finish within its deadline."""


class Cancelled(SeqrtError, RuntimeError):
    """A run was cancelled."""
