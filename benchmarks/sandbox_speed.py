"""Cost of the code sandbox per run: paired, interleaved timings of one tiny APPS-style program.

    python benchmarks/sandbox_speed.py [--rounds 15]

Each round runs, in turn: a plain `python -I -c` child (no isolation: the floor), the sandbox in
its fallback mode (no namespaces: uid, capabilities, Landlock, seccomp) and the full sandbox
(namespaces + private root + the rest). Medians and the paired median difference to the plain
child are printed; on a shared machine only the paired differences mean much.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from peftbench.sandbox import run_code

PROGRAM = "n = int(input())\nprint(sum(range(n)))\n"


def plain() -> None:
    subprocess.run(
        [sys.executable, "-I", "-B", "-c", PROGRAM],
        input=b"1000\n",
        capture_output=True,
        check=True,
    )


def sandboxed(namespaces: bool) -> None:
    result = run_code(PROGRAM, stdin="1000\n", namespaces=namespaces)
    assert result.ok and result.stdout == "499500\n", result.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    variants = {
        "plain child": plain,
        "sandbox, fallback": lambda: sandboxed(False),
        "sandbox, full": lambda: sandboxed(True),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    base = times["plain child"]
    for name, t in times.items():
        diff = statistics.median(a - b for a, b in zip(t, base, strict=True))
        median = statistics.median(t) * 1000
        print(f"{name:<20} median {median:7.1f} ms   vs plain {diff * 1000:+7.1f} ms")
    print("layers:", " ".join(run_code("pass").isolation))


if __name__ == "__main__":
    main()
