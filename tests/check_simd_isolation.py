#!/usr/bin/env python3
"""Checks that the per-ISA kernel objects (ops/simd/kernels_*.o) define no symbol the linker
could merge with another file's: no weak or unique symbols (inline functions, template
instantiations, static members of inline classes), and no globals beyond the one table getter
each. An AVX-512 copy of a shared inline function would otherwise be picked for every caller
and crash CPUs without AVX-512. Arguments: the library's object files."""
import re
import subprocess
import sys

EXPECTED = {"kernels_avx512": "Avx512Kernels", "kernels_avx2": "Avx2Kernels", "kernels_baseline": "BaselineKernels"}

# CMake passes $<TARGET_OBJECTS> as one ;-separated argument.
args = [part for a in sys.argv[1:] for part in a.split(";") if part]
objects = [a for a in args if re.search(r"ops/simd/kernels_[a-z0-9]+\.cc\.o$", a)]
found = {re.search(r"(kernels_[a-z0-9]+)\.cc\.o$", o).group(1) for o in objects}
if set(EXPECTED) - found:
    sys.exit(f"FAIL: kernel objects missing from the arguments: {sorted(set(EXPECTED) - found)}")
bad = []
for obj in objects:
    stem = re.search(r"(kernels_[a-z0-9]+)\.cc\.o$", obj).group(1)
    out = subprocess.run(["nm", "--defined-only", "-C", obj], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2]
        if kind in "WwVvu":
            bad.append(f"{stem}: weak/unique symbol {name} ({kind})")
        elif kind in "TDBR" and EXPECTED[stem] not in name:
            bad.append(f"{stem}: unexpected global symbol {name} ({kind})")
    print(f"{stem}: checked")
if bad:
    print("\n".join(bad))
    sys.exit(f"FAIL: {len(bad)} symbol(s) the per-ISA kernel files must not define")
print("ok: the per-ISA kernel objects define only their table getters")
