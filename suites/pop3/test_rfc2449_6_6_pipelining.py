"""RFC 2449 §6.6 PIPELINING: a batch of commands sent in one write is processed in
order, each answered as if it had been sent alone."""

import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mailspec.fixtures.pop3.session import SetupError
from mailspec.fixtures.requirements import expect, expect_equal
from mailspec.suites.pop3._ext_helpers import plain_token, read_responses

pytestmark = pytest.mark.pop3_capability("PIPELINING")

MULTILINE_WHEN_BARE = {"LIST", "UIDL", "CAPA"}
MULTILINE_ALWAYS = {"RETR", "TOP"}


def is_multiline(command: str) -> bool:
    words = command.split()
    keyword = words[0].upper()
    return keyword in MULTILINE_ALWAYS or (keyword in MULTILINE_WHEN_BARE and len(words) == 1)


def shape(response):
    """What must be identical between a pipelined and a lone answer."""
    return (response.status, response.text, response.lines)


def run_batch(client, commands, *, bytewise=False):
    data = b"".join(c.encode() + b"\r\n" for c in commands)
    if bytewise:
        for i in range(len(data)):
            client.send_raw(data[i : i + 1])
    else:
        client.send_raw(data)
    return read_responses(client, [is_multiline(c) for c in commands])


def run_one_by_one(client, commands):
    return [client.command(c, multiline=is_multiline(c)) for c in commands]


def optional(pop3_capabilities, name, commands):
    return commands if pop3_capabilities.has(name, "transaction") else []


def compare(batch, alone, commands):
    for command, piped, single in zip(commands, batch, alone, strict=True):
        expect_equal(
            shape(piped),
            shape(single),
            f"the pipelined answer to {command!r} equals its lone answer",
        )


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_of_noops(pop3):
    """With PIPELINING the server processes each command of a batch in turn: five NOOPs
    in one write get five +OK answers."""
    client = pop3.login()
    responses = run_batch(client, ["NOOP"] * 5)
    expect(
        all(r.ok for r in responses),
        "five pipelined NOOPs",
        expected="+OK x5",
        actual=[str(r) for r in responses],
    )
    stat = client.command("STAT")
    expect(stat.ok, "the session is in sync after the batch", expected="+OK", actual=stat)


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_of_queries_matches_lone_answers(pop3, maildrop, pop3_capabilities):
    """A batch of STAT / LIST / UIDL / NOOP in one write is answered in order, each
    answer identical to the one the command gets on its own."""
    [a, b] = maildrop.seed("plain", "multipart")
    commands = [
        "STAT", "LIST", f"LIST {b.number}", "NOOP", f"LIST {a.number}",
        *optional(pop3_capabilities, "UIDL", ["UIDL", f"UIDL {a.number}"]),
    ]  # fmt: skip
    client = pop3.login()
    batch = run_batch(client, commands)
    compare(batch, run_one_by_one(client, commands), commands)


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_with_errors_stays_in_order(pop3, maildrop):
    """Errors inside a batch do not disturb it: each failing command gets its own -ERR
    and the commands after it are still processed, in order."""
    [message] = maildrop.seed("plain")
    missing = maildrop.view.count + 1000
    commands = [
        "NOOP", f"RETR {missing}", "XYZZY", "LIST 0", f"LIST {message.number}",
        "RETR", "NOOP",
    ]  # fmt: skip
    client = pop3.login()
    responses = run_batch(client, commands)
    expect_equal(
        [r.status for r in responses],
        ["+OK", "-ERR", "-ERR", "-ERR", "+OK", "-ERR", "+OK"],
        "statuses of NOOP / RETR missing / XYZZY / LIST 0 / LIST n / RETR (no argument) / NOOP",
    )
    expect(
        responses[4].text.split()[:1] == [str(message.number)],
        "LIST n after three errors answers for message n",
        expected=f"+OK {message.number} <size>",
        actual=responses[4],
    )


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_with_retr_in_the_middle(pop3, maildrop):
    """A RETR of a multi-line message (with dot-stuffed lines) in the middle of a batch
    is sent whole, and the commands after it are answered after its terminating dot."""
    [message] = maildrop.seed("dot-lines")
    commands = ["STAT", f"RETR {message.number}", "NOOP", f"LIST {message.number}", "STAT"]
    client = pop3.login()
    batch = run_batch(client, commands)
    expect(batch[1].ok, "RETR inside the batch", expected="+OK and the message", actual=batch[1])
    expect(
        batch[1].payload.endswith(message.body),
        "the pipelined RETR carries the whole message",
        expected=message.body[-80:],
        actual=batch[1].payload[-80:],
    )
    compare(batch, run_one_by_one(client, commands), commands)


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_sent_byte_by_byte(pop3, maildrop):
    """A batch that arrives one octet per write (commands split at every position,
    CR and LF in separate segments) is processed exactly like the same commands sent
    one at a time."""
    [message] = maildrop.seed("plain")
    commands = ["NOOP", f"LIST {message.number}", "STAT", f"RETR {message.number}", "NOOP"]
    client = pop3.login()
    batch = run_batch(client, commands, bytewise=True)
    compare(batch, run_one_by_one(client, commands), commands)


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_login_pipelined_in_authorization(pop3, account):
    """PIPELINING applies in the AUTHORIZATION state too: USER, PASS and STAT in one
    write get +OK, +OK and the STAT of the opened maildrop."""
    client = pop3.open()
    responses = run_batch(client, [f"USER {account.user}", f"PASS {account.password}", "STAT"])
    expect_equal([r.status for r in responses], ["+OK"] * 3, "USER / PASS / STAT pipelined")


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_sasl_login_pipelined(pop3, account, pop3_capabilities):
    """A SASL login with an initial response and the first TRANSACTION commands can be
    sent in one write: AUTH PLAIN, STAT and NOOP get +OK, +OK, +OK in order."""
    if "PLAIN" not in [m.upper() for m in pop3_capabilities.args("SASL") or []]:
        pytest.skip("SASL PLAIN is not announced")
    client = pop3.open()
    responses = run_batch(
        client, [f"AUTH PLAIN {plain_token(account.user, account.password)}", "STAT", "NOOP"]
    )
    expect_equal([r.status for r in responses], ["+OK"] * 3, "AUTH PLAIN / STAT / NOOP pipelined")


