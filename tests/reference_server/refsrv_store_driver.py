"""A process that drives the mbox store directly, for the storage kill tests.

    python refsrv_store_driver.py DATA setup
    python refsrv_store_driver.py DATA op NAME            one folder operation (see OPS)
    python refsrv_store_driver.py DATA hammer SEED MODEL  random operations until killed

Messages carry their marker in ``Subject:``; the folder model is
``{folder: {marker: [flags...]}}``. ``hammer`` prints, flushed, ``BEGIN <model after the
operation>`` before each operation and ``DONE`` once it returned: after a SIGKILL the
store must hold the last DONE model, or, if the last line is BEGIN, that one.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailspec.reference_server.storage import MboxStore
from mailspec.reference_server.storage.interface import AppendItem, Folder

USER = "mailspec1"
WHEN = datetime(2020, 5, 17, 8, 9, 10, tzinfo=UTC)
Model = dict[str, dict[str, list[str]]]


def message(marker: str, size: int = 300) -> bytes:
    body = (f"{marker} " * (size // (len(marker) + 1) + 1))[:size]
    lines = "\r\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    return f"Subject: {marker}\r\nFrom: driver@example.org\r\n\r\n{lines}\r\nFrom here\r\n".encode()


def marker_of(raw: bytes) -> str:
    return raw.split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode()


def uids_by_marker(folder: Folder) -> dict[str, int]:
    return {marker_of(folder.read(m.uid)): m.uid for m in folder.messages()}


def setup(store: MboxStore) -> None:
    for i in range(3):
        store.deliver(USER, message(f"inbox{i}"))
    for name in ("Src", "Dst", "Tree", "Tree/a", "Tree/b", "Gone"):
        store.create_folder(USER, name)
    src = store.open_folder(USER, "Src")
    for i in range(4):
        src.append(
            message(f"src{i}", 2000 * (i + 1)), flags=frozenset({"\\Seen"}), internal_date=WHEN
        )
    for name in ("Tree", "Tree/a", "Gone"):
        store.open_folder(USER, name).append(message(f"in-{name}"), flags=frozenset({"kw"}))


def op(store: MboxStore, name: str) -> None:
    src = store.open_folder(USER, "Src")
    uids = [m.uid for m in src.messages()]
    if name == "append":
        src.append(
            message("new", 3_000_000), flags=frozenset({"\\Flagged", "$x"}), internal_date=WHEN
        )
    elif name == "append-batch":  # RFC 3502 MULTIAPPEND: all three or none
        src.append_batch([
            AppendItem(message("batch0", 1_000_000), frozenset({"\\Seen"}), WHEN),
            AppendItem(message("batch1", 2_000_000)),
            AppendItem(message("batch2", 500), frozenset({"kw"}), WHEN),
        ])  # fmt: skip
    elif name == "flags":
        src.store_flags({uid: frozenset({"\\Answered", "k2"}) for uid in uids})
    elif name == "expunge":
        src.expunge(uids[::2])
    elif name == "copy":
        src.copy_to(uids, "Dst")
    elif name == "create":
        store.create_folder(USER, "New/Sub")
    elif name == "delete":
        store.delete_folder(USER, "Gone")
    elif name == "rename":
        store.rename_folder(USER, "Tree", "Moved/Tree")
    elif name == "rename-inbox":
        store.rename_folder(USER, "INBOX", "Old")
    else:
        raise SystemExit(f"unknown op {name}")
    print("DONE", flush=True)


def _by_marker(store: MboxStore, folder: str, picked: list[str]) -> tuple[Folder, list[int]]:
    f = store.open_folder(USER, folder)
    uids = uids_by_marker(f)
    return f, [uids[m] for m in picked]


def _store(store: MboxStore, folder: str, picked: list[str], flags: list[str]) -> None:
    f, uids = _by_marker(store, folder, picked)
    f.store_flags({uid: frozenset(flags) for uid in uids})


def _expunge(store: MboxStore, folder: str, picked: list[str]) -> None:
    f, uids = _by_marker(store, folder, picked)
    f.expunge(uids)


def _copy(store: MboxStore, folder: str, picked: list[str], target: str) -> None:
    f, uids = _by_marker(store, folder, picked)
    f.copy_to(uids, target)


def _append(store: MboxStore, folder: str, raw: bytes, flags: list[str]) -> None:
    store.open_folder(USER, folder).append(raw, flags=frozenset(flags), internal_date=WHEN)


def hammer(store: MboxStore, seed: int, model: Model) -> None:
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        marker = f"s{seed}n{n}"
        names = sorted(model)
        kind = rng.choice(["deliver", "append", "append", "flags", "expunge", "copy", "create",
                           "rename", "delete"])  # fmt: skip
        folder = rng.choice(names)
        after = {k: {m: list(f) for m, f in v.items()} for k, v in model.items()}
        call: tuple[Any, ...] | None = None
        if kind == "deliver":
            after["INBOX"][marker] = []
            raw = message(marker, rng.randrange(100, 150_000))
            call = (store.deliver, USER, raw)
        elif kind == "append":
            flags = sorted(rng.sample(["\\Seen", "\\Flagged", "kw", "$Junk"], rng.randrange(3)))
            after[folder][marker] = flags
            call = (_append, store, folder, message(marker, rng.randrange(100, 150_000)), flags)
        elif kind == "flags" and model[folder]:
            picked = rng.sample(sorted(model[folder]), min(3, len(model[folder])))
            flags = sorted(rng.sample(["\\Seen", "\\Deleted", "k1", "k2"], rng.randrange(3)))
            for m in picked:
                after[folder][m] = flags
            call = (_store, store, folder, picked, flags)
        elif kind == "expunge" and model[folder]:
            picked = rng.sample(sorted(model[folder]), (len(model[folder]) + 1) // 2)
            for m in picked:
                del after[folder][m]
            call = (_expunge, store, folder, picked)
        elif kind == "copy" and model[folder]:
            target = rng.choice(names)
            picked = [m for m in sorted(model[folder]) if m not in model[target]][:5]
            for m in picked:
                after[target][m] = list(model[folder][m])
            call = (_copy, store, folder, picked, target) if picked else None
        elif kind == "create":
            new = f"F{seed}x{n}" if rng.random() < 0.5 else f"L{seed}x{n}/F{n}"
            after[new] = {}
            call = (store.create_folder, USER, new)
        elif kind == "rename" and folder != "INBOX" and "/" not in folder:
            new = f"R{seed}x{n}"
            after[new] = after.pop(folder)
            call = (store.rename_folder, USER, folder, new)
        elif kind == "delete" and folder != "INBOX" and len(names) > 3 and "/" not in folder:
            del after[folder]
            call = (store.delete_folder, USER, folder)
        if call is None:
            continue
        print("BEGIN " + json.dumps(after), flush=True)
        call[0](*call[1:])
        print("DONE", flush=True)
        model = after


def main() -> None:
    data, command = Path(sys.argv[1]), sys.argv[2]
    store = MboxStore(data, lock_timeout=5.0)
    if command == "setup":
        setup(store)
    elif command == "op":
        op(store, sys.argv[3])
    elif command == "hammer":
        hammer(store, int(sys.argv[3]), json.loads(Path(sys.argv[4]).read_text()))


if __name__ == "__main__":
    main()
