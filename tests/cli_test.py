#!/usr/bin/env python3
"""CLI tests for the `seqrt` subcommands info/run/perf/profile: outputs, JSON schemas, exit codes
and error messages. Run by ctest (one test per class) with SEQRT_CLI set to the binary; needs
python3-onnx and python3-numpy (Debian packages).

    SEQRT_CLI=build/seqrt /usr/bin/python3 tests/cli_test.py [ClassName ...]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEQRT = os.environ.get("SEQRT_CLI", "")
WORK = None  # a temporary folder with the test models, made once per process
W = np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0 - 0.5
B = np.array([0.1, -0.2, 0.3], dtype=np.float32)


def make_models(folder):
    """mlp.onnx: x[N,T,4] -> MatMul+Add -> h[N,T,3]; probs = Softmax(ReduceMean(h over T)) [N,3].
    unsupported.onnx: the same with two operators seqrt does not know."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 4])
    h = helper.make_tensor_value_info("h", TensorProto.FLOAT, ["N", "T", 3])
    probs = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 3])
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="proj"),
        helper.make_node("Add", ["xw", "B"], ["h"], name="bias"),
        helper.make_node("ReduceMean", ["h"], ["pooled"], name="pool", axes=[1], keepdims=0),
        helper.make_node("Softmax", ["pooled"], ["probs"], name="softmax", axis=-1),
    ]
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")]
    graph = helper.make_graph(nodes, "mlp", [x], [probs, h], inits)
    model = helper.make_model(graph, producer_name="seqrt-cli-test", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, os.path.join(folder, "mlp.onnx"))

    bad_nodes = nodes + [
        helper.make_node("NoSuchOp", ["probs"], ["z1"], name="mystery"),
        helper.make_node("Frobnicate", ["z1"], ["z2"], name="frob", domain="com.example"),
    ]
    z2 = helper.make_tensor_value_info("z2", TensorProto.FLOAT, None)
    graph = helper.make_graph(bad_nodes, "bad", [x], [z2], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    model.ir_version = 7
    onnx.save(model, os.path.join(folder, "unsupported.onnx"))

    # gru.onnx / bigru.onnx: x[N,T,4] -> GRU(3, batch-major) -> Y[N,T,D,3], Y_h[N,D,3] (D = 1 or 2).
    rng = np.random.default_rng(3)
    for name, direction, d in (("gru.onnx", "forward", 1), ("bigru.onnx", "bidirectional", 2)):
        gw = (rng.standard_normal((d, 9, 4)) * 0.3).astype(np.float32)
        gr = (rng.standard_normal((d, 9, 3)) * 0.3).astype(np.float32)
        g = helper.make_graph(
            [helper.make_node("GRU", ["x", "GW", "GR"], ["Y", "Y_h"], name="gru", hidden_size=3, layout=1,
                              direction=direction)],
            "gru", [x],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", "T", d, 3]),
             helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, ["N", d, 3])],
            [numpy_helper.from_array(gw, "GW"), numpy_helper.from_array(gr, "GR")])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
        m.ir_version = 7
        onnx.save(m, os.path.join(folder, name))

    with open(os.path.join(folder, "garbage.onnx"), "wb") as f:
        f.write(b"\x08\xff\xff\xff this is not a model")


def reference(x):
    h = x @ W + B
    pooled = h.mean(axis=1)
    e = np.exp(pooled - pooled.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True), h


