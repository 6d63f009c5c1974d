"""Wall time of the POP3 conformance suite against a target (a printed figure, not a test).

Runs the installed suite in a subprocess, serially and with xdist, a few times each,
and prints the median and the spread::

    python benchmarks/pop3_suite_walltime.py [--target reference] [--repeat 3] [--workers 0 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def run_once(target: str, workers: int) -> tuple[float, str]:
    command = [
        sys.executable, "-m", "pytest", "--pyargs", "mailspec.suites.pop3",
        "--target", target, "-q", "-p", "no:cacheprovider",
    ]  # fmt: skip
    if workers:
        command += ["-n", str(workers)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - started
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    if result.returncode not in (0, 1):
        raise SystemExit(f"the suite run failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="reference")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2], help="0: serial")
    args = parser.parse_args()
    for workers in args.workers:
        times = []
        summary = ""
        for _ in range(args.repeat):
            elapsed, summary = run_once(args.target, workers)
            times.append(elapsed)
        mode = f"-n {workers}" if workers else "serial"
        print(
            f"POP3 suite against {args.target} ({mode}): median {statistics.median(times):.1f} s "
            f"wall (min {min(times):.1f}, max {max(times):.1f}, {args.repeat} runs; "
            f"pytest start-up and server start included) — {summary}"
        )


if __name__ == "__main__":
    main()
