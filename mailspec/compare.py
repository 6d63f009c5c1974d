"""``mailspec compare``: the conformance suite against several targets, side by side.

    mailspec compare TARGET [TARGET ...] [--jobs N] [--output DIR] [--baseline-dir DIR]
                     [--strict-baseline] [--progress MODE] [-- pytest options]

Each target runs as its own pytest process (the installed suites, like ``mailspec``),
several at once, each writing ``OUT/NAME.json`` (results), ``OUT/NAME.xml`` (JUnit) and
``OUT/NAME.log`` (its output). While they run, a line per target shows its progress; at
the end a summary table and the conformance matrix ``OUT/matrix.html``.

A TARGET is ``[NAME=]SPEC [pytest options for this target]`` (one shell word):
``reference``, ``ref2=reference``, ``pop3://u:p@127.0.0.1:1100``,
``"mbox=dovecot --server-variant mbox"``. Without ``NAME=`` the name is derived from
the spec (credentials left out). Exit codes: docs/reports.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mailspec.compare_progress import ENV as PROGRESS_ENV

# Exit codes of a run (pytest's, plus 6 for a stale baseline), docs/reports.md.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL = 3
EXIT_USAGE = 4
EXIT_NO_TESTS = 5
EXIT_BASELINE_STALE = 6
# Which child exit code decides the compare's own, most relevant first: a target that
# crashed or could not be used leaves a hole in the comparison, so it outranks failures.
PRECEDENCE = (
    EXIT_INTERNAL,
    EXIT_USAGE,
    EXIT_INTERRUPTED,
    EXIT_FAILED,
    EXIT_NO_TESTS,
    EXIT_BASELINE_STALE,
)
EXIT_MEANING = {
    EXIT_OK: "ok",
    EXIT_FAILED: "tests failed",
    EXIT_INTERRUPTED: "interrupted",
    EXIT_INTERNAL: "internal error",
    EXIT_USAGE: "target not usable",
    EXIT_NO_TESTS: "no tests collected",
    EXIT_BASELINE_STALE: "baseline stale",
}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RESERVED = frozenset({"matrix", "compare"})  # OUT/matrix.html, OUT/compare.json
STOP_TIMEOUT = 30.0  # seconds the children get to clean up after Ctrl-C


class UsageError(Exception):
    pass


# -- targets --------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    spec: str
    options: list[str]  # pytest options for this target only


CREDENTIALS = re.compile(r"^([a-z0-9+.-]+://)[^/]*@", re.IGNORECASE)
PASSWORD = re.compile(r"(?<=[a-z0-9+.-]://)([^/:@\s]*):[^/\s]*@", re.IGNORECASE)


def redact(text: str) -> str:
    """``pop3://alice:secret@host`` as ``pop3://alice:***@host``, for logs and summaries."""
    return PASSWORD.sub(r"\1:***@", text)


def safe_name(text: str) -> str:
    """A file name for a target spec: credentials dropped, unsafe characters as '-'."""
    text = CREDENTIALS.sub(r"\1", text.strip())
    name = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-._")
    return name or "target"


def parse_target(argument: str) -> tuple[str | None, str, list[str]]:
    words = shlex.split(argument)
    if not words:
        raise UsageError("an empty target")
    first, options = words[0], words[1:]
    name: str | None = None
    label, sep, rest = first.partition("=")
    if sep and "/" not in label and ":" not in label:
        if not NAME.fullmatch(label):
            raise UsageError(f"{label!r} is not a usable name (letters, digits, . _ -)")
        if label in RESERVED:
            raise UsageError(f"{label!r} is reserved (OUT/{label}.*); choose another name")
        name, first = label, rest
    if not first:
        raise UsageError(f"no target spec in {argument!r}")
    return name, first, options


def parse_targets(arguments: Sequence[str]) -> list[Target]:
    parsed = [parse_target(argument) for argument in arguments]
    explicit = [name for name, _, _ in parsed if name]
    for name in explicit:
        if explicit.count(name) > 1:
            raise UsageError(f"two targets are named {name!r}")
    used = set(explicit)
    targets = []
    for name, spec, options in parsed:
        if name is None:
            base = safe_name(" ".join([spec, *options]))
            if base in RESERVED:
                base += "-target"
            name, number = base, 2
            while name in used:
                name, number = f"{base}-{number}", number + 1
            used.add(name)
        targets.append(Target(name, spec, options))
    return targets


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


# -- progress display -----------------------------------------------------------------

SHORT = (
    ("failed", "failed"),
    ("error", "errors"),
    ("known", "known"),
    ("deviation-should", "SHOULD"),
    ("deviation-may", "MAY"),
    ("skipped", "skipped"),
)


