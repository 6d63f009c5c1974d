"""The store's scaling figures (issue 9 / 10), printed, not asserted.

1. Delivery rate over one connection into an empty INBOX and into an INBOX already
   holding PREFILL messages: SMTP to the reference server, LMTP to Dovecot (when it is
   installed; the ``dovecot`` provider, as the suite starts it), in the same run,
   ROUNDS alternating rounds, median. Target: the full folder is no slower.
2. Flag-change cost (one message's flags, ``Folder.store_flags``) in a 10-message and
   in a PREFILL-message folder, in process.
3. A BIG-message folder (default 100,000), in process: the cost of what IMAP SELECT
   needs from the store (open_folder, messages(), uidnext, claim_recent) cold, for a
   second session, and after one more delivery, with the resident memory it takes;
   then the same folder behind the reference server: EXAMINE over IMAP (imaplib),
   three times, and the server's resident memory growth.

    python benchmarks/storage_delivery.py [--prefill 10000] [--messages 300] [--rounds 3]
        [--size 2000] [--big 100000] [--dovecot-variant maildir]
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import json
import smtplib
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mailspec.fixtures.core.target import Account, Target
from mailspec.fixtures.providers import dovecot, reference
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable
from mailspec.reference_server.storage import MboxStore
from mailspec.reference_server.storage.folder import new_message

LINE = b"The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnop\r\n"


def make_message(n: int, size: int) -> bytes:
    head = b"Subject: benchmark %d\r\nFrom: bench@example.org\r\n\r\n" % n
    return head + LINE * max(1, (size - len(head)) // len(LINE))


def deliver(target: Target, account: Account, messages: list[bytes]) -> float:
    """Seconds to deliver every message over one connection of the target's seed path."""
    assert target.seed is not None
    lmtp = target.seed.kind == "lmtp"
    client = (smtplib.LMTP if lmtp else smtplib.SMTP)(
        target.seed.host, target.seed.port, timeout=60
    )
    started = time.perf_counter()
    try:
        if lmtp:
            client.ehlo("bench")  # smtplib.LMTP sends LHLO for ehlo()
        for message in messages:
            client.sendmail("bench@example.org", [account.address], message)
    finally:
        client.quit()
    return time.perf_counter() - started


def prefill(target: Target, account: Account, count: int, size: int, connections: int = 4) -> float:
    per = [
        [make_message(n, size) for n in range(i, count, connections)] for i in range(connections)
    ]
    errors: list[BaseException] = []

    def run(batch: list[bytes]) -> None:
        try:
            deliver(target, account, batch)
        except BaseException as exc:  # reported below, the benchmark is void
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(b,)) for b in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{target.name}: prefill failed: {errors[0]!r}")
    return time.perf_counter() - started


@contextlib.contextmanager
def started(name: str, workdir: Path, variant: str | None) -> Iterator[Target | None]:
    provider = reference if name == "reference" else dovecot
    settings = ProviderSettings(
        workdir=workdir / name,
        accounts=2,
        tls=False,
        variant=None if name == "reference" else variant,
    )
    try:
        with provider.provide(settings) as target:
            yield target
    except ProviderUnavailable as exc:
        print(f"{name}: not run ({exc})")
        yield None


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def flag_cost(root: Path, count: int, size: int, changes: int = 300) -> float:
    """Milliseconds per store_flags of one message in a ``count``-message folder."""
    store = MboxStore(root)
    store.create_folder("bench", "F")
    folder = store.open_folder("bench", "F")
    fill(store, "F", count, size)
    uids = [m.uid for m in folder.messages()]
    started = time.perf_counter()
    for i in range(changes):
        folder.store_flags({uids[(i * 7919) % len(uids)]: frozenset({"\\Seen", f"k{i}"})})
    return (time.perf_counter() - started) / changes * 1000


def fill(store: MboxStore, name: str, count: int, size: int) -> None:
    """Bulk setup through the store's own append path, 1,000 records per append."""
    account = store.account("bench")
    fid = account.folder_id(name)
    assert fid is not None
    batch = [new_message(make_message(n, size), flags="", internal_date=None) for n in range(1000)]
    left = count
    while left > 0:
        account.files.append(fid, batch[: min(left, 1000)])
        left -= 1000


def big_folder(root: Path, count: int, size: int) -> None:
    store = MboxStore(root)
    store.create_folder("bench", "Big")
    started = time.perf_counter()
    fill(store, "Big", count, size)
    print(f"  setup: {count:,} messages appended in {time.perf_counter() - started:.1f} s")
    store = MboxStore(root)  # a fresh process's view: nothing cached
    before = rss_kib()
    t0 = time.perf_counter()
    folder = store.open_folder("bench", "Big")
    messages = folder.messages()
    folder.uidnext()
    recent = folder.claim_recent()
    cold = time.perf_counter() - t0
    grown = rss_kib() - before
    t0 = time.perf_counter()
    second = store.open_folder("bench", "Big")
    second.messages()
    second.uidnext()
    warm = time.perf_counter() - t0
    store.deliver("bench", make_message(0, size))  # INBOX: another folder, no effect
    store.open_folder("bench", "Big").append(make_message(1, size))
    t0 = time.perf_counter()
    after = folder.messages()
    incremental = time.perf_counter() - t0
    assert len(messages) == count and len(recent) == count and len(after) == count + 1
    print(f"  SELECT's store work, cold (open, messages(), uidnext, claim_recent): {cold:.3f} s")
    print(
        f"  resident memory for it: +{grown / 1024:.1f} MiB ({grown * 1024 / count:.0f} B/message)"
    )
    print(f"  a second session's SELECT (shared cache): {warm * 1000:.2f} ms")
    print(f"  messages() after one more append: {incremental * 1000:.2f} ms")


