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
    code = ("import time; from peftbench.models.smollm2 import converted_dir; d = converted_dir();"
            "from peftbench.models.hub import load_pretrained; import torch;"
            "t = time.perf_counter(); load_pretrained(str(d), {}, 'x');"
            "print(time.perf_counter() - t)")
    out = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True)
    print(f"default model reload from the converted cache: {float(out.stdout.split()[-1]):.3f} s"
          " (target < 2 s; excludes the torch import)")


if __name__ == "__main__":
    main()