def progress_line(child: Child, width: int) -> str:
    name = child.target.name.ljust(width)
    if child.state == "waiting":
        return f"{name}  waiting"
    if child.state == "not started":
        return f"{name}  not started"
    total = "?" if child.total is None else str(child.total)
    parts = [f"{child.done:>4}/{total:<4}"]
    parts += [f"{child.counts[key]} {word}" for key, word in SHORT if child.counts.get(key)]
    text = "  ".join(parts)
    if child.state == "starting" and not child.done:
        text = "starting"
    if child.state == "done":
        code = child.returncode
        meaning = EXIT_MEANING.get(code, "killed") if code is not None else "?"
        text += f"  exit {code} ({meaning})"
    return f"{name}  {text}  {child.elapsed:5.1f}s"


class Display:
    """On a terminal: one line per target, redrawn in place. Otherwise: plain lines, when
    a target starts, has collected, finishes, and every ``interval`` seconds for the ones
    that moved on."""

    def __init__(self, children: list[Child], stream: TextIO, mode: str, interval: float):
        self.children = children
        self.stream = stream
        self.mode = mode
        self.interval = interval
        self.width = max(len(child.target.name) for child in children)
        self.drawn = 0
        self.began = time.monotonic()
        self.last_plain = self.began
        self.shown: dict[str, str] = {}
        self.milestones: dict[str, tuple[str, bool]] = {}

    def update(self, force: bool = False) -> None:
        if self.mode == "off":
            return
        if self.mode == "tty":
            self._redraw()
        else:
            self._plain(force)

    def _redraw(self) -> None:
        lines = [progress_line(child, self.width) for child in self.children]
        out = f"\x1b[{self.drawn}F" if self.drawn else ""
        out += "".join(f"\x1b[2K{line}\n" for line in lines)
        self.stream.write(out)
        self.stream.flush()
        self.drawn = len(lines)

    def _plain(self, force: bool) -> None:
        now = time.monotonic()
        periodic = force or now - self.last_plain >= self.interval
        if periodic:
            self.last_plain = now
        for child in self.children:
            if child.state in ("waiting", "not started"):
                continue
            key = child.target.name
            milestone = (child.state, child.total is not None)
            line = progress_line(child, self.width)
            moved = self.shown.get(key, "").rsplit("  ", 1)[0] != line.rsplit("  ", 1)[0]
            if self.milestones.get(key) != milestone or (periodic and moved):
                self.milestones[key] = milestone
                self.shown[key] = line
                self.stream.write(f"[{now - self.began:6.1f}s] {line}\n")
        self.stream.flush()


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


# -- the summary ----------------------------------------------------------------------


def counts_of(child: Child) -> dict[str, int] | None:
    """Outcome counts from the results file (None when the run wrote none)."""
    try:
        document = json.loads(child.results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    summary = document.get("summary") or {}
    return {str(key): int(value) for key, value in summary.items()}


# Summary columns: (title, outcomes added up). xpassed counts as passed and xfailed as
# skipped, as on the matrix.
COLUMNS = (
    ("passed", ("passed", "xpassed")),
    ("failed", ("failed",)),
    ("known", ("known",)),
    ("SHOULD/MAY", ("deviation-should", "deviation-may")),
    ("skipped", ("skipped", "xfailed")),
    ("errors", ("error",)),
)


def summary_rows(children: list[Child]) -> list[dict[str, Any]]:
    rows = []
    for child in children:
        counts = counts_of(child)
        spec = redact(shlex.join([child.target.spec, *child.target.options]))
        row: dict[str, Any] = {"target": child.target.name, "spec": spec}
        for title, outcomes in COLUMNS:
            row[title] = None if counts is None else sum(counts.get(o, 0) for o in outcomes)
        row["exit"] = child.returncode
        row["time"] = round(child.elapsed, 1) if child.started else None
        row["results"] = str(child.results) if counts is not None else None
        row["log"] = str(child.log)
        row["baseline"] = str(child.baseline) if child.baseline else None
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    titles = ["target", *(title for title, _ in COLUMNS), "exit", "time"]

    def cell(row: dict[str, Any], title: str) -> str:
        value = row.get(title)
        if value is None:
            return "-"
        if title == "time":
            return f"{value:.1f}s"
        return str(value)

    table = [titles] + [[cell(row, title) for title in titles] for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(titles))]
    lines = []
    for line in table:
        first = line[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(line[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]))
    return "\n".join(lines)


