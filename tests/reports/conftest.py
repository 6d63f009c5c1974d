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

from .sample_suite import SAMPLE_SUITE

# Inner runs: no cache folder; no pytest-benchmark, which warns (an error here) whenever
# it sees xdist, as it does when these tests themselves run under -n.
PLAIN = ("-p", "no:cacheprovider", "-p", "no:benchmark")


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
            extra = ["-n", str(workers)] if workers else []
            return pytester.runpytest(*PLAIN, "--target", fake_pop3, *accounts, *extra, *args)

        @staticmethod
        def breaks(name: str) -> None:
            monkeypatch.setenv(f"SAMPLE_{name.upper()}", "broken")

        @staticmethod
        def heals(name: str) -> None:
            monkeypatch.delenv(f"SAMPLE_{name.upper()}", raising=False)

    return Sample