@pytest.mark.rfc(2449, "6.6", "MUST")
def test_batch_with_capa_and_multiline_neighbours(pop3, maildrop, pop3_capabilities):
    """Several multi-line answers back to back (CAPA, LIST, TOP/RETR, UIDL) in one
    batch are each terminated and delivered in order."""
    [message] = maildrop.seed("numbered-lines")
    commands = [
        "CAPA", "LIST", f"RETR {message.number}",
        *optional(pop3_capabilities, "TOP", [f"TOP {message.number} 2"]),
        *optional(pop3_capabilities, "UIDL", ["UIDL"]),
        "CAPA",
    ]  # fmt: skip
    client = pop3.login()
    batch = run_batch(client, commands)
    compare(batch, run_one_by_one(client, commands), commands)


_COMMANDS = st.sampled_from(
    ["NOOP", "STAT", "LIST", "LIST {n}", "RETR {n}", "TOP {n} {k}", "UIDL", "UIDL {n}",
     "LIST {missing}", "RETR {missing}", "XYZZY", "RETR", "TOP {n}", "NOOP NOOP", "CAPA",
     "list {n}", "LiSt", "stat"]
)  # fmt: skip


@pytest.mark.rfc(2449, "6.6", "MUST")
@settings(
    max_examples=15,
    deadline=None,
    # No shrinking: against a broken server every shrink step waits for a timeout, and
    # a batch of at most 8 commands is readable as found.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    templates=st.lists(_COMMANDS, min_size=2, max_size=8),
    which=st.integers(min_value=0, max_value=2),
    k=st.integers(min_value=0, max_value=25),
)
def test_random_batches_match_one_by_one(pop3, maildrop, pop3_capabilities, templates, which, k):
    """Any batch of commands (valid, invalid, multi-line, mixed case) sent in one write
    gets, in order, exactly the answers the same commands get one at a time."""
    state = _random_batch_state(pop3, maildrop)
    n = state["numbers"][which]
    commands = [
        t.format(n=n, k=k, missing=state["missing"])
        for t in templates
        if pop3_capabilities.has(t.split()[0].upper(), "transaction")
        or t.split()[0].upper() not in {"TOP", "UIDL"}
    ]
    client = state["client"]
    try:
        batch = run_batch(client, commands)
        compare(batch, run_one_by_one(client, commands), commands)
    except BaseException:
        client.close()  # out of sync: the next example starts a fresh session
        state["client"] = None
        raise


def _random_batch_state(pop3, maildrop):
    """Seed once per test function and keep one session for all hypothesis examples."""
    state = getattr(maildrop, "_pipelining_state", None)
    if state is None:
        seeded = maildrop.seed("plain", "dot-lines", "numbered-lines")
        state = {
            "numbers": [m.number for m in seeded],
            "missing": maildrop.view.count + 1000,
            "client": None,
        }
        maildrop._pipelining_state = state
    if state["client"] is None:
        state["client"] = _fresh_login(pop3)
    return state


def _fresh_login(pop3):
    """Log in again; the server may need a moment to release the dropped session's lock."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return pop3.login()
        except SetupError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