def last_error(log: Path) -> str:
    """The line that says why a run stopped: its last ``ERROR:`` line, else its last line."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith(("ERROR:", "INTERNALERROR>"))]
    if errors:
        return errors[-1].strip()
    text = [line for line in lines if line.strip()]
    return text[-1].strip() if text else ""


def overall_exit(children: list[Child], interrupted: bool) -> int:
    if interrupted:
        return EXIT_INTERRUPTED
    codes = set()
    for child in children:
        code = child.returncode
        codes.add(code if code in EXIT_MEANING else EXIT_INTERNAL)
    for code in PRECEDENCE:
        if code in codes:
            return code
    return EXIT_OK


def build_matrix(children: list[Child], path: Path) -> int:
    """The matrix from every results file there is; returns how many targets it shows."""
    from mailspec.fixtures.reporting.results_json import load_document
    from mailspec.reports.matrix import load_runs, render

    documents: list[tuple[str | None, dict[str, Any]]] = []
    for child in children:
        if child.results.is_file():
            documents.append((child.target.name, load_document(child.results)))
    if not documents:
        return 0
    path.write_text(render(load_runs(documents)), encoding="utf-8")
    return len(documents)


# -- command line ---------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        if "unrecognized arguments" in message:
            message += " (pytest options go after --, e.g. mailspec compare reference -- -n 2)"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    result = _Parser(
        prog="mailspec compare",
        description="Run the conformance suite against several targets side by side and "
        "build the conformance matrix.",
        epilog="Everything after -- goes to every pytest run (e.g. -- -k capa -n 2). "
        "Exit: 0 when every run exited 0; else the most relevant run's code: 3 internal "
        "error, 4 a target could not be used, 2 interrupted, 1 tests failed, 5 no tests, "
        "6 stale baseline (docs/reports.md).",
    )
    result.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="[NAME=]SPEC [pytest options for this target], e.g. reference, "
        "ref2=reference, pop3://u:p@host:110, 'mbox=dovecot --server-variant mbox'",
    )
    result.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1,
        help="runs at the same time (default: the number of CPUs, %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "-o", "--output", type=Path, default=Path("mailspec-compare"),
        help="folder for NAME.json, NAME.xml, NAME.log and matrix.html (default: %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "--baseline-dir", type=Path, default=None,
        help="pass --baseline DIR/NAME.toml to each target that has one",
    )  # fmt: skip
    result.add_argument(
        "--strict-baseline", action="store_true",
        help="passed to the runs that have a baseline (exit 6 when listed deviations pass)",
    )  # fmt: skip
    result.add_argument(
        "--progress", choices=("auto", "tty", "plain", "off"), default="auto",
        help="progress display: redrawn lines on a terminal (tty), plain lines (plain); "
        "auto picks by whether stdout is a terminal",
    )  # fmt: skip
    result.add_argument(
        "--progress-interval", type=float, default=10.0, metavar="SECONDS",
        help="plain progress: how often running targets are reported (default %(default)s)",
    )  # fmt: skip
    result.add_argument(
        "--stop-timeout", type=float, default=STOP_TIMEOUT, metavar="SECONDS",
        help="after Ctrl-C, how long the runs get to stop their servers before they are "
        "killed (default %(default)s)",
    )  # fmt: skip
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args_in:
        cut = args_in.index("--")
        args_in, extra = args_in[:cut], args_in[cut + 1 :]
    args = parser().parse_args(args_in)
    out = sys.stdout
    try:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        targets = parse_targets(args.targets)
        if args.baseline_dir is not None and not args.baseline_dir.is_dir():
            raise UsageError(f"--baseline-dir {args.baseline_dir}: not a folder")
        args.output.mkdir(parents=True, exist_ok=True)
    except (UsageError, OSError) as exc:
        print(f"mailspec compare: {exc}", file=sys.stderr)
        return EXIT_USAGE
    children = plan(
        targets,
        args.output,
        extra,
        baseline_dir=args.baseline_dir,
        strict_baseline=args.strict_baseline,
    )
    mode = args.progress
    if mode == "auto":
        mode = "tty" if out.isatty() and os.environ.get("TERM") != "dumb" else "plain"
    jobs = min(args.jobs, len(children))
    print(
        f"mailspec compare: {len(children)} target(s), {jobs} at a time, output in {args.output}/",
        file=out,
        flush=True,
    )
    for child in children:
        if child.baseline is not None:
            print(f"  {child.target.name}: baseline {child.baseline}", file=out)
    began = time.monotonic()
    display = Display(children, out, mode, args.progress_interval)
    completed = run_all(children, jobs, display, args.stop_timeout)
    wall = time.monotonic() - began

    rows = summary_rows(children)
    print("", file=out)
    print(format_table(rows), file=out)
    for row, child in zip(rows, children, strict=True):
        if child.returncode not in (0, None) or child.state == "not started":
            why = (
                "not started"
                if child.state == "not started"
                else f"exit {child.returncode} ({EXIT_MEANING.get(child.returncode, 'killed')})"
            )
            line = f"{row['target']}: {why}; log {child.log}"
            error = last_error(child.log) if child.state != "not started" else ""
            print(line + (f"\n    {error}" if error else ""), file=out)
    code = overall_exit(children, not completed)
    matrix = args.output / "matrix.html"
    try:
        shown = build_matrix(children, matrix)
    except (OSError, ValueError) as exc:
        print(f"matrix: not written: {exc}", file=out)
        shown = 0
        code = code or EXIT_INTERNAL
    if shown:
        print(f"matrix: {matrix} ({shown} target(s))", file=out)
    else:
        print("matrix: not written (no results files)", file=out)
    summary = {
        "exit": code,
        "interrupted": not completed,
        "wall_time": round(wall, 1),
        "matrix": str(matrix) if shown else None,
        "targets": rows,
    }
    (args.output / "compare.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    for child in children:
        child.progress.unlink(missing_ok=True)
    print(f"wall time {wall:.1f}s; exit {code} ({EXIT_MEANING[code]})", file=out, flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
