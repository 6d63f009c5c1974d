"""Fixtures for the report and gate tests: a stand-in POP3 server and a sample suite.

The plugin probes its target before any test runs, so pytester runs need a server; the
sample tests only use the ``rfc`` marker and plain checks, so a server that answers
``+OK`` to everything (``-ERR`` to CAPA) is enough and keeps the runs fast.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

pytest_plugins = ["pytester"]


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"+OK fake POP3 ready\r\n")
        for line in self.rfile:
            command = line.strip().split(b" ", 1)[0].upper()
            if command == b"CAPA":
                self.wfile.write(b"-ERR no CAPA here\r\n")
                continue
            self.wfile.write(b"+OK\r\n")
            if command == b"QUIT":
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture(scope="session")
def fake_pop3() -> Iterator[str]:
    """A ``--target`` URL of a POP3 server that says +OK to everything (any login)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"pop3://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SAMPLE_SUITE = '''
import os

import pytest
from mailspec.fixtures.requirements import expect


@pytest.mark.rfc(1939, "5", "MUST")
def test_list_answers():
    """LIST answers +OK."""


@pytest.mark.rfc(1939, "5", "MUST")
def test_stat_counts(pop3):
    """STAT answers +OK, the count and the size."""
    client = pop3.login()
    reply = client.command("STAT")
    expect(os.environ.get("SAMPLE_STAT") != "broken", "STAT of a maildrop",
           expected="+OK 1 120", actual=f"{reply} 1 121")


@pytest.mark.rfc(2449, "6.6", "SHOULD")
def test_pipelining_batch():
    """A server announcing PIPELINING processes a batch of commands."""
    assert os.environ.get("SAMPLE_PIPE") != "broken", "the batch lost a reply"


@pytest.mark.rfc(1939, "7", "MAY")
@pytest.mark.parametrize("argument", ["zero", "minus"])
def test_uidl_argument(argument):
    """UIDL with a bad argument answers -ERR."""


@pytest.mark.rfc(2449, "6.1", "MUST")
def test_top_needs_capability():
    """TOP answers the header and the first lines."""
    pytest.skip("CAPA does not announce TOP")
'''


@pytest.fixture
def sample(pytester: pytest.Pytester, fake_pop3: str, monkeypatch: pytest.MonkeyPatch):
    """The sample suite in a pytester folder; ``sample.run(*args)`` runs it against the
    stand-in server (``workers=2`` runs it under xdist with an account per worker)."""
    monkeypatch.delenv("SAMPLE_STAT", raising=False)
    monkeypatch.delenv("SAMPLE_PIPE", raising=False)
    pytester.makepyfile(test_sample=SAMPLE_SUITE)

    class Sample:
        path = pytester.path
        target = fake_pop3

        @staticmethod
        def run(*args: str, workers: int = 0) -> pytest.RunResult:
            accounts = ["--user", "u%d", "--users", "1-2", "--password", "p"]
            extra = ["-n", str(workers), "-p", "no:benchmark"] if workers else []
            return pytester.runpytest(
                "-p", "no:cacheprovider", "--target", fake_pop3, *accounts, *extra, *args
            )

        @staticmethod
        def breaks(name: str) -> None:
            monkeypatch.setenv(f"SAMPLE_{name.upper()}", "broken")

        @staticmethod
        def heals(name: str) -> None:
            monkeypatch.delenv(f"SAMPLE_{name.upper()}", raising=False)

    return Sample
