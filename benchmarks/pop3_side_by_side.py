"""POP3 RETR and delivery speed, the reference server beside Dovecot (printed figures).

Starts the reference server (through the ``reference`` provider, so
``MAILSPEC_REFERENCE_LAUNCHER`` works) and, when it is installed, Dovecot (through the
``dovecot`` provider), and does the same work on both:

* delivery: N messages of about SIZE octets over one connection -- SMTP to the
  reference server, LMTP to Dovecot (each one's seeding path);
* RETR: every message over one POP3 session with the standard library's ``poplib``,
  one command at a time; ROUNDS rounds alternating between the servers, median.

Prints both figures and the ratio reference / Dovecot (>= 1.0: the reference is at
least as fast)::

    python benchmarks/pop3_side_by_side.py [--messages 1000] [--size 7000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import poplib
import smtplib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers import dovecot, reference
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable

LINE = b"The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnop\r\n"


def make_message(n: int, size: int) -> bytes:
    head = b"Subject: benchmark %d\r\nFrom: bench@example.org\r\n\r\n" % n
    return head + LINE * max(1, (size - len(head)) // len(LINE))


def deliver_all(target: Target, messages: list[bytes]) -> float:
    """Seconds to deliver every message over one connection of the target's seed path."""
    assert target.seed is not None
    account = target.accounts[0]
    client_class: Callable[..., smtplib.SMTP] = (
        smtplib.LMTP if target.seed.kind == "lmtp" else smtplib.SMTP
    )
    started = time.perf_counter()
    client = client_class(target.seed.host, target.seed.port, timeout=60)
    try:
        if target.seed.kind == "lmtp":
            client.ehlo("bench")  # LMTP's LHLO; smtplib.LMTP sends it as ehlo
        for message in messages:
            client.sendmail("bench@example.org", [account.address], message)
    finally:
        client.quit()
    return time.perf_counter() - started


def retr_all(target: Target, count: int) -> tuple[float, int]:
    """(seconds, octets) to RETR messages 1..count over one poplib session."""
    assert target.pop3 is not None
    account = target.accounts[0]
    client = poplib.POP3(target.pop3.host, target.pop3.port, timeout=60)
    try:
        client.user(account.user)
        client.pass_(account.password)
        found = client.stat()[0]
        if found != count:
            raise SystemExit(f"{target.name}: {found} messages in the maildrop, not {count}")
        octets = 0
        started = time.perf_counter()
        for n in range(1, count + 1):
            octets += client.retr(n)[2]
        elapsed = time.perf_counter() - started
    finally:
        client.quit()  # nothing was deleted: the next round finds the same messages
    return elapsed, octets


@contextlib.contextmanager
def started(name: str, workdir: Path) -> Iterator[Target | None]:
    provider = reference if name == "reference" else dovecot
    settings = ProviderSettings(workdir=workdir / name, accounts=1, tls=False)
    try:
        with provider.provide(settings) as target:
            yield target
    except ProviderUnavailable as exc:
        print(f"{name}: not run ({exc})")
        yield None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=7000, help="approximate octets each")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    messages = [make_message(n, args.size) for n in range(args.messages)]

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        targets = {
            name: target
            for name in ("reference", "dovecot")
            if (target := stack.enter_context(started(name, Path(tmp)))) is not None
        }
        delivery: dict[str, float] = {}
        for name, target in targets.items():
            delivery[name] = args.messages / deliver_all(target, messages)
        rates: dict[str, list[float]] = {name: [] for name in targets}
        octets: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, target in targets.items():
                elapsed, octets[name] = retr_all(target, args.messages)
                rates[name].append(args.messages / elapsed)

    print(f"{args.messages} messages of ~{args.size} octets, one session, stdlib poplib, "
          f"median of {args.rounds} alternating rounds")  # fmt: skip
    print(f"{'figure':<34} {'reference':>22} {'dovecot':>22} {'ratio':>6}")

    def row(label: str, values: dict[str, float], extra: Callable[[str, float], str]) -> None:
        cells = [
            f"{values[n]:,.0f} msg/s{extra(n, values[n])}" if n in values else "not run"
            for n in ("reference", "dovecot")
        ]
        ratio = f"{values['reference'] / values['dovecot']:.2f}" if len(values) == 2 else "-"
        print(f"{label:<34} {cells[0]:>22} {cells[1]:>22} {ratio:>6}")

    medians = {name: statistics.median(r) for name, r in rates.items()}

    def megabytes(name: str, rate: float) -> str:
        return f" ({rate * octets[name] / args.messages / 1e6:.1f} MB/s)"

    row("POP3 RETR", medians, megabytes)
    row("delivery, one connection", delivery, lambda n, r: "")
    for name, r in rates.items():
        print(f"  {name} RETR rounds: " + ", ".join(f"{x:,.0f}" for x in r))
    if "dovecot" in delivery:
        print("  delivery: SMTP to the reference server, LMTP to Dovecot")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
