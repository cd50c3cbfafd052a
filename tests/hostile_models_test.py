#!/usr/bin/env python3
"""Hostile-model regression tests (issue 18): one small model per crash class that an outside
check found (seqrt crashed or hung where ONNX Runtime rejected cleanly). Each model is built
here with onnx.helper, run with `seqrt run`, and must fail with exit status 1 and one stderr
line naming what and where -- never a signal, a hang or an out-of-memory kill.

    SEQRT_CLI=build/seqrt /usr/bin/python3 tests/hostile_models_test.py [ClassName ...]
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEQRT = os.environ.get("SEQRT_CLI", "")
WORK = None


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph, producer_name="seqrt-hostile-test",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    path = os.path.join(WORK, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())  # no onnx.checker: these models are invalid on purpose
    return path


def raw_tensor(name, dims, data_type=TensorProto.FLOAT, raw=b""):
    """A TensorProto with arbitrary (even negative or overflowing) dims, which numpy_helper refuses."""
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def f32(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def vi(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


def run_seqrt(*args, timeout=60):
    """Runs seqrt; returns (exit code, stderr, wall seconds, the child's peak RSS in bytes)."""
    start = time.monotonic()
    p = subprocess.Popen([SEQRT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"seqrt {' '.join(args)} hung for {timeout} s")
    wall = time.monotonic() - start
    # ru_maxrss of all waited-for children is a running maximum; each test that reads it runs
    # in a fresh process (one ctest per class) so earlier children do not mask it.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return p.returncode, err, wall, peak


class HostileCase(unittest.TestCase):
    def rejects(self, path, *needles, args=(), timeout=60):
        code, err, wall, peak = run_seqrt("run", path, *args, timeout=timeout)
        self.assertGreaterEqual(code, 0, f"seqrt was killed by signal {-code}: {err}")
        self.assertEqual(code, 1, f"expected exit 1 (model error), got {code}: {err}")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, f"expected one line on stderr, got: {err}")
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0], wall, peak


class Initializers(HostileCase):
    """Initializer dims that multiply to a negative, huge or overflowing size."""

    def model(self, name, dims, raw):
        return save(name, [helper.make_node("Add", ["x", "W"], ["y"], name="add")],
                    [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, None)],
                    [raw_tensor("W", dims, raw=raw)])

    def test_negative_dim(self):
        self.rejects(self.model("init_negative", [-3, 4], b"\0" * 48), "initializer 'W'", "negative dim -3")

    def test_overflowing_dims(self):
        self.rejects(self.model("init_overflow", [1 << 40, 1 << 40, 16], b"\0" * 16),
                     "initializer 'W'", "overflows int64")

    def test_dims_larger_than_any_machine(self):
        self.rejects(self.model("init_too_big", [1 << 31, 1 << 31], b"\0" * 16),
                     "initializer 'W'", "more bytes than any machine holds")

    def test_huge_dims_little_data(self):
        # 2^40 bytes declared, 16 present: must be refused before anything is allocated.
        self.rejects(self.model("init_huge", [1 << 18, 1 << 20], b"\0" * 16),
                     "initializer 'W'", "has 16 bytes of data but dims 262144x1048576 of float need 1099511627776")

    def test_typed_data_count_mismatch(self):
        t = helper.make_tensor("W", TensorProto.FLOAT, [2], [1.0, 2.0])
        t.dims[0] = 1 << 30
        path = save("init_count", [helper.make_node("Add", ["x", "W"], ["y"], name="add")],
                    [vi("x", TensorProto.FLOAT, [2])], [vi("y", TensorProto.FLOAT, None)], [t])
        self.rejects(path, "initializer 'W'", "has 2 elements of data")


