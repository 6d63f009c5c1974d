"""The child pytest runs: their command lines, starting, stopping, running them all."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailspec.compare.display import Display
from mailspec.compare.targets import Target, redact
from mailspec.compare_progress import ENV as PROGRESS_ENV

# -- child runs -----------------------------------------------------------------------


@dataclass
class Child:
    target: Target
    argv: list[str]
    results: Path
    junit: Path
    log: Path
    progress: Path
    baseline: Path | None
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    finished: float = 0.0
    returncode: int | None = None
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    offset: int = 0
    state: str = "waiting"  # waiting, starting, running, done, not started

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    @property
    def elapsed(self) -> float:
        if not self.started:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    def read_progress(self) -> bool:
        """Take in the lines the child has written since the last call."""
        try:
            with self.progress.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except OSError:
            return False
        end = chunk.rfind(b"\n")
        if end < 0:
            return False
        self.offset += end + 1
        for line in chunk[: end + 1].splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "collected":
                self.total = int(event.get("total", 0))
            elif event.get("event") == "test":
                outcome = str(event.get("outcome", "?"))
                self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if self.state == "starting" and (self.total is not None or self.counts):
            self.state = "running"
        return True


def plan(
    targets: list[Target],
    output: Path,
    extra: list[str],
    *,
    baseline_dir: Path | None,
    strict_baseline: bool,
) -> list[Child]:
    children = []
    for target in targets:
        results = output / f"{target.name}.json"
        junit = output / f"{target.name}.xml"
        baseline = None
        if baseline_dir is not None and (baseline_dir / f"{target.name}.toml").is_file():
            baseline = baseline_dir / f"{target.name}.toml"
        # `python -m mailspec`: the installed suites unless the options name tests.
        argv = [sys.executable, "-m", "mailspec", "--target", target.spec, *target.options]
        argv += ["-p", "no:cacheprovider", "-p", "mailspec.compare_progress"]
        # OPTION=PATH: pytest picks its rootdir from arguments that look like existing
        # paths before it knows the options, and an existing results file would move it.
        argv += [f"--results-json={results}", f"--junitxml={junit}"]
        if baseline is not None:
            argv.append(f"--baseline={baseline}")
            if strict_baseline:
                argv.append("--strict-baseline")
        argv += extra
        children.append(
            Child(
                target,
                argv,
                results,
                junit,
                output / f"{target.name}.log",
                output / f".{target.name}.progress",
                baseline,
            )
        )
    return children


def start(child: Child) -> None:
    for path in (child.results, child.junit, child.progress):
        path.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env[PROGRESS_ENV] = str(child.progress.resolve())
    with child.log.open("wb") as log:
        log.write(f"$ {redact(shlex.join(child.argv))}\n".encode())
        log.flush()
        # A session of its own: a Ctrl-C at the terminal reaches only `compare`, which
        # then interrupts each run exactly once (and can kill its whole group).
        child.process = subprocess.Popen(
            child.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    child.started = time.monotonic()
    child.state = "starting"


def _signal(child: Child, signum: int, *, group: bool = False) -> None:
    """Signal the child's pytest process, or its whole process group."""
    if child.process is None or child.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(child.process.pid, signum)
        else:
            os.kill(child.process.pid, signum)


# -- the run ----------------------------------------------------------------------------


def run_all(children: list[Child], jobs: int, display: Display, stop_timeout: float) -> bool:
    """Run the children, ``jobs`` at a time. Returns False when interrupted."""
    signals = {"count": 0}

    def on_signal(signum: int, frame: Any) -> None:
        signals["count"] += 1

    previous = {
        signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        waiting = list(children)
        running: list[Child] = []
        while waiting or running:
            if signals["count"]:
                for child in waiting:
                    child.state = "not started"
                _stop(running, display, stop_timeout, signals)
                return False
            while waiting and len(running) < jobs:
                child = waiting.pop(0)
                start(child)
                running.append(child)
            for child in list(running):
                child.read_progress()
                if child.process is not None and child.process.poll() is not None:
                    _finish(child)
                    running.remove(child)
            display.update()
            time.sleep(0.2)
        display.update(force=True)
        return True
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _finish(child: Child) -> None:
    assert child.process is not None
    child.returncode = child.process.returncode
    child.finished = time.monotonic()
    child.read_progress()
    child.state = "done"


def _stop(running: list[Child], display: Display, timeout: float, signals: dict) -> None:
    """Interrupt every running child (its providers stop their servers), wait, then kill."""
    seen = signals["count"]
    print(
        f"\ninterrupted: stopping {len(running)} run(s) (Ctrl-C again to kill them at once)",
        file=display.stream,
        flush=True,
    )
    display.drawn = 0  # a terminal display starts again below the message
    # pytest alone is interrupted: it stops its target's servers in its own cleanup
    # (with xdist, the controller stops its workers). Interrupting the whole group, as a
    # terminal's Ctrl-C would, could stop a server before the tests' cleanup used it.
    for child in running:
        _signal(child, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while running and time.monotonic() < deadline and signals["count"] == seen:
        for child in list(running):
            if child.process is not None and child.process.poll() is not None:
                _finish(child)
                running.remove(child)
        time.sleep(0.1)
    for child in running:
        _signal(child, signal.SIGKILL, group=True)
    for child in running:
        assert child.process is not None
        child.process.wait()
        _finish(child)
    display.update(force=True)