def seqrt(*args, cwd=None):
    p = subprocess.run([SEQRT, *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    return p.returncode, p.stdout, p.stderr


def model(name="mlp.onnx"):
    return os.path.join(WORK, name)


class CliCase(unittest.TestCase):
    def ok(self, *args):
        code, out, err = seqrt(*args)
        self.assertEqual(code, 0, f"seqrt {' '.join(args)} failed: {err}")
        return out

    def fails(self, code, *args, stderr_has=()):
        got, out, err = seqrt(*args)
        self.assertEqual(got, code, f"seqrt {' '.join(args)}: exit {got}, stderr: {err}")
        self.assertEqual(err.count("\n"), 1, f"expected one line on stderr, got: {err!r}")
        self.assertTrue(err.startswith("seqrt "), err)
        for text in stderr_has:
            self.assertIn(text, err)
        return err


class Help(CliCase):
    def test_each_command_has_help(self):
        for cmd in ["info", "run", "perf", "profile", "test"]:
            out = self.ok(cmd, "--help")
            self.assertIn(f"usage: seqrt {cmd}", out)

    def test_top_level(self):
        out = self.ok("--help")
        for cmd in ["info", "run", "perf", "profile", "test"]:
            self.assertIn(cmd, out)
        code, _, err = seqrt("frobnicate")
        self.assertEqual(code, 2)
        self.assertIn("unknown command", err)


class Info(CliCase):
    def test_text(self):
        out = self.ok("info", model())
        self.assertIn("seqrt-cli-test", out)
        self.assertIn("float[N,T,4]", out)
        self.assertIn("float[N,3]", out)
        self.assertIn("MatMul", out)
        self.assertIn("parameters: 15", out)
        self.assertIn("unsupported operators: none", out)

    def test_json(self):
        j = json.loads(self.ok("info", model(), "--json"))
        self.assertEqual(j["ir_version"], 7)
        self.assertEqual(j["opsets"], {"ai.onnx": 13})
        self.assertEqual(j["inputs"][0]["shape"], ["N", "T", 4])
        self.assertEqual(j["op_histogram"], {"Add": 1, "MatMul": 1, "ReduceMean": 1, "Softmax": 1})
        self.assertEqual(j["parameter_count"], 15)
        self.assertEqual(j["parameter_bytes"], 60)
        self.assertEqual(j["unsupported_ops"], [])

    def test_lists_every_unsupported_op(self):
        j = json.loads(self.ok("info", model("unsupported.onnx"), "--json"))
        text = " ".join(j["unsupported_ops"])
        self.assertEqual(len(j["unsupported_ops"]), 2, text)
        self.assertIn("NoSuchOp", text)
        self.assertIn("Frobnicate", text)
        out = self.ok("info", model("unsupported.onnx"))
        self.assertIn("unsupported operators (2)", out)

    def test_plan(self):
        j = json.loads(self.ok("info", model(), "--json", "--plan", "--shape", "x=2x5x4", "-o", "0"))
        plan = j["plan"]  # -o 0: no fusions, so the plan runs the nodes as written
        self.assertEqual(plan["input_dims"], {"x": [2, 5, 4]})
        self.assertEqual([n["op_type"] for n in plan["nodes"]], ["MatMul", "Add", "ReduceMean", "Softmax"])
        for n in plan["nodes"]:
            self.assertTrue(n["kernel"])
        for key in ["arena_bytes", "naive_bytes", "live_peak_bytes"]:
            self.assertIsInstance(plan[key], int)
        self.assertGreater(plan["naive_bytes"], 0)
        out = self.ok("info", model(), "--plan", "-f", "T:7", "-f", "N:3")
        self.assertIn("x=3x7x4", out)
        self.assertIn("arena_bytes", out)

    def test_plan_of_unsupported_model_fails(self):
        self.fails(1, "info", model("unsupported.onnx"), "--plan", stderr_has=["unsupported"])


class Run(CliCase):
    def test_print_is_seeded(self):
        a = self.ok("run", model(), "-S", "7", "-f", "T:5")
        b = self.ok("run", model(), "-S", "7", "-f", "T:5")
        c = self.ok("run", model(), "-S", "8", "-f", "T:5")
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertIn("probs: float 1x3", a)
        self.assertIn("top-3:", a)
        self.assertIn("h: float 1x5x3", a)

    def test_large_output_is_summarized(self):
        out = self.ok("run", model(), "--shape", "x=4x50x4")
        self.assertIn("h: float 4x50x3", out)
        self.assertIn("min ", out)
        self.assertIn("first values:", out)
        self.assertIn("top-3 (row 3):", out)

    def test_outputs_and_inputs_written(self):
        for fmt in ["npy", "pb"]:
            d = os.path.join(WORK, "run_" + fmt)
            self.ok("run", model(), "--shape", "x=2x6x4", "-S", "3", "--output-dir", d, "--output-format", fmt,
                    "--save-inputs")
            if fmt == "npy":
                x = np.load(os.path.join(d, "inputs", "x.npy"))
                probs, h = np.load(os.path.join(d, "probs.npy")), np.load(os.path.join(d, "h.npy"))
            else:
                load = lambda p: numpy_helper.to_array(onnx.load_tensor(p))
                x = load(os.path.join(d, "inputs", "x.pb"))
                probs, h = load(os.path.join(d, "probs.pb")), load(os.path.join(d, "h.pb"))
            self.assertEqual(x.shape, (2, 6, 4))
            self.assertEqual(x.dtype, np.float32)
            self.assertTrue(np.all(x >= -1) and np.all(x <= 1))
            want_probs, want_h = reference(x)
            np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-6)

    def test_inputs_from_files(self):
        x = np.random.default_rng(1).standard_normal((3, 4, 4)).astype(np.float32)
        np.save(os.path.join(WORK, "x.npy"), x)
        with open(os.path.join(WORK, "x.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "x").SerializeToString())
        want, _ = reference(x)
        for name in ["x.npy", "x.pb"]:
            d = os.path.join(WORK, "from_" + name)
            self.ok("run", model(), "--input", "x=" + os.path.join(WORK, name), "--output-dir", d,
                    "--output-format", "npy")
            np.testing.assert_allclose(np.load(os.path.join(d, "probs.npy")), want, rtol=1e-5, atol=1e-6)

    def test_no_optimizations(self):
        self.ok("run", model(), "-o", "0", "-x", "1")


PERF_KEYS = ["session_create_ms", "first_run_ms", "runs", "latency_ms", "throughput_per_s", "peak_rss_bytes",
             "arena_bytes", "naive_bytes", "live_peak_bytes", "threads"]


class Perf(CliCase):
    def test_json_schema(self):
        j = json.loads(self.ok("perf", model(), "-r", "5", "-f", "T:7", "-x", "1", "--json"))
        for key in PERF_KEYS:
            self.assertIn(key, j)
        for key in ["session_create_ms", "first_run_ms", "throughput_per_s"]:
            self.assertIsInstance(j[key], float)
            self.assertGreaterEqual(j[key], 0)
        for key in ["runs", "peak_rss_bytes", "arena_bytes", "naive_bytes", "live_peak_bytes", "threads"]:
            self.assertIsInstance(j[key], int)
        self.assertEqual(j["runs"], 5)
        self.assertEqual(j["threads"], 1)
        self.assertGreater(j["peak_rss_bytes"], 0)
        lat = j["latency_ms"]
        self.assertEqual(sorted(lat), sorted(["mean", "min", "p50", "p90", "p95", "p99", "max"]))
        self.assertLessEqual(lat["min"], lat["p50"])
        self.assertLessEqual(lat["p50"], lat["p90"])
        self.assertLessEqual(lat["p90"], lat["p95"])
        self.assertLessEqual(lat["p95"], lat["p99"])
        self.assertLessEqual(lat["p99"], lat["max"])
        # T is a time dim: steps/s = runs/s x N x T.
        self.assertAlmostEqual(j["sequence_steps_per_s"], j["throughput_per_s"] * 7, delta=j["sequence_steps_per_s"] * 1e-6)

    def test_duration_and_text(self):
        j = json.loads(self.ok("perf", model(), "-t", "0.2", "--warmup", "2", "--json"))
        self.assertGreaterEqual(j["runs"], 1)
        out = self.ok("perf", model(), "-r", "3", "-I", "-S", "5", "--shape", "x=2x3x4")
        for text in ["Session creation time", "First run time", "Runs: 3", "P99", "runs/s", "sequence steps/s",
                     "Peak resident memory", "arena_bytes"]:
            self.assertIn(text, out)

    def test_option_spellings(self):
        # --k=v, --k v, -kV and -k V all mean the same; repeated flags accumulate.
        for args in (["--runs=3"], ["--runs", "3"], ["-r3"], ["-r", "3"]):
            j = json.loads(self.ok("perf", model(), *args, "--shape=x=2x3x4", "--free-dim", "N:2", "--json"))
            self.assertEqual(j["runs"], 3)
        j = json.loads(self.ok("perf", model(), "-r", "2", "-f", "N:3", "-f", "T:4", "--json"))
        self.assertAlmostEqual(j["sequence_steps_per_s"], j["throughput_per_s"] * 12, delta=j["sequence_steps_per_s"] * 1e-6)

    def test_piped_output_has_no_progress(self):
        _, _, err = seqrt("perf", model(), "-r", "3")
        self.assertEqual(err, "")


class Stream(CliCase):
    def test_run_stream_check(self):
        out = self.ok("run", model("gru.onnx"), "-f", "T:10", "-f", "N:2", "--stream", "3", "--check")
        self.assertIn("time: input 'x' axis 1; carried: GRU node 'gru'", out)
        self.assertEqual(out.count("\nchunk "), 4)  # 3 + 3 + 3 + 1 steps
        self.assertRegex(out, r"check Y: max \|stitched - full\| \S+ \(\S+ of max \|full\|\) ok")
        self.assertRegex(out, r"check Y_h: .* ok")

    def test_perf_stream_json(self):
        j = json.loads(self.ok("perf", model("gru.onnx"), "-f", "T:10", "--stream", "2", "--frame-ms", "10",
                               "-r", "3", "--json"))
        self.assertEqual(j["chunk_steps"], 2)
        self.assertEqual(j["chunks"], 15)  # 5 chunks x 3 measured passes
        self.assertEqual(sorted(j["chunk_latency_ms"]), sorted(["mean", "min", "p50", "p90", "p99", "max"]))
        self.assertGreater(j["steps_per_s"], 0)
        self.assertGreater(j["real_time_factor"], 0)

    def test_refusals(self):
        self.fails(1, "run", model("bigru.onnx"), "-f", "T:6", "--stream", "2",
                   stderr_has=["cannot stream: GRU node 'gru' is bidirectional"])
        self.fails(1, "run", model(), "-f", "T:6", "--stream", "2", stderr_has=["no recurrent node"])
        self.fails(2, "run", model("gru.onnx"), "--check", stderr_has=["--check needs --stream"])
        self.fails(2, "perf", model("gru.onnx"), "--frame-ms", "10", stderr_has=["--frame-ms needs --stream"])
        self.fails(2, "run", model("gru.onnx"), "--stream", "2", "--bind", "nonsense", stderr_has=["--bind wants OUTPUT=INPUT"])


class Profile(CliCase):
    def test_table_and_trace(self):
        trace = os.path.join(WORK, "trace.json")
        out = self.ok("profile", model(), "-r", "3", "-f", "T:5", "-o", "0", "--trace", trace)
        for text in ["op", "node", "kernel", "calls", "total ms", "mean ms", "% run", "proj", "softmax"]:
            self.assertIn(text, out)
        with open(trace) as f:
            j = json.load(f)
        events = j["traceEvents"]
        node_events = [e for e in events if e["cat"] == "node"]
        self.assertEqual(len(node_events), 3 * 4)
        for e in events:
            for key in ["name", "cat", "ph", "ts", "dur", "pid", "tid", "args"]:
                self.assertIn(key, e)
            self.assertEqual(e["ph"], "X")
            self.assertIsInstance(e["ts"], (int, float))
            self.assertGreaterEqual(e["dur"], 0)
        self.assertEqual({e["name"] for e in node_events}, {"proj", "bias", "pool", "softmax"})
        self.assertEqual(node_events[0]["args"]["op_type"], "MatMul")
        # Each node event lies within its run's event.
        runs = [e for e in events if e["cat"] == "run"]
        self.assertEqual(len(runs), 3)
        for e in node_events:
            r = runs[e["args"]["run"]]
            self.assertGreaterEqual(e["ts"] + 1e-3, r["ts"])
            self.assertLessEqual(e["ts"] + e["dur"], r["ts"] + r["dur"] + 1e-3)


class Errors(CliCase):
    def test_missing_model(self):
        for cmd in ["info", "run", "perf", "profile"]:
            self.fails(1, cmd, os.path.join(WORK, "nope.onnx"), stderr_has=["nope.onnx", "no such file"])

    def test_not_a_model(self):
        self.fails(1, "run", model("garbage.onnx"), stderr_has=["garbage.onnx"])

    def test_bad_shape(self):
        self.fails(2, "run", model(), "--shape", "x=1xabc", stderr_has=["--shape", "1xabc"])
        self.fails(2, "run", model(), "--shape", "x", stderr_has=["--shape"])
        self.fails(1, "run", model(), "--shape", "x=1x4", stderr_has=["rank 2", "float[N,T,4]"])
        self.fails(1, "run", model(), "--shape", "x=1x5x6", stderr_has=["fixes dim 2 to 4"])
        self.fails(1, "perf", model(), "--shape", "y=1x5x4", stderr_has=["unknown input 'y'"])

    def test_unknown_input_name(self):
        np.save(os.path.join(WORK, "ok.npy"), np.zeros((1, 2, 4), np.float32))
        self.fails(1, "run", model(), "--input", "nosuch=" + os.path.join(WORK, "ok.npy"),
                   stderr_has=["unknown input 'nosuch'", "x"])

    def test_npy_wrong_dtype(self):
        path = os.path.join(WORK, "ints.npy")
        np.save(path, np.zeros((1, 2, 4), np.int64))
        self.fails(1, "run", model(), "--input", "x=" + path, stderr_has=["ints.npy", "int64", "expects float"])

    def test_missing_input_file(self):
        self.fails(1, "run", model(), "--input", "x=" + os.path.join(WORK, "absent.npy"), stderr_has=["absent.npy"])

    def test_unknown_free_dim(self):
        self.fails(1, "run", model(), "-f", "Q:3", stderr_has=["'Q'", "N, T"])

    def test_usage_errors(self):
        self.fails(2, "run", stderr_has=["MODEL"])
        self.fails(2, "run", model(), "--bogus", stderr_has=["unknown option '--bogus'"])
        self.fails(2, "perf", model(), "-r", "abc", stderr_has=["-r", "abc"])
        self.fails(2, "perf", model(), "-r", stderr_has=["-r needs a value"])
        self.fails(2, "perf", model(), "-r", "3", "-t", "1", stderr_has=["-r or -t"])
        self.fails(2, "run", model(), "--output-format", "csv", stderr_has=["csv"])
        self.fails(2, "info", model(), "-f", "T", stderr_has=["-f needs DIM:VALUE"])


COMPARE_ORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks", "compare_ort")


class CompareOrt(CliCase):
    """benchmarks/compare_ort on the small model; skipped until run.sh has installed onnxruntime-node."""

    def test_table(self):
        node = shutil.which("node")
        if not node or not os.path.exists(os.path.join(COMPARE_ORT, "node_modules", "onnxruntime-node")):
            self.skipTest("node or onnxruntime-node missing (benchmarks/compare_ort/run.sh installs it)")
        p = subprocess.run([node, os.path.join(COMPARE_ORT, "compare_ort.mjs"), "--seqrt", SEQRT, "--batch", "1,3",
                            "--time", "5", "--rounds", "2", "--runs", "3", "--seed", "4", model(),
                            model("unsupported.onnx")], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [line for line in p.stdout.splitlines() if line.startswith("| mlp.onnx")]
        self.assertEqual(len(rows), 2, p.stdout)
        for row, shape in zip(rows, ["x=1x5x4", "x=3x5x4"]):
            cells = [c.strip() for c in row.strip("|").split("|")]
            self.assertEqual(cells[1], shape)
            self.assertEqual(cells[2], "3")
            for c in cells[3:9]:
                float(c)  # latencies, ratio and RSS growth are numbers
            self.assertEqual(cells[9], "yes", row)
        bad = [line for line in p.stdout.splitlines() if line.startswith("| unsupported.onnx")]
        self.assertEqual(len(bad), 2)
        self.assertIn("NoSuchOp", bad[0])


def setUpModule():
    global WORK
    if not SEQRT or not os.path.exists(SEQRT):
        raise RuntimeError("set SEQRT_CLI to the seqrt binary")
    WORK = tempfile.mkdtemp(prefix="seqrt_cli_test_")
    make_models(WORK)


def tearDownModule():
    if WORK:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