class AllocationBombs(HostileCase):
    """Nodes whose outputs would need absurd memory: refused with the node, value and bytes."""

    def test_constant_of_shape_beyond_any_machine(self):
        # 2^40 x 2^20 elements: the product of bytes does not even fit the address space.
        path = save("bomb_cos", [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="bomb")],
                    [], [vi("y", TensorProto.FLOAT, None)], [i64("shape", [1 << 40, 1 << 20])])
        self.rejects(path, "ConstantOfShape node 'bomb'", "output 'y'", "1099511627776x1048576")

    def test_constant_of_shape_above_cap(self):
        path = save("bomb_cos_cap", [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="bomb")],
                    [], [vi("y", TensorProto.FLOAT, None)], [i64("shape", [65536, 65536])])
        self.rejects(path, "ConstantOfShape node 'bomb'", "output 'y'", "(17179869184 bytes)",
                     "memory cap", args=("--max-memory", "1G"))

    def test_expand_from_input_shape(self):
        # The size is known only once the input dims are: refused when planning.
        nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
                 helper.make_node("Concat", ["s", "big"], ["target"], name="concat", axis=0),
                 helper.make_node("Expand", ["one", "target"], ["y"], name="bomb")]
        path = save("bomb_expand", nodes, [vi("x", TensorProto.FLOAT, ["N"])], [vi("y", TensorProto.FLOAT, None)],
                    [i64("big", [65536, 65536]), f32("one", [1.0])])
        self.rejects(path, "Expand node 'bomb'", "output 'y'", "3x65536x65536", "(51539607552 bytes)",
                     args=("-f", "N:3", "--max-memory", "1G"))

    def test_tile(self):
        path = save("bomb_tile", [helper.make_node("Tile", ["x", "reps"], ["y"], name="bomb")],
                    [vi("x", TensorProto.FLOAT, [2, 2])], [vi("y", TensorProto.FLOAT, None)],
                    [i64("reps", [1 << 20, 1 << 20])])
        self.rejects(path, "Tile node 'bomb'", "output 'y'", "2097152x2097152", args=("--max-memory", "1G"))

    def test_range(self):
        nodes = [helper.make_node("Range", ["start", "limit", "delta"], ["y"], name="bomb")]
        path = save("bomb_range", nodes, [], [vi("y", TensorProto.FLOAT, None)],
                    [f32("start", 0.0), f32("limit", 1e12), f32("delta", 1.0)])
        self.rejects(path, "Range node 'bomb'", "output 'y'", args=("--max-memory", "1G"))

    def test_pad(self):
        path = save("bomb_pad", [helper.make_node("Pad", ["x", "pads"], ["y"], name="bomb")],
                    [vi("x", TensorProto.FLOAT, [2, 2])], [vi("y", TensorProto.FLOAT, None)],
                    [i64("pads", [0, 0, 1 << 20, 1 << 20])])
        self.rejects(path, "Pad node 'bomb'", "output 'y'", args=("--max-memory", "1G"))

    def test_resize(self):
        path = save("bomb_resize", [helper.make_node("Resize", ["x", "", "scales"], ["y"], name="bomb")],
                    [vi("x", TensorProto.FLOAT, [1, 1, 2, 2])], [vi("y", TensorProto.FLOAT, None)],
                    [f32("scales", [1.0, 1.0, 65536.0, 65536.0])])
        self.rejects(path, "Resize node 'bomb'", "output 'y'", args=("--max-memory", "1G"))


class MemoryCap(HostileCase):
    """`seqrt run` above --max-memory: one line with node, value and bytes; exit 1; RSS stays low."""

    def test_peak_rss_stays_under_cap(self):
        # 256 MiB cap; the model asks for 4 GiB at run time (the input's dims are known only then).
        nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape"),
                 helper.make_node("Concat", ["s", "big"], ["target"], name="concat", axis=0),
                 helper.make_node("ConstantOfShape", ["target"], ["y"], name="bomb")]
        path = save("cap_rss", nodes, [vi("x", TensorProto.FLOAT, ["N"])], [vi("y", TensorProto.FLOAT, None)],
                    [i64("big", [32768, 32768])])
        cap = 256 << 20
        line, _, peak = self.rejects(path, "ConstantOfShape node 'bomb'", "output 'y'", "4294967296 bytes",
                                     "memory cap of 256.0 MiB", args=("-f", "N:1", "--max-memory", str(cap)))
        self.assertLess(peak, cap, f"peak RSS {peak} bytes is not under the {cap}-byte cap")
        print(f"\n  {line}\n  peak RSS {peak / 2**20:.1f} MiB under a {cap / 2**20:.0f} MiB cap", file=sys.stderr)


