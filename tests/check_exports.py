#!/usr/bin/env python3
"""libseqrt.so exports the public API and nothing else.

Every defined dynamic symbol (nm -D) must be either a C function declared in include/seqrt/c_api.h
or a C++ name whose first component under `seqrt::` is declared in a public header; nothing from
std::, absl::, protobuf, onnx or seqrt's internal namespaces may leak. The key entry points must
be there, so a library that exports nothing fails too.

    check_exports.py LIBSEQRT_SO INCLUDE_DIR
"""
import pathlib
import re
import subprocess
import sys

INTERNAL = {"graph", "ops", "runtime", "onnx", "importers", "trainer", "tools", "internal", "rnn", "Impl"}
MUST_HAVE = ["seqrt_api_version", "seqrt_session_run", "seqrt::Session::Load", "seqrt::Tensor::Tensor",
             "seqrt::TrainableModel::Fit", "seqrt::ReadTensorFile"]


def dynamic_symbols(lib, demangle):
    args = ["nm", "-D", "--defined-only"] + (["-C"] if demangle else []) + [lib]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] != "A":  # "A": the version node itself
            symbols.append(parts[2].split("@")[0])
    return symbols


def main():
    lib, include = sys.argv[1], pathlib.Path(sys.argv[2]) / "seqrt"
    headers = {p.name: p.read_text() for p in include.glob("*.h")}
    c_functions = set(re.findall(r"\b(seqrt_\w+)\s*\(", headers["c_api.h"]))
    cxx_names = set()
    for name, text in headers.items():
        if name != "c_api.h":
            cxx_names |= set(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r"//.*", "", text)))

    problems = []
    demangled = dynamic_symbols(lib, demangle=True)
    for sym in demangled:
        if re.fullmatch(r"seqrt_\w+", sym):
            if sym not in c_functions:
                problems.append(f"C symbol not in c_api.h: {sym}")
            continue
        m = re.match(r"(?:(?:typeinfo name|typeinfo|vtable|VTT|guard variable) for )?seqrt::(\w+)", sym)
        if not m:
            problems.append(f"not a seqrt symbol: {sym}")
            continue
        components = re.findall(r"seqrt::((?:\w+::)*\w+)", sym)[0].split("::")
        if m.group(1) not in cxx_names or any(c in INTERNAL for c in components):
            problems.append(f"internal C++ symbol: {sym}")
    for want in MUST_HAVE:
        if not any(s == want or s.startswith(want + "(") for s in demangled):
            problems.append(f"missing export: {want}")
    for p in problems[:60]:
        print(p)
    print(f"check_exports: {len(demangled)} exported symbols, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
