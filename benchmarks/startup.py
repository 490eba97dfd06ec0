"""Start-up costs: `peftbench --help`, `peftbench ls`, and reloading the default model.

python benchmarks/startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], n: int = 5) -> float:
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    py = sys.executable
    print(f"peftbench --help: {timed([py, '-m', 'peftbench', '--help']):.3f} s (target < 1 s)")
    print(f"peftbench ls:     {timed([py, '-m', 'peftbench', 'ls']):.3f} s (target < 1 s)")
    code = (
        "import time; from peftbench.models.smollm2 import converted_dir; d = converted_dir();"
        "from peftbench.models.hub import load_pretrained; import torch, transformers;"
        "t = time.perf_counter(); load_pretrained(str(d), {}, 'x');"
        "t1 = time.perf_counter(); load_pretrained(str(d), {}, 'x');"
        "print(t1 - t, time.perf_counter() - t1)"
    )
    out = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True)
    first, again = (float(x) for x in out.stdout.split()[-2:])
    print(
        f"default model load from the converted cache, fresh process: {first:.3f} s "
        "(includes transformers' lazy import of the Llama code; torch import excluded)"
    )
    print(f"default model reload from the converted cache: {again:.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