class Recurrent(HostileCase):
    """Declared dims that disagree with the weights: the kernel must check the actual shapes."""

    def rnn(self, name, x_dims, hidden_size=4, input_size=3):
        w = np.full((1, hidden_size, input_size), 0.1, dtype=np.float32)
        r = np.full((1, hidden_size, hidden_size), 0.1, dtype=np.float32)
        node = helper.make_node("RNN", ["x", "W", "R"], ["y", "h"], name="rnn", hidden_size=hidden_size)
        return save(name, [node], [vi("x", TensorProto.FLOAT, x_dims)],
                    [vi("y", TensorProto.FLOAT, None), vi("h", TensorProto.FLOAT, None)],
                    [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")])

    def test_input_size_changed(self):
        # X declared [5, 1, 7] while W was exported for input size 3.
        self.rejects(self.rnn("rnn_input_size", [5, 1, 7]), "RNN node 'rnn'")

    def test_hidden_size_attribute_disagrees(self):
        w = np.full((1, 4, 3), 0.1, dtype=np.float32)
        r = np.full((1, 4, 4), 0.1, dtype=np.float32)
        node = helper.make_node("RNN", ["x", "W", "R"], ["y", "h"], name="rnn", hidden_size=64)
        path = save("rnn_hidden", [node], [vi("x", TensorProto.FLOAT, [5, 1, 3])],
                    [vi("y", TensorProto.FLOAT, None), vi("h", TensorProto.FLOAT, None)],
                    [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")])
        self.rejects(path, "RNN node 'rnn'")


class Hang(HostileCase):
    """A Loop whose trip count M was renamed away: nothing ends it."""

    def body(self):
        return helper.make_graph(
            [helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
             helper.make_node("Add", ["v_in", "one"], ["v_out"], name="step")],
            "body",
            [vi("i", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []), vi("v_in", TensorProto.FLOAT, [1])],
            [vi("cond_out", TensorProto.BOOL, []), vi("v_out", TensorProto.FLOAT, [1])],
            [f32("one", [1.0])])

    def test_unbounded_loop_fails_fast(self):
        loop = helper.make_node("Loop", ["", "cond", "v0"], ["v"], name="loop", body=self.body())
        path = save("loop_unbounded", [loop], [vi("v0", TensorProto.FLOAT, [1])], [vi("v", TensorProto.FLOAT, None)],
                    [helper.make_tensor("cond", TensorProto.BOOL, [], [True])])
        _, wall, _ = self.rejects(path, "Loop node 'loop'", "never end", timeout=30)
        self.assertLess(wall, 1.0, f"took {wall:.2f} s")

    def test_loop_cond_from_input_hits_iteration_limit_or_timeout(self):
        # cond is computed (v < huge), so only running tells: --timeout stops it.
        body = helper.make_graph(
            [helper.make_node("Less", ["v_in", "huge"], ["cond_out"], name="check"),
             helper.make_node("Add", ["v_in", "one"], ["v_out"], name="step")],
            "body",
            [vi("i", TensorProto.INT64, []), vi("cond_in", TensorProto.BOOL, []), vi("v_in", TensorProto.FLOAT, [1])],
            [vi("cond_out", TensorProto.BOOL, [1]), vi("v_out", TensorProto.FLOAT, [1])],
            [f32("one", [1.0]), f32("huge", [1e30])])
        loop = helper.make_node("Loop", ["", "cond", "v0"], ["v"], name="loop", body=body)
        path = save("loop_computed_cond", [loop], [vi("v0", TensorProto.FLOAT, [1])],
                    [vi("v", TensorProto.FLOAT, None)], [helper.make_tensor("cond", TensorProto.BOOL, [], [True])])
        _, wall, _ = self.rejects(path, "Loop node 'loop'", "deadline", args=("--timeout", "0.5"), timeout=30)
        self.assertLess(wall, 3.0, f"took {wall:.2f} s")


class Attributes(HostileCase):
    """An attribute of the wrong type is a load error naming node, attribute, expected and actual type."""

    def test_int_where_ints_expected(self):
        node = helper.make_node("Transpose", ["x"], ["y"], name="tr")
        node.attribute.append(helper.make_attribute("perm", 1))
        path = save("attr_perm", [node], [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, None)])
        self.rejects(path, "Transpose node 'tr'", "attribute 'perm'", "must be of type ints", "is of type int")

    def test_string_where_int_expected(self):
        node = helper.make_node("Softmax", ["x"], ["y"], name="sm")
        node.attribute.append(helper.make_attribute("axis", "last"))
        path = save("attr_axis", [node], [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, None)])
        self.rejects(path, "Softmax node 'sm'", "attribute 'axis'", "must be of type int", "is of type string")


def main():
    global WORK
    if not SEQRT or not os.path.exists(SEQRT):
        print("SEQRT_CLI must point at the seqrt binary", file=sys.stderr)
        return 2
    WORK = tempfile.mkdtemp(prefix="seqrt-hostile-")
    try:
        prog = unittest.main(exit=False, argv=sys.argv)
        return 0 if prog.result.wasSuccessful() else 1
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
