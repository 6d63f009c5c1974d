"""IMAP speed and footprint, the reference server beside Dovecot (printed figures).

Starts the reference server (the ``reference`` provider) and, when installed, Dovecot
(the ``dovecot`` provider) and does the same work on both, over the standard library's
``imaplib`` (the client is not what is measured):

* folders: FOLDERS folders (``bench/f0001`` ...), then the median latency of
  ``LIST "" *`` and of ``STATUS <folder> (MESSAGES UIDNEXT UNSEEN)``;
* a folder of MESSAGES messages (written into the store as below, or APPENDed with
  ``--append``; one in fifty \\Flagged), EXAMINEd once, then the median of ROUNDS
  rounds of ``SELECT`` (EXAMINE), ``FETCH 1:* (FLAGS UID)``, ``UID SEARCH TEXT
  <word>``, and of 10 x ROUNDS single-message ``FETCH n BODY[]`` and ``FETCH n
  BODY.PEEK[]`` (the mailbox is read-only, so neither changes \\Seen);
* a folder of LARGE messages (default 100,000; ``--large 0`` skips it), written
  straight into each server's own store (the reference server's mbox, Dovecot's
  Maildir: APPEND would take most of an hour), then the first SELECT (which indexes the
  new messages), the median of ROUNDS more, and the resident memory (VmRSS) of the
  process serving the connection before and after: the reference server's process,
  Dovecot's ``imap`` process of that session;
* idle connections (reference only; Dovecot forks a process per connection, whose
  memory is not comparable this way): a server of the benchmark's own, started with
  its connection limits raised above IDLE_CONNECTIONS, its RSS after one warm-up login,
  then with IDLE_CONNECTIONS connections logged in with INBOX selected and idle.

    python benchmarks/imap_side_by_side.py [--folders 1000] [--messages 10000]
        [--rounds 5] [--large 100000] [--idle-connections 1000] [--no-dovecot] [--append]

Every figure the issues name is printed with the ratio reference / Dovecot and a
verdict. Targets (issues 9 and 10): within 2x of Dovecot on each figure; 1,000 idle
connections under 100 MB in total.
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers import dovecot, reference
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable
from mailspec.fixtures.providers.local_process import mail_user

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
NEEDLE = "zanzibar"  # in one message of a hundred
DATE = 1764583200  # Tue, 01 Dec 2026 10:00:00 +0000, the messages' Date:
Figures = dict[str, float]


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
    client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=300)
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


# -- processes and their memory ---------------------------------------------------------
def _socket_inodes(local_port: int, remote_port: int | None) -> set[str]:
    """Inodes of the TCP sockets on ``local_port`` (LISTEN when ``remote_port`` is None,
    else connected to ``remote_port``), from /proc/net/tcp."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if not fields[1].endswith(f":{local_port:04X}"):
                    continue
                if remote_port is None:
                    wanted = fields[3] == "0A"  # LISTEN
                else:
                    wanted = fields[2].endswith(f":{remote_port:04X}")
                if wanted:
                    inodes.add(fields[9])
    return inodes


def _holders(inodes: set[str]) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                link = str(fd.readlink())
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.append(int(proc.name))
                    break
    return pids


def serving_pid(target: Target, client: imaplib.IMAP4) -> int | None:
    """The process holding the server's end of this client's connection: the
    reference server, or the Dovecot ``imap`` process of this session."""
    assert target.imap is not None
    pids = _holders(_socket_inodes(target.imap.port, client.sock.getsockname()[1]))
    for pid in pids:  # Dovecot: the imap process, not a login process still holding it
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().strip() == "imap":
                return pid
    return pids[0] if pids else None


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- filling folders --------------------------------------------------------------------
def folders_figures(target: Target, count: int, rounds: int) -> Figures:
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
            "LIST names": listing,
            'LIST "" * (ms)': median_ms(lambda: ok(client.list('""', "*")), rounds),
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


def _reference_mbox(target: Target, folder: str) -> Path:
    """The mbox of ``folder``: the provider's data folder is beside its log."""
    log = Path(dict(target.info)["log"])
    return log.parent / "data" / "mail" / target.accounts[0].user / f"{folder}.mbox"


def _dovecot_maildir(workdir: Path, user: str, folder: str) -> Path:
    """``~/Maildir/.<folder>`` of ``user``: the home is in the passwd file that the
    provider's dovecot.conf names."""
    config = (workdir / "dovecot.conf").read_text()
    passwd = re.search(r"args = scheme=PLAIN (\S+)", config)
    assert passwd is not None, "no passwd-file in dovecot.conf"
    for line in Path(passwd.group(1)).read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return Path(fields[5]) / "Maildir" / f".{folder}"
    raise SystemExit(f"no home for {user} in {passwd.group(1)}")