def server_rss_kib(workdir: Path) -> int:
    pid = json.loads((workdir / "ready.json").read_text())["pid"]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def imap_select(work: Path, count: int, size: int) -> None:
    """SELECT of a ``count``-message folder over IMAP (imaplib), the reference server's
    resident memory before and after; the folder is written before the server starts."""
    workdir = work / "reference-imap"
    store = MboxStore(workdir / "data")
    store.account("mailspec1")
    store.create_folder("mailspec1", "Big")
    account = store.account("mailspec1")
    fid = account.folder_id("Big")
    assert fid is not None
    batch = [new_message(make_message(n, size), flags="", internal_date=None) for n in range(1000)]
    for left in range(count, 0, -1000):
        account.files.append(fid, batch[: min(left, 1000)])
    del store, account
    settings = ProviderSettings(workdir=workdir, accounts=1, tls=False)
    with reference.provide(settings) as target:
        assert target.imap is not None
        before = server_rss_kib(workdir)
        timings = []
        for _ in range(3):
            client = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=120)
            client.login(target.accounts[0].user, target.accounts[0].password)
            started = time.perf_counter()
            status, data = client.select("Big", readonly=True)
            timings.append(time.perf_counter() - started)
            assert status == "OK" and int(data[0]) == count, (status, data)
            client.logout()
        grown = server_rss_kib(workdir) - before
    print(f"  IMAP EXAMINE over the wire: first {timings[0]:.3f} s, then "
          + ", ".join(f"{t:.3f} s" for t in timings[1:]))  # fmt: skip
    print(f"  server resident memory: +{grown / 1024:.1f} MiB after the SELECTs")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--prefill", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=300, help="measured per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=2000, help="approximate octets each")
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--dovecot-variant", default="maildir", choices=dovecot.VARIANTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        targets = {
            name: target
            for name in ("reference", "dovecot")
            if (target := stack.enter_context(started(name, work, args.dovecot_variant)))
        }
        for name, target in targets.items():
            seconds = prefill(target, target.accounts[1], args.prefill, args.size)
            print(f"{name}: prefilled {args.prefill:,} messages in {seconds:.1f} s (4 connections)")
        rates: dict[tuple[str, str], list[float]] = {}
        batch = [make_message(n, args.size) for n in range(args.messages)]
        for _ in range(args.rounds):
            for name, target in targets.items():
                for label, account in (("empty", target.accounts[0]), ("full", target.accounts[1])):
                    rate = len(batch) / deliver(target, account, batch)
                    rates.setdefault((name, label), []).append(rate)

        print(
            f"\ndelivery, one connection, {args.messages} messages of ~{args.size} octets per"
            f" round, median of {args.rounds} alternating rounds (SMTP to the reference"
            " server, LMTP to Dovecot)"
        )
        print(
            f"{'server':<10} {'empty INBOX':>14} {f'INBOX at {args.prefill:,}':>18} {'full/empty':>11}"
        )
        for name in targets:
            empty = statistics.median(rates[(name, "empty")])
            full = statistics.median(rates[(name, "full")])
            print(f"{name:<10} {empty:>10,.0f} /s {full:>14,.0f} /s {full / empty:>11.2f}")
            print("           rounds: " + ", ".join(
                f"{e:,.0f}/{f:,.0f}" for e, f in zip(rates[(name, "empty")], rates[(name, "full")], strict=True)
            ))  # fmt: skip
        if "dovecot" in targets:
            ref, dov = (statistics.median(rates[(n, "full")]) for n in ("reference", "dovecot"))
            print(
                f"reference at {args.prefill:,} / Dovecot LMTP at {args.prefill:,}: {ref / dov:.2f}"
            )

        print("\nflag change (store_flags of one message), in process")
        for count in (10, args.prefill):
            with tempfile.TemporaryDirectory() as root:
                print(f"  {count:>7,} messages: {flag_cost(Path(root), count, args.size):.2f} ms")

        print(f"\n{args.big:,}-message folder, in process")
        with tempfile.TemporaryDirectory() as root:
            big_folder(Path(root), args.big, args.size)
        print(f"\n{args.big:,}-message folder, the reference server over IMAP")
        imap_select(work, args.big, args.size)


if __name__ == "__main__":
    main()
