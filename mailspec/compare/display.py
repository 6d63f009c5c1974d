"""The progress display: one line per target, redrawn on a TTY, plain lines in CI."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TextIO

from mailspec.compare.exits import EXIT_MEANING

# -- progress display -----------------------------------------------------------------

SHORT = (
    ("failed", "failed"),
    ("error", "errors"),
    ("known", "known"),
    ("deviation-should", "SHOULD"),
    ("deviation-may", "MAY"),
    ("skipped", "skipped"),
)

if TYPE_CHECKING:
    from mailspec.compare.runs import Child


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