def fill_directly(target: Target, workdir: Path, folder: str, count: int) -> float:
    """Write ``count`` messages straight into the server's store (after CREATE over
    IMAP, so the server made the folder itself); returns seconds. The reference
    server finds an mbox grown at the end by another tool and indexes the new records
    at the next access (storage/__init__.py, "Foreign changes"); Dovecot finds new
    files in a Maildir's cur/ and gives them UIDs at the next SELECT."""
    client = connect(target)
    try:
        ok(client.create(folder))
    finally:
        client.logout()
    started = time.perf_counter()
    if target.name == "reference":
        from mailspec.reference_server.storage import mboxrd  # the store's own format

        with open(_reference_mbox(target, folder), "ab") as out:
            for n in range(1, count + 1):
                wire = mboxrd.normalize_crlf(message(n))
                out.write(mboxrd.encode_record(wire, "bench@example.org", DATE))
            out.flush()
            os.fsync(out.fileno())
    else:
        cur = _dovecot_maildir(workdir, target.accounts[0].user, folder) / "cur"
        owner = mail_user()
        if not cur.is_dir():  # Dovecot may leave cur/ to the first SELECT
            cur.mkdir(parents=True)
            if os.geteuid() == 0:
                os.chown(cur, owner.uid, owner.gid)
        stamp = int(time.time())
        for n in range(1, count + 1):
            path = cur / f"{stamp}.M{n}P{os.getpid()}.bench:2,"
            path.write_bytes(message(n).replace(b"\r\n", b"\n"))
            if os.geteuid() == 0:
                os.chown(path, owner.uid, owner.gid)
        os.utime(cur)
    return time.perf_counter() - started


