"""kill -9 inside IMAP folder operations: the store comes back in the state before the
operation or after it, never between; no half message, no duplicate, no leftovers."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mailspec.reference_server.storage import MboxStore
from refsrv_store_driver import USER, marker_of, message

DRIVER = Path(__file__).with_name("refsrv_store_driver.py")
State = dict[str, dict[str, Any]]


def driver(data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def run(data: Path, *args: str) -> None:
    proc = driver(data, *args)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def whole(raw: bytes) -> bool:
    """The message is exactly what refsrv_store_driver.message() wrote for its marker."""
    marker = marker_of(raw)
    body = raw.split(b"\r\n\r\n", 1)[1]
    text = body[: -len(b"\r\nFrom here\r\n")].replace(b"\r\n", b"")
    return raw == message(marker, len(text))


def state(data: Path) -> State:
    """What a fresh process sees: every selectable folder, its messages and flags."""
    store = MboxStore(data)
    out: State = {}
    for entry in store.list_folders(USER):
        if not entry.selectable:
            continue
        folder = store.open_folder(USER, entry.name)
        messages = []
        for m in folder.messages():
            raw = folder.read(m.uid)
            assert whole(raw), raw[:120]
            messages.append((m.uid, marker_of(raw), sorted(m.flags), m.internal_date.isoformat()))
        markers = [x[1] for x in messages]
        assert len(markers) == len(set(markers)), f"duplicate in {entry.name}: {markers}"
        out[entry.name] = {"uidvalidity": folder.uidvalidity, "messages": messages}
        folder.close()
    return out


def leftovers(data: Path) -> list[str]:
    """Temp files, dot-locks and dot-lock candidates (the flock files stay, by design)."""
    return [p.name for p in data.rglob("*") if ".tmp." in p.name or ".mbox.lock" in p.name]


def same(got: State, want: State) -> None:
    assert sorted(got) == sorted(want)
    for name, folder in want.items():
        assert got[name]["messages"] == folder["messages"], name
    # A folder that existed before keeps its UIDVALIDITY (new ones are time-based).
    for name in set(got) & set(want):
        if name in BEFORE_NAMES:
            assert got[name]["uidvalidity"] == want[name]["uidvalidity"], name


BEFORE_NAMES: set[str] = set()

CASES = [
    ("append", "append-mid", "before"),
    ("append", "append-after-fsync", "before"),  # fsync'd but never acknowledged
    ("append-batch", "append-mid", "before"),  # a MULTIAPPEND is all or nothing
    ("append-batch", "append-after-fsync", "before"),
    ("flags", "flags-before-commit", "before"),
    ("expunge", "rewrite-before-rename", "before"),
    ("expunge", "rewrite-after-rename", "after"),
    ("copy", "append-mid", "before"),  # a COPY is all or nothing
    ("copy", "append-after-fsync", "before"),
    ("create", "create-before-index", "after"),
    ("delete", "delete-before-index", "after"),
    ("rename", "rename-before-move", "after"),  # the intent is committed: rolled forward
    ("rename", "rename-mid", "after"),
    ("rename-inbox", "rename-before-move", "after"),
]


@pytest.mark.parametrize("operation,point,expect", CASES, ids=[f"{o}@{p}" for o, p, _ in CASES])
def test_kill_inside_folder_operation(
    tmp_path: Path, operation: str, point: str, expect: str
) -> None:
    data = tmp_path / "data"
    run(data, "setup")
    before = state(data)
    BEFORE_NAMES.clear()
    BEFORE_NAMES.update(before)
    reference = tmp_path / "reference"
    shutil.copytree(data, reference)
    run(reference, "op", operation)
    after = state(reference)
    assert after != before  # the operation does something visible

    marks = tmp_path / "marks"
    marks.mkdir()
    env = {"MAILSPEC_REF_CRASHPOINT_DIR": str(marks), "MAILSPEC_REF_CRASHPOINTS": point}
    proc = driver(data, "op", operation, env=env)
    deadline = time.monotonic() + 30
    while not (marks / point).exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"crash point {point} not reached"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    assert "DONE" not in out  # never acknowledged

    same(state(data), before if expect == "before" else after)
    assert leftovers(data) == []
    # The store goes on working, and UIDs are not reused.
    store = MboxStore(data)
    folder = store.open_folder(USER, "Src") if "Src" in before else None
    if folder is not None:
        new_uid = folder.append(message("later"))
        assert new_uid > max([m[0] for m in before["Src"]["messages"]], default=0)


def as_model(got: State) -> dict[str, dict[str, list[str]]]:
    return {name: {m[1]: m[2] for m in f["messages"]} for name, f in got.items()}


def test_hammer_kill_during_folder_operations(tmp_path: Path) -> None:
    """Random operations, SIGKILL at a random moment, eight times over."""
    rng = random.Random(3501)
    data = tmp_path / "data"
    model: dict[str, dict[str, list[str]]] = {"INBOX": {}}
    acknowledged = 0
    for round_ in range(8):
        model_file = tmp_path / f"model{round_}.json"
        model_file.write_text(json.dumps(model))
        proc = driver(data, "hammer", str(round_ + 1), str(model_file))
        time.sleep(rng.uniform(0.4, 1.2))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL, err
        lines = out.splitlines()
        acknowledged += sum(1 for line in lines if line == "DONE")
        done = model
        in_flight = None
        for line in lines:
            if line.startswith("BEGIN "):
                in_flight = json.loads(line[6:])
            elif line == "DONE":
                assert in_flight is not None
                done, in_flight = in_flight, None
        got = as_model(state(data))
        assert got in (done, in_flight), (round_, lines[-2:])
        assert leftovers(data) == []
        model = got
    print(f"hammer: {acknowledged} acknowledged operations, 8 kills, state always exact")
    assert acknowledged > 10
