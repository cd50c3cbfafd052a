#!/usr/bin/env python3
"""Models exported by `seqrt train` run in ONNX Runtime (onnxruntime-node@1.30.0) and agree with seqrt.

onnxruntime-node is installed on demand into benchmarks/compare_ort/node_modules (git-ignored,
shared with the peer benchmark). When it cannot be installed or loaded this FAILS: an
agreement test that silently skips proves nothing.

Usage: trainer_ort_check.py   (SEQRT_CLI names the seqrt binary)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trainer_numpy_forward as tnf  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORT_DIR = os.path.join(REPO, "benchmarks", "compare_ort")
ORT_VERSION = "1.30.0"

RUNNER = r"""
import { createRequire } from 'node:module';
import fs from 'node:fs';
const require = createRequire(process.argv[2] + '/');
const ort = require('onnxruntime-node');
const job = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const out = [];
for (const c of job) {
  const session = await ort.InferenceSession.create(c.model, { intraOpNumThreads: 1 });
  const buf = fs.readFileSync(c.x);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, c.dims) });
  const y = res[session.outputNames[0]];
  fs.writeFileSync(c.y, Buffer.from(new Float32Array(y.data).buffer));
  out.push(y.dims);
}
console.log(JSON.stringify({ version: ort.env.versions ? ort.env.versions.common : 'unknown', dims: out }));
"""


def ensure_ort():
    pkg = os.path.join(ORT_DIR, "node_modules", "onnxruntime-node", "package.json")
    if not os.path.isfile(pkg):
        print(f"installing onnxruntime-node@{ORT_VERSION} into {ORT_DIR}/node_modules", file=sys.stderr)
        r = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                            f"onnxruntime-node@{ORT_VERSION}"], cwd=ORT_DIR)
        if r.returncode != 0 or not os.path.isfile(pkg):
            raise SystemExit("FAILED: onnxruntime-node could not be installed (npm install failed)")
    with open(pkg) as f:
        version = json.load(f)["version"]
    if version != ORT_VERSION:
        raise SystemExit(f"FAILED: found onnxruntime-node {version}, expected {ORT_VERSION}")
    return os.path.join(ORT_DIR, "node_modules")


def main():
    cli = os.environ.get("SEQRT_CLI")
    if not cli:
        raise SystemExit("trainer_ort_check.py: set SEQRT_CLI to the seqrt binary")
    node_modules = ensure_ort()
    work = tempfile.mkdtemp(prefix="seqrt_trainer_ort_")
    jobs, expected = [], []
    for name, layers, classes, opset in tnf.CASES:
        model = tnf.train_case(cli, work, name, layers, classes, opset)
        for n, t in ((7, 12), (3, 40)):
            x = np.random.default_rng(n * 1000 + t).standard_normal((n, t, 3)).astype(np.float32)
            xp = os.path.join(work, f"x_{name}_{n}_{t}.bin")
            x.tofile(xp)
            jobs.append({"model": model, "x": xp, "dims": [n, t, 3], "y": xp + ".ort"})
            expected.append((f"{name} opset {opset} N={n} T={t}", tnf.run_seqrt(cli, work, model, x, f"{name}_{n}_{t}")))
    job_path = os.path.join(work, "jobs.json")
    with open(job_path, "w") as f:
        json.dump(jobs, f)
    runner = os.path.join(work, "runner.mjs")
    with open(runner, "w") as f:
        f.write(RUNNER)
    r = subprocess.run(["node", runner, node_modules, job_path], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"FAILED: ONNX Runtime could not run the exported models:\n{r.stderr}")
    info = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"onnxruntime-node {ORT_VERSION} (common {info['version']})")
    worst, failures = 0.0, []
    for job, (label, ours), dims in zip(jobs, expected, info["dims"]):
        theirs = np.fromfile(job["y"], dtype=np.float32).reshape(dims)
        if theirs.shape != ours.shape:
            failures.append(f"{label}: ORT shape {theirs.shape} vs seqrt {ours.shape}")
            continue
        err = float(np.max(np.abs(theirs - ours)))
        worst = max(worst, err)
        print(f"{label:32s} max |seqrt - ORT| = {err:.2e}")
        if err > 1e-5:
            failures.append(f"{label}: {err:.2e} > 1e-5")
    print(f"worst error {worst:.2e}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
