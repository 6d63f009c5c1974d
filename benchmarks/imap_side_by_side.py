"""IMAP speed and footprint, the reference server beside Dovecot (printed figures).

Starts the reference server (the ``reference`` provider) and, when installed, Dovecot
(the ``dovecot`` provider) and does the same work on both, over the standard library's
``imaplib`` (the client is not what is measured):

* folders: FOLDERS folders (``bench/f0001`` ...), then the median latency of
  ``LIST "" *`` and of ``STATUS <folder> (MESSAGES UIDNEXT UNSEEN)``;
* a folder of MESSAGES messages (APPENDed, one in fifty \\Flagged), then the median of
  ROUNDS rounds of ``SELECT``, ``FETCH 1:* (FLAGS UID)``, ``UID SEARCH TEXT <word>`` and
  ``FETCH n BODY.PEEK[]`` (BODY.PEEK: the figure must not depend on \\Seen updates);
* idle connections: IDLE_CONNECTIONS logged-in connections held open (``SELECT INBOX``),
  the server's resident memory before and after, per connection (reference only: Dovecot
  forks a process per connection, whose memory is not comparable this way);
* --large N (reference only): SELECT time and server RSS for an N-message folder.

    python benchmarks/imap_side_by_side.py [--folders 1000] [--messages 10000]
        [--rounds 5] [--idle-connections 1000] [--large 100000] [--no-dovecot]

Targets (issues 9 and 10): within 2x of Dovecot on each figure; 1,000 idle connections
under 100 MB in total.
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers import dovecot, reference
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
NEEDLE = "zanzibar"  # in one message of a hundred


def message(n: int) -> bytes:
    word = WORDS[n % len(WORDS)]
    body = (f"Line {n} of the benchmark, about {word}.\r\n" * 40).encode()
    if n % 100 == 7:
        body += f"The rare word {NEEDLE} is here.\r\n".encode()
    return (
        f"From: Bench <bench{n}@example.org>\r\nTo: Alice <alice@example.org>\r\n"
        f"Subject: benchmark message {n} {word}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        f"Message-ID: <bench-{n}@example.org>\r\n\r\n"
    ).encode() + body


def connect(target: Target) -> imaplib.IMAP4:
    assert target.imap is not None
    client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=120)
    account = target.accounts[0]
    client.login(account.user, account.password)
    return client


def ok(result: tuple[str, list]) -> list:
    typ, data = result
    if typ != "OK":
        raise SystemExit(f"IMAP command failed: {typ} {data!r}")
    return data


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def server_pid(target: Target) -> int | None:
    """The PID listening on the target's IMAP port (from /proc), for its RSS."""
    assert target.imap is not None
    port = f"{target.imap.port:04X}"
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[1].endswith(f":{port}") and fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                link = str(fd.readlink())
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
    return None


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def folders_figures(target: Target, count: int, rounds: int) -> dict[str, float]:
    client = connect(target)
    try:
        started = time.perf_counter()
        for n in range(1, count + 1):
            ok(client.create(f"bench/f{n:04d}"))
        create_s = time.perf_counter() - started
        listing = len(ok(client.list('""', "*")))
        if listing < count:
            raise SystemExit(f"{target.name}: LIST shows {listing} folders, not {count}")
        middle = f"bench/f{count // 2:04d}"
        return {
            "CREATE (ms each)": create_s * 1000 / count,
            f'LIST "" * ({listing} names, ms)': median_ms(lambda: ok(client.list('""', "*")), rounds),
            "STATUS one folder (ms)": median_ms(
                lambda: ok(client.status(middle, "(MESSAGES UIDNEXT UNSEEN)")), rounds
            ),
        }
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def fill(target: Target, folder: str, count: int) -> float:
    client = connect(target)
    try:
        ok(client.create(folder))
        started = time.perf_counter()
        for n in range(1, count + 1):
            flags = r"(\Flagged)" if n % 50 == 0 else None
            ok(client.append(folder, flags, None, message(n)))
        return count / (time.perf_counter() - started)
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def folder_figures(target: Target, folder: str, count: int, rounds: int) -> dict[str, float]:
    client = connect(target)
    try:
        select_ms = median_ms(lambda: ok(client.select(folder, readonly=True)), rounds)
        ok(client.select(folder, readonly=True))
        fetch_ms = median_ms(lambda: ok(client.fetch("1:*", "(FLAGS UID)")), rounds)
        found = ok(client.uid("SEARCH", "TEXT", NEEDLE))[0].split()
        expected = len([n for n in range(1, count + 1) if n % 100 == 7])
        if len(found) != expected:
            raise SystemExit(f"{target.name}: SEARCH TEXT found {len(found)}, not {expected}")
        search_ms = median_ms(lambda: ok(client.uid("SEARCH", "TEXT", NEEDLE)), rounds)
        body_ms = median_ms(lambda: ok(client.fetch(str(count // 2), "(BODY.PEEK[])")), rounds)
        return {
            "SELECT (ms)": select_ms,
            "FETCH 1:* (FLAGS UID) (ms)": fetch_ms,
            f"UID SEARCH TEXT {NEEDLE} (ms)": search_ms,
            "FETCH n BODY.PEEK[] (ms)": body_ms,
        }
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def idle_figures(target: Target, count: int) -> dict[str, float]:
    pid = server_pid(target)
    if pid is None:
        return {}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    before = rss_mib(pid)
    clients = []
    refused = ""
    try:
        for _ in range(count):
            try:
                client = connect(target)
            except imaplib.IMAP4.error as exc:  # over the server's connection limit
                refused = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc)
                break
            ok(client.select("INBOX", readonly=True))
            clients.append(client)
        time.sleep(1)
        after = rss_mib(pid)
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                client.logout()
    if refused:
        print(f"{target.name}: connection {len(clients) + 1} refused: {refused}", file=sys.stderr)
    return {
        f"{len(clients)} idle connections: server RSS growth (MiB)": after - before,
        "per connection (KiB)": (after - before) * 1024 / max(1, len(clients)),
        "server RSS with them (MiB)": after,
    }


@contextlib.contextmanager
def started(provide: Callable[[ProviderSettings], contextlib.AbstractContextManager[Target]]) -> Iterator[Target]:
    with tempfile.TemporaryDirectory(prefix="mailspec-bench-") as workdir, provide(
        ProviderSettings(workdir=Path(workdir), accounts=1, tls=False)
    ) as target:
        yield target


def show(title: str, figures: dict[str, dict[str, float]]) -> None:
    """ms: lower is better (ratio > 1: the reference is slower); messages/s: higher is
    better (ratio < 1: the reference is slower)."""
    names = list(figures)
    print(f"\n{title}")
    keys = list(dict.fromkeys(k for f in figures.values() for k in f))
    print(f"  {'':44}" + "".join(f"{n:>14}" for n in names) + ("   ratio ref/dovecot" if len(names) == 2 else ""))
    for key in keys:
        values = [figures[n].get(key) for n in names]
        cells = "".join(f"{v:>14.2f}" if v is not None else f"{'-':>14}" for v in values)
        ratio = ""
        if len(values) == 2 and values[0] and values[1]:
            ratio = f"   {values[0] / values[1]:.2f}x"
        print(f"  {key:44}{cells}{ratio}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folders", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle-connections", type=int, default=1000)
    parser.add_argument("--large", type=int, default=0, help="reference only: an N-message folder")
    parser.add_argument("--no-dovecot", action="store_true")
    args = parser.parse_args(argv)
    # The servers inherit this process's fd limit and derive their connection limits from
    # it: raise it before they start, so that --idle-connections fit under them.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.idle_connections + 1024)), hard))

    providers: dict[str, Callable] = {"reference": reference.provide}
    if not args.no_dovecot and shutil.which("dovecot"):
        providers["dovecot"] = dovecot.provide
    folders: dict[str, dict[str, float]] = {}
    messages: dict[str, dict[str, float]] = {}
    idle: dict[str, dict[str, float]] = {}
    for name, provide in providers.items():
        try:
            with started(provide) as target:
                print(f"{name}: {args.folders} folders ...", file=sys.stderr)
                folders[name] = folders_figures(target, args.folders, args.rounds)
                print(f"{name}: APPEND {args.messages} messages ...", file=sys.stderr)
                rate = fill(target, "bench-big", args.messages)
                messages[name] = {"APPEND (messages/s)": rate}
                messages[name] |= folder_figures(target, "bench-big", args.messages, args.rounds)
                if name == "reference" and args.idle_connections:
                    print(f"{name}: {args.idle_connections} idle connections ...", file=sys.stderr)
                    idle[name] = idle_figures(target, args.idle_connections)
                if name == "reference" and args.large:
                    print(f"{name}: APPEND {args.large} messages ...", file=sys.stderr)
                    fill(target, "bench-large", args.large)
                    pid = server_pid(target)
                    client = connect(target)
                    try:
                        select_ms = median_ms(
                            lambda c=client: ok(c.select("bench-large", readonly=True)), args.rounds
                        )
                    finally:
                        client.logout()
                    idle.setdefault(name, {})
                    idle[name][f"SELECT of {args.large} messages (ms)"] = select_ms
                    if pid is not None:
                        idle[name]["server RSS after it (MiB)"] = rss_mib(pid)
        except ProviderUnavailable as exc:
            print(f"{name}: not available ({exc})", file=sys.stderr)
        print(f"{name}: {folders.get(name)} {messages.get(name)} {idle.get(name)}", file=sys.stderr)
    print("(ms: lower is better; messages/s: higher is better; ratio = reference / Dovecot)")
    show(f"Folders ({args.folders}; median of {args.rounds})", folders)
    show(f"A folder of {args.messages} messages (median of {args.rounds})", messages)
    if idle:
        show("Connections and large folders (reference)", idle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
