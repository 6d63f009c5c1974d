"""Sensitivity: the POP3 suite must notice each deliberately broken reference server.

For every variant in ``broken_server.py`` the whole POP3 suite runs in a subprocess
(as a user would run it, from the repository root), with ``MAILSPEC_REFERENCE_LAUNCHER``
pointing the ``reference`` target at the broken variant. The run must fail (exit 1),
and the named tests that exist to catch that breakage must be among the failures. A
control run against the unbroken reference server (no launcher override) must pass
everything, those named tests included; otherwise "exit 1" would prove nothing.

Each run takes about 10 s (variants that fail the Hypothesis tests take longer); the
runs are independent, so ``-n 2`` works too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import harness
from .broken_server import VARIANTS
from .harness import SuiteRun

HERE = Path(__file__).resolve().parent
BROKEN_SERVER = HERE / "broken_server.py"
MINIMUM_CAUGHT = 8  # the acceptance requirement's floor

# variant -> the mailspec ids of the suite tests that MUST fail against it: the tests
# written for exactly that requirement. Other tests may fail too (the assertion
# messages list everything a variant breaks); these are the ones that have to.
CATCHERS: dict[str, tuple[str, ...]] = {
    # LIST n / LIST say size + 1; RETR sends size octets.
    "list-size-off-by-one": (
        "pop3/rfc1939/5/list-size-matches-retr",
        "pop3/rfc1939/10/size-counts-crlf-line-ends",
        "pop3/rfc1939/5/list-count-matches-stat",
    ),
    # DELE, then the connection drops without QUIT: the message is gone.
    "commit-on-drop": (
        "pop3/rfc1939/6/dropped-connection-removes-nothing",
        "pop3/rfc1939/6/new-session-starts-with-nothing-deleted",
    ),
    # The same message has another unique-id in the next session.
    "unstable-uidl": (
        "pop3/rfc1939/7/unique-ids-persist-across-sessions",
        "pop3/rfc1939/7/unique-id-survives-renumbering",
    ),
    # RETR and TOP send lines starting with '.' unstuffed.
    "no-dot-stuffing": (
        "pop3/rfc1939/3/dot-lines-are-byte-stuffed-on-the-wire",
        "pop3/rfc1939/3/unstuffed-dot-lines-equal-what-was-delivered",
        "pop3/rfc1939/7/top-byte-stuffs-dot-lines",
    ),
    # DELE of a message already marked as deleted answers +OK.
    "dele-twice-accepted": (
        "pop3/rfc1939/5/dele-twice-is-an-error",
        "pop3/rfc1939/5/bad-message-argument-is-rejected[DELE-deleted]",
    ),
    # RSET answers +OK but the messages stay marked as deleted.
    "rset-forgets": (
        "pop3/rfc1939/5/rset-unmarks-deleted-messages",
        "pop3/rfc1939/5/rset-allows-deleting-again",
        "pop3/rfc1939/6/rset-then-quit-removes-nothing",
    ),
    # STAT after DELE still counts the deleted message.
    "stat-counts-deleted": ("pop3/rfc1939/5/stat-excludes-deleted-messages",),
    # TOP msg n sends the whole message.
    "top-ignores-count": (
        "pop3/rfc1939/7/top-sends-header-blank-line-and-n-body-lines[5]",
        "pop3/rfc1939/7/top-header-equals-retr-header[plain]",
        "pop3/rfc2449/6.1/announced-top-works",
    ),
    # STAT answers +OK before login.
    "transaction-before-login": (
        "pop3/rfc1939/5/transaction-command-in-authorization-is-rejected[STAT-greeting]",
        "pop3/rfc1939/5/transaction-command-in-authorization-is-rejected[STAT-USER]",
    ),
    # QUIT answers +OK but removes nothing.
    "quit-commits-nothing": ("pop3/rfc1939/6/quit-removes-messages-marked-as-deleted",),
    # After DELE 1, "LIST 2" names what was message 3.
    "renumber-after-dele": ("pop3/rfc1939/5/numbers-stay-fixed-after-dele",),
    # The replies to NOOP and STAT end in a bare LF.
    "bare-line-feeds": (
        "pop3/rfc1939/3/status-lines-end-in-crlf-only",
        "pop3/rfc1939/5/noop-answers-ok",
        "pop3/rfc1939/5/stat-counts-messages-and-octets",
    ),
    # CAPA announces TOP; TOP answers -ERR.
    "capa-without-top": (
        "pop3/rfc2449/6.1/announced-top-works",
        "pop3/rfc1939/7/top-sends-header-blank-line-and-n-body-lines[5]",
    ),
    # A second login gets in. The first session still reads its snapshot (the file is
    # replaced, its descriptor keeps the old inode), so only the lock test sees it.
    "no-maildrop-lock": ("pop3/rfc1939/4/second-login-refused-while-maildrop-is-held",),
    # Bare LFs in every multi-line reply: the framing tests fail, and (tested in
    # test_framing_cascade.py) no test errors in its cleanup.
    "bare-lf-in-listings": (
        "pop3/rfc1939/3/multiline-lines-end-in-crlf-only",
        "pop3/rfc1939/3/multiline-response-ends-with-a-single-dot-line",
    ),
    # No multi-line reply ever ends. Each read waits --io-timeout (5 s): ~125 of them
    # took a run past 10 minutes; after three in a row the wait is shortened, so this
    # run ends in about 2 minutes (RUN_TIMEOUT bounds it). Tests needing seeded mail
    # error (the maildrop cannot be listed); the CAPA framing tests fail.
    "unterminated-listings": (
        "pop3/rfc2449/5/capa-answers-multiline-ok[authorization]",
        "pop3/rfc2449/5/capa-answers-multiline-ok[transaction]",
    ),
    # TOP works (wrongly) but is not announced: RFC 1939's TOP tests still run.
    "unannounced-top-ignores-count": (
        "pop3/rfc1939/7/top-sends-header-blank-line-and-n-body-lines[5]",
    ),
}

# Variants no suite test catches (suite gaps, reported rather than papered over):
# none at present. A variant listed here is left out of the parametrization.
SUITE_GAPS: dict[str, str] = {}

def run_suite(tmp_path: Path, variant: str | None) -> SuiteRun:
    """The whole POP3 suite against the reference server or one of its broken variants."""
    return harness.run_suite(tmp_path, ["suites/pop3"], launcher=BROKEN_SERVER, variant=variant)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    return run_suite(tmp_path_factory.mktemp("reference"), None)


def test_every_variant_is_covered():
    """Each variant in broken_server.py has catchers or is a documented suite gap, and
    at least the acceptance floor of variants is checked."""
    assert sorted(CATCHERS.keys() | SUITE_GAPS.keys()) == sorted(VARIANTS)
    assert not CATCHERS.keys() & SUITE_GAPS.keys()
    assert len(CATCHERS) >= MINIMUM_CAUGHT, f"only {len(CATCHERS)} variants are checked"
    assert all(CATCHERS.values())


def test_reference_passes_every_catcher(reference_run: SuiteRun):
    """The control: the unbroken reference server passes the whole suite, so every
    named catcher exists and can pass."""
    outcomes = reference_run.outcomes()
    assert reference_run.results is not None, reference_run.describe()
    catchers = sorted({i for ids in CATCHERS.values() for i in ids})
    not_passed = {i: outcomes.get(i, "not run") for i in catchers if outcomes.get(i) != "passed"}
    assert not not_passed, (
        f"catchers that do not pass against the reference server: {not_passed}\n"
        + reference_run.describe()
    )
    assert reference_run.returncode == 0, reference_run.describe()


@pytest.mark.parametrize("variant", sorted(CATCHERS))
def test_suite_catches_broken_variant(variant: str, tmp_path: Path):
    run = run_suite(tmp_path, variant)
    assert run.results is not None, f"no results file\n{run.describe()}"
    assert run.returncode == 1, f"expected exit 1 (tests failed)\n{run.describe()}"
    outcomes = run.outcomes()
    missed = {
        i: outcomes.get(i, "not run") for i in CATCHERS[variant] if outcomes.get(i) != "failed"
    }
    assert not missed, (
        f"expected catchers of {variant!r} that did not fail: {missed}\n{run.describe()}"
    )


def test_a_framing_deviation_does_not_cascade_into_errors(tmp_path: Path):
    """Bare LFs in every listing used to make each test's seeded-mail cleanup fail:
    325 errors on top of the failures. The suite's own scans and cleanup read leniently
    on fresh connections, and a connection that broke is dropped, so the deviation
    shows only as failed tests."""
    run = run_suite(tmp_path, "bare-lf-in-listings")
    assert run.results is not None, run.describe()
    errors = sorted(i for i, outcome in run.outcomes().items() if outcome == "error")
    assert not errors, f"{len(errors)} tests errored\n{run.describe()}"