# -- the figures ------------------------------------------------------------------------
def flag_every_fiftieth(target: Target, folder: str, count: int) -> None:
    """\\Flagged on one message in fifty, as ``fill`` APPENDs them (one STORE)."""
    client = connect(target)
    try:
        ok(client.select(folder))
        numbers = ",".join(str(n) for n in range(50, count + 1, 50))
        if numbers:
            ok(client.store(numbers, "+FLAGS.SILENT", r"(\Flagged)"))
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def folder_figures(target: Target, folder: str, count: int, rounds: int) -> Figures:
    client = connect(target)
    try:
        ok(client.select(folder, readonly=True))  # a folder written directly: indexed now
        select_ms = median_ms(lambda: ok(client.select(folder, readonly=True)), rounds)
        ok(client.select(folder, readonly=True))
        fetch_ms = median_ms(lambda: ok(client.fetch("1:*", "(FLAGS UID)")), rounds)
        found = ok(client.uid("SEARCH", "TEXT", NEEDLE))[0].split()
        expected = len([n for n in range(1, count + 1) if n % 100 == 7])
        if len(found) != expected:
            raise SystemExit(f"{target.name}: SEARCH TEXT found {len(found)}, not {expected}")
        search_ms = median_ms(lambda: ok(client.uid("SEARCH", "TEXT", NEEDLE)), rounds)
        n = str(count // 2)
        wanted = message(count // 2)
        body = ok(client.fetch(n, "(BODY[])"))[0][1]
        if body != wanted:
            raise SystemExit(f"{target.name}: FETCH {n} BODY[] is not the message appended")
        body_ms = median_ms(lambda: ok(client.fetch(n, "(BODY[])")), 10 * rounds)
        peek_ms = median_ms(lambda: ok(client.fetch(n, "(BODY.PEEK[])")), 10 * rounds)
        return {
            "SELECT (ms)": select_ms,
            "FETCH 1:* (FLAGS UID) (ms)": fetch_ms,
            f"UID SEARCH TEXT {NEEDLE} (ms)": search_ms,
            "FETCH n BODY[] (ms)": body_ms,
            "FETCH n BODY.PEEK[] (ms)": peek_ms,
        }
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def large_figures(target: Target, workdir: Path, count: int, rounds: int) -> Figures:
    print(f"{target.name}: writing {count} messages into its store ...", file=sys.stderr)
    written = fill_directly(target, workdir, "bench-large", count)
    client = connect(target)
    try:
        pid = serving_pid(target, client)
        before = rss_mib(pid) if pid else 0.0
        started = time.perf_counter()
        exists = ok(client.select("bench-large", readonly=True))[0]
        first_ms = (time.perf_counter() - started) * 1000
        if int(exists) != count:
            raise SystemExit(f"{target.name}: bench-large has {exists!r} messages, not {count}")
        again_ms = median_ms(lambda: ok(client.select("bench-large", readonly=True)), rounds)
        after = rss_mib(pid) if pid else 0.0
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    figures = {
        "written into the store (s)": written,
        "first SELECT, indexing them (ms)": first_ms,
        "SELECT (ms)": again_ms,
    }
    if pid:
        figures |= {
            "serving process RSS before SELECT (MiB)": before,
            "serving process RSS after SELECT (MiB)": after,
            "RSS growth by the folder (MiB)": after - before,
        }
    return figures


# -- idle connections (a reference server of our own) ----------------------------------
def _start_reference(workdir: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m mailspec.reference_server`` with ``extra`` options; (process, port)."""
    users = workdir / "users"
    users.write_text("bench:bench\n")
    ready = workdir / "ready.json"
    argv = [
        sys.executable, "-m", "mailspec.reference_server", "--data", str(workdir / "data"),
        "--users", str(users), "--host", "127.0.0.1", "--pop3-port", "0",
        "--imap-port", "0", "--smtp-port", "0", "--ready-file", str(ready), *extra,
    ]  # fmt: skip
    with open(workdir / "server.log", "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(
                "reference server did not start: " + (workdir / "server.log").read_text()
            )
        time.sleep(0.02)
    return process, int(json.loads(ready.read_text())["imap"])


def idle_figures(count: int) -> Figures:
    limit = str(count + 100)
    with tempfile.TemporaryDirectory(prefix="mailspec-bench-idle-") as tmp:
        process, port = _start_reference(
            Path(tmp), "--max-connections", limit, "--max-connections-per-address", limit
        )
        clients: list[imaplib.IMAP4] = []
        try:
            # One login first: the account's index and the session machinery are the
            # server's, not the connections'; then nothing but the connections.
            warm = imaplib.IMAP4("127.0.0.1", port, timeout=60)
            warm.login("bench", "bench")
            ok(warm.select("INBOX", readonly=True))
            warm.logout()
            time.sleep(0.5)
            before = rss_mib(process.pid)
            refused = ""
            for _ in range(count):
                client = imaplib.IMAP4("127.0.0.1", port, timeout=60)
                try:
                    client.login("bench", "bench")
                except imaplib.IMAP4.abort as exc:  # over the server's connection limit
                    refused = str(exc)
                    break
                ok(client.select("INBOX", readonly=True))
                clients.append(client)
            time.sleep(1)
            ok(clients[-1].noop())  # all answered: every one is in, and idle
            after = rss_mib(process.pid)
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    client.shutdown()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if refused:
        print(f"reference: connection {len(clients) + 1} refused: {refused}", file=sys.stderr)
    return {
        "connections held (logged in, INBOX selected)": len(clients),
        "server RSS before them (MiB)": before,
        "server RSS with them (MiB)": after,
        "RSS growth (MiB)": after - before,
        "per connection (KiB)": (after - before) * 1024 / max(1, len(clients)),
    }


# -- output -----------------------------------------------------------------------------
@contextlib.contextmanager
def started(
    provide: Callable[[ProviderSettings], contextlib.AbstractContextManager[Target]],
) -> Iterator[tuple[Target, Path]]:
    with (
        tempfile.TemporaryDirectory(prefix="mailspec-bench-") as workdir,
        provide(ProviderSettings(workdir=Path(workdir), accounts=1, tls=False)) as target,
    ):
        yield target, Path(workdir)


# Printed for the record, not a target: how long writing the files took, and the
# serving process's whole RSS (a Python interpreter beside a C process); the folder's
# memory is the growth.
UNJUDGED = frozenset(
    {
        "written into the store (s)",
        "LIST names",
        "serving process RSS before SELECT (MiB)",
        "serving process RSS after SELECT (MiB)",
    }
)


def verdict(key: str, ratio: float) -> str:
    """Within 2x of Dovecot: a rate (per second) may be half, anything else double."""
    if "/s)" in key:
        return "ok" if ratio >= 0.5 else "MISS"
    return "ok" if ratio <= 2.0 else "MISS"


def show(title: str, figures: dict[str, Figures], judged: bool = True) -> None:
    """ms and MiB: lower is better (ratio > 1: the reference is slower or bigger);
    messages/s: higher is better (ratio < 1: the reference is slower)."""
    names = list(figures)
    print(f"\n{title}")
    keys = list(dict.fromkeys(k for f in figures.values() for k in f))
    both = len(names) == 2
    header = "   ratio ref/dovecot  within 2x" if both else ""
    print(f"  {'':46}" + "".join(f"{n:>12}" for n in names) + header)
    for key in keys:
        values = [figures[n].get(key) for n in names]
        cells = "".join(f"{v:>12.2f}" if v is not None else f"{'-':>12}" for v in values)
        ratio = ""
        if both and values[0] and values[1] and judged and key not in UNJUDGED:
            r = values[0] / values[1]
            ratio = f"   {r:>8.2f}x            {verdict(key, r)}"
        print(f"  {key:46}{cells}{ratio}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folders", type=int, default=1000, help="0 skips the folders part")
    parser.add_argument("--messages", type=int, default=10000, help="0 skips it")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--large", type=int, default=100000, help="0 skips the large folder")
    parser.add_argument("--idle-connections", type=int, default=1000, help="0 skips them")
    parser.add_argument("--no-dovecot", action="store_true")
    parser.add_argument(
        "--append",
        action="store_true",
        help="fill the MESSAGES folder by APPEND (and print its rate) instead of writing "
        "the messages into the stores (the reference server's APPEND, an fsync'd "
        "transaction each, takes minutes for 10,000 on a slow disk)",
    )
    args = parser.parse_args(argv)
    # imaplib clients of the idle part, and the servers' limits derived from the fd
    # limit they inherit: raise it before anything starts.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.idle_connections + 1024)), hard)
    )

    providers: dict[str, Callable] = {"reference": reference.provide}
    if not args.no_dovecot and shutil.which("dovecot"):
        providers["dovecot"] = dovecot.provide
    folders: dict[str, Figures] = {}
    messages: dict[str, Figures] = {}
    large: dict[str, Figures] = {}
    for name, provide in providers.items():
        try:
            with started(provide) as (target, workdir):
                if args.folders:
                    print(f"{name}: {args.folders} folders ...", file=sys.stderr)
                    folders[name] = folders_figures(target, args.folders, args.rounds)
                if args.messages:
                    messages[name] = {}
                    if args.append:
                        print(f"{name}: APPEND {args.messages} messages ...", file=sys.stderr)
                        rate = fill(target, "bench-big", args.messages)
                        messages[name]["APPEND (messages/s)"] = rate
                    else:
                        print(f"{name}: writing {args.messages} messages ...", file=sys.stderr)
                        fill_directly(target, workdir, "bench-big", args.messages)
                        flag_every_fiftieth(target, "bench-big", args.messages)
                    messages[name] |= folder_figures(
                        target, "bench-big", args.messages, args.rounds
                    )
                if args.large:
                    large[name] = large_figures(target, workdir, args.large, args.rounds)
        except ProviderUnavailable as exc:
            print(f"{name}: not available ({exc})", file=sys.stderr)
        print(
            f"{name}: {folders.get(name)} {messages.get(name)} {large.get(name)}", file=sys.stderr
        )
    idle: dict[str, Figures] = {}
    if args.idle_connections:
        print(f"reference: {args.idle_connections} idle connections ...", file=sys.stderr)
        idle["reference"] = idle_figures(args.idle_connections)

    print(
        f"\nload average before the tables: {os.getloadavg()[0]:.2f} (1 min), on {os.cpu_count()} CPUs"
    )
    print("(ms, MiB: lower is better; messages/s: higher is better; ratio = reference / Dovecot)")
    if folders:
        show(f"Folders ({args.folders}; median of {args.rounds})", folders)
    if messages:
        show(f"A folder of {args.messages} messages (median of {args.rounds}; FETCH n: of "
             f"{10 * args.rounds})", messages)  # fmt: skip
    if large:
        show(f"A folder of {args.large} messages (SELECT: median of {args.rounds} after the first)",
             large)  # fmt: skip
    if idle:
        show(f"Idle connections (reference; target: {args.idle_connections} under 100 MB)", idle,
             judged=False)  # fmt: skip
        growth = idle["reference"]["RSS growth (MiB)"] * 1.048576  # MiB -> MB
        held = int(idle["reference"]["connections held (logged in, INBOX selected)"])
        print(f"  {held} connections: {growth:.1f} MB "
              f"({'ok' if held >= args.idle_connections and growth < 100 else 'MISS'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
