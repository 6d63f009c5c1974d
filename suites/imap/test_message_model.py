"""A model-based test of messages in two sessions (RFC 3501 §5.2, §6.4, §7.4.1), in the
spirit of imaptest's state tracking: Hypothesis runs APPEND, STORE, COPY, EXPUNGE,
FETCH and SEARCH in two sessions on one folder, and every answer is checked against a
mailbox model kept in the test.

The model is the true mailbox (UIDs in order, each with its flags and bytes). Each
session also keeps its *view* — the UIDs it has been told about — updated only from
the EXISTS / EXPUNGE responses it receives, as a client must (§7.4.1). Checks:

- a session's view, after NOOP, is the true mailbox (size updates MUST be sent, §5.2);
- an EXPUNGE response always names a message in the session's view, and never comes
  during FETCH, STORE or SEARCH (§7.4.1);
- FLAGS from FETCH equal the model's flags (\\Recent aside);
- SEARCH answers equal the suite's oracle on the model;
- UIDs never change and never come back (§2.3.1.1).

Every example works in a fresh folder of the sandbox. The hypothesis profile decides
the example count (fixtures/imap/hypothesis_profiles.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from mailspec.fixtures.imap import search_oracle as so
from mailspec.fixtures.imap.command_args import Astring, Literal
from mailspec.fixtures.imap.hypothesis_profiles import live
from mailspec.fixtures.requirements import Deviation, expect, expect_equal

from ._message_helpers import fetches, flag_set, search, search_arguments, select

FLAGS = ["\\Seen", "\\Flagged", "\\Answered", "\\Deleted", "$Model"]
WORDS = ["apple", "birch", "cedar"]
_counter = itertools.count(1)


class Session:
    def __init__(self, client, name: str) -> None:
        self.client = client
        self.name = name
        self.view: list[int] = []  # UIDs in sequence order, as this session knows them


def logged(step):
    """Record each step; a failure carries the steps so far, as a replayable list."""

    @functools.wraps(step)
    def run(self, **kwargs):
        self.steps.append(f"{step.__name__}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})")
        try:
            return step(self, **kwargs)
        except Deviation as exc:
            raise Deviation(exc.what + "\n  steps: " + "; ".join(self.steps),
                            expected=exc.expected, actual=exc.actual) from exc

    return run


class MessageMachine(RuleBasedStateMachine):
    imap = None
    sandbox = None

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[str] = []
        self.folder = self.sandbox.create(f"model{next(_counter)}")
        self.true: list[int] = []  # UIDs in mailbox order
        self.flags: dict[int, set[str]] = {}
        self.raw: dict[int, bytes] = {}
        self.gone: set[int] = set()
        self.sessions = [Session(self.imap.login(), "A"), Session(self.imap.login(), "B")]
        for session in self.sessions:
            selected = select(session.client, self.folder)
            expect("\\*" in (selected.permanent_flags or ()), "keywords allowed (\\* in PERMANENTFLAGS)",
                   expected="\\*", actual=selected.permanent_flags)

    # -- bookkeeping -------------------------------------------------------------------

    def absorb(self, session: Session, result, command: str) -> None:
        """Apply the EXISTS / EXPUNGE responses of one command to the session's view."""
        for response in result.untagged:
            if response.kind == "EXPUNGE":
                expect(command not in ("FETCH", "STORE", "SEARCH"),
                       f"no EXPUNGE while answering {command} (§7.4.1)",
                       expected="no * n EXPUNGE", actual=result)
                number = response.number or 0
                expect(1 <= number <= len(session.view),
                       f"session {session.name}: * {number} EXPUNGE names a message it knows",
                       expected=f"1..{len(session.view)}", actual=result)
                del session.view[number - 1]
            elif response.kind == "EXISTS":
                count = response.number or 0
                expect(count >= len(session.view), "EXISTS never shrinks the mailbox (§7.3.1)",
                       expected=f">= {len(session.view)}", actual=result)
                if count > len(session.view):
                    # New messages are the highest UIDs; learn them by UID FETCH below.
                    session.view.extend([0] * (count - len(session.view)))
        if 0 in session.view:
            data = fetches(session.client.command("FETCH", "1:*", "(UID)"))
            session.view = [data[n]["UID"] for n in sorted(data)]

    def sync(self, session: Session) -> None:
        result = session.client.command("NOOP")
        self.absorb(session, result, "NOOP")
        expect_equal(session.view, self.true,
                     f"session {session.name}'s messages after NOOP (§5.2: size updates MUST be sent)")

    # -- rules ----------------------------------------------------------------------

    @rule(who=st.integers(0, 1), word=st.sampled_from(WORDS),
          flags=st.sets(st.sampled_from(FLAGS), max_size=2))
    @logged
    def append(self, who: int, word: str, flags: set[str]) -> None:
        session = self.sessions[who]
        marker = f"model{next(_counter)}@mailspec.invalid"
        raw = (f"X-Mailspec-Seed: {marker}\r\nFrom: m <m@example.org>\r\nSubject: {word}\r\n"
               f"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\n{word} body\r\n").encode()
        result = session.client.command("APPEND", Astring(self.folder), sorted(flags),
                                        Literal(raw))
        expect(result.ok, "APPEND", expected="OK", actual=result)
        self.absorb(session, result, "APPEND")
        noop = session.client.command("NOOP")
        self.absorb(session, noop, "NOOP")
        uid = session.view[-1] if session.view else 0
        expect(uid not in self.gone and uid not in self.true and (not self.true or uid > max(self.true)),
               "a new UID, higher than every earlier one", expected=f"> {self.true}", actual=uid)
        self.true.append(uid)
        # APPEND SHOULD set the flags it was given (§6.3.11); like COPY's below, the model
        # follows what the server set, judged by the single-session APPEND tests.
        fetched = session.client.command("UID", "FETCH", str(uid), "(FLAGS)")
        self.absorb(session, fetched, "FETCH")
        data = fetches(fetched)
        self.flags[uid] = {f for d in data.values() if d.get("UID") == uid
                           for f in d.get("FLAGS", ()) if f.lower() != "\\recent"}
        self.raw[uid] = raw
        expect_equal(session.view, self.true, f"session {session.name}'s messages after APPEND")

    @rule(who=st.integers(0, 1), pick=st.integers(0, 20), flag=st.sampled_from(FLAGS),
          mode=st.sampled_from(["+FLAGS", "-FLAGS", "+FLAGS.SILENT", "-FLAGS.SILENT"]))
    @logged
    def store(self, who: int, pick: int, flag: str, mode: str) -> None:
        if not self.true:
            return
        session = self.sessions[who]
        # A message another session appended is not yet known here until a command
        # reports it (a UID the session was never told about may be ignored, §6.4.8).
        self.sync(session)
        uid = self.true[pick % len(self.true)]
        result = session.client.command("UID", "STORE", str(uid), mode, [flag])
        expect(result.ok, f"UID STORE {uid} {mode} ({flag})", expected="OK", actual=result)
        self.absorb(session, result, "STORE")
        if mode.startswith("+"):
            self.flags[uid].add(flag)
        else:
            self.flags[uid].discard(flag)

    @rule(who=st.integers(0, 1))
    @logged
    def expunge(self, who: int) -> None:
        session = self.sessions[who]
        self.sync(session)
        result = session.client.command("EXPUNGE")
        expect(result.ok, "EXPUNGE", expected="OK", actual=result)
        deleted = [u for u in self.true if "\\Deleted" in self.flags[u]]
        self.true = [u for u in self.true if u not in deleted]
        self.gone.update(deleted)
        self.absorb(session, result, "EXPUNGE")
        expect_equal(session.view, self.true, f"session {session.name}'s messages after EXPUNGE")

    @rule(who=st.integers(0, 1), pick=st.integers(0, 20))
    @logged
    def copy_into_itself(self, who: int, pick: int) -> None:
        if not self.true:
            return
        session = self.sessions[who]
        self.sync(session)
        before = list(session.view)
        uid = self.true[pick % len(self.true)]
        result = session.client.command("UID", "COPY", str(uid), Astring(self.folder))
        expect(result.ok, f"UID COPY {uid} to the same folder", expected="OK", actual=result)
        self.absorb(session, result, "COPY")
        self.absorb(session, session.client.command("NOOP"), "NOOP")
        expect(session.view[: len(before)] == before and len(session.view) == len(before) + 1,
               "the copy appears as one new message", expected=[*before, "new"],
               actual=session.view)
        new = session.view[-1]
        self.true.append(new)
        # COPY SHOULD preserve flags (§6.4.7); the model follows what the server kept,
        # judged by the single-session COPY tests, so only the bytes are modelled here.
        data = fetches(session.client.command("UID", "FETCH", str(new), "(FLAGS)"))
        self.flags[new] = {f for d in data.values() for f in d.get("FLAGS", ()) if f != "\\Recent"}
        self.raw[new] = self.raw[uid]

    @rule(who=st.integers(0, 1))
    @logged
    def fetch_flags(self, who: int) -> None:
        session = self.sessions[who]
        self.sync(session)
        if not self.true:
            return
        result = session.client.command("FETCH", "1:*", "(UID FLAGS)")
        self.absorb(session, result, "FETCH")
        data = fetches(result)
        got = {data[n]["UID"]: flag_set(data[n]["FLAGS"]) - {"\\recent"} for n in data}
        expect_equal(got, {u: flag_set(self.flags[u]) for u in self.true},
                     f"FLAGS in session {session.name}")

    @rule(who=st.integers(0, 1), key=st.sampled_from(
        ["SEEN", "UNSEEN", "FLAGGED", "DELETED", "KEYWORD $Model", "SUBJECT apple",
         "OR ANSWERED FLAGGED", "NOT (SEEN UNDELETED)", "BODY cedar"]))
    @logged
    def search(self, who: int, key: str) -> None:
        session = self.sessions[who]
        self.sync(session)
        model = [so.ModelMessage(u, self.raw[u], dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
                                 set(self.flags[u])) for u in self.true]
        result, got = search(session.client, *search_arguments(key), uid=True)
        self.absorb(session, result, "SEARCH")
        expect_equal(got, so.search_uids(so.parse_program(key), model),
                     f"UID SEARCH {key} in session {session.name}")

    @invariant()
    def uids_never_return(self) -> None:
        expect(not (set(self.true) & self.gone), "an expunged UID is never reused",
               expected="disjoint", actual=(self.true, sorted(self.gone)))

    def teardown(self) -> None:
        for session in self.sessions:
            session.client.close()


@pytest.mark.rfc(3501, "7.4.1", "MUST")
def test_messages_in_two_sessions_agree_with_the_model(imap, imap_sandbox):
    """Across any sequence of APPEND, STORE, COPY, EXPUNGE, FETCH and SEARCH in two
    sessions, each session's view (from EXISTS/EXPUNGE) matches the mailbox after NOOP,
    no EXPUNGE arrives during FETCH/STORE/SEARCH, and FLAGS and SEARCH agree with the
    model."""
    selected = select(imap.login(), imap_sandbox.create("model-probe"))
    if "\\*" not in (selected.permanent_flags or ()):
        pytest.skip("the mailbox does not accept new keywords (no \\* in PERMANENTFLAGS)")

    class Machine(MessageMachine):
        pass

    Machine.imap = imap
    Machine.sandbox = imap_sandbox
    run_state_machine_as_test(Machine, settings=settings(live(), stateful_step_count=12))
