"""RFC 3501 §6.3.1 / §6.3.2: SELECT and EXAMINE — the required untagged data and codes,
READ-WRITE / READ-ONLY, reselecting, and a failed selection leaving nothing selected."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    SYSTEM_FLAGS,
    Literal,
    Quoted,
    expect_bad,
    expect_malformed,
    expect_no,
    expect_ok,
    expect_refused,
    listing,
    message_bytes,
    run,
    select,
    selection,
    setup_ok,
    strictness,
)
from ._sandbox_api import new_area

COMMANDS = ["SELECT", "EXAMINE"]


def _folder(imap_sandbox, client, *, seen=0, unseen=0):
    area = new_area(imap_sandbox, client)
    folder = area.name("box")
    setup_ok(run(client, "CREATE", Quoted(folder)), f"CREATE {folder}")
    for _ in range(seen):
        imap_sandbox.append(folder, message_bytes("seen"), ["\\Seen"])
    for _ in range(unseen):
        imap_sandbox.append(folder, message_bytes("unseen"))
    return folder


def _open(client, command, folder):
    chosen = select(client, folder, examine=command == "EXAMINE")
    expect_ok(chosen.result, f"{command} {folder}")
    return chosen


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("response", ["FLAGS", "EXISTS", "RECENT"])
def test_required_untagged_response(imap, imap_sandbox, command, response):
    """Before the tagged OK of SELECT / EXAMINE the server MUST send the untagged FLAGS,
    <n> EXISTS and <n> RECENT responses."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client, unseen=1))
    value = {"FLAGS": chosen.flags, "EXISTS": chosen.exists, "RECENT": chosen.recent}[response]
    expect(
        value is not None,
        f"untagged {response} in the {command} answer",
        expected=response,
        actual=chosen.result,
    )


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("code", ["PERMANENTFLAGS", "UIDNEXT", "UIDVALIDITY"])
def test_required_ok_code(imap, imap_sandbox, command, code):
    """SELECT / EXAMINE MUST send the untagged OK responses with the PERMANENTFLAGS,
    UIDNEXT and UIDVALIDITY response codes."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client, unseen=1))
    expect(
        code in chosen.codes,
        f"* OK [{code} ...] in the {command} answer",
        expected=code,
        actual=chosen.result,
    )


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_unseen_code_names_first_unseen_message(imap, imap_sandbox, command):
    """OK [UNSEEN <n>] is the message sequence number of the first unseen message: with
    one \\Seen message followed by two unseen ones it is 2. The first unseen message is
    the first one FETCH FLAGS shows without \\Seen: whether APPEND set the \\Seen it was
    given is a SHOULD (§6.3.11), not this test's business."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client, seen=1, unseen=2))
    first_unseen = _first_unseen(client)
    expect_equal(chosen.codes.get("UNSEEN"), first_unseen, f"[UNSEEN n] of {command}")


def _first_unseen(client) -> int | None:
    fetched = expect_ok(run(client, "FETCH", "1:*", "(FLAGS)"), "FETCH 1:* (FLAGS)")
    flags = {u.number: {f.lower() for f in u.data.get("FLAGS", ())}
             for u in fetched.untagged_of("FETCH")}
    return next((n for n in sorted(flags) if "\\seen" not in flags[n]), None)


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("count", [0, 1, 3])
def test_exists_counts_the_messages(imap, imap_sandbox, command, count):
    """<n> EXISTS is the number of messages in the mailbox."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client, unseen=count))
    expect_equal(chosen.exists, count, f"EXISTS of {command} on a folder holding {count}")


@pytest.mark.rfc(3501, "2.3.2", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_recent_counts_new_messages_for_the_first_session(imap, imap_sandbox, command):
    """<n> RECENT counts messages with \\Recent: messages appended by another session
    that no session has selected yet are recent for the first session that does."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client, unseen=2))
    expect_equal(chosen.recent, 2, f"RECENT of the first {command} after two appends")


@pytest.mark.rfc(3501, "2.3.2", "MUST")
def test_recent_is_not_seen_by_a_later_session(imap, imap_sandbox):
    """Once a read-write session was notified of a message, later sessions do not see
    \\Recent for it: a second SELECT answers 0 RECENT."""
    client = imap.login()
    folder = _folder(imap_sandbox, client, unseen=2)
    expect_equal(_open(client, "SELECT", folder).recent, 2, "RECENT of the first SELECT")
    expect_ok(run(client, "LOGOUT"), "LOGOUT of the first session")
    later = imap.login()
    expect_equal(_open(later, "SELECT", folder).recent, 0, "RECENT of a later SELECT")


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_examine_does_not_clear_recent(imap, imap_sandbox):
    """EXAMINE MUST NOT cause messages to lose the \\Recent flag: after an EXAMINE
    session, the next SELECT still sees them as recent."""
    client = imap.login()
    folder = _folder(imap_sandbox, client, unseen=2)
    expect_equal(_open(client, "EXAMINE", folder).recent, 2, "RECENT of EXAMINE")
    run(client, "LOGOUT")
    later = imap.login()
    expect_equal(_open(later, "SELECT", folder).recent, 2, "RECENT of SELECT after the EXAMINE")


@pytest.mark.rfc(3501, "7.2.6", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_flags_list_the_system_flags(imap, imap_sandbox, command):
    """The FLAGS response lists the flags applicable in the mailbox, at a minimum the
    system flags \\Seen \\Answered \\Flagged \\Deleted \\Draft."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client))
    flags = {f.lower() for f in chosen.flags or ()}
    missing = [f for f in SYSTEM_FLAGS if f.lower() not in flags]
    expect(not missing, f"FLAGS of {command}", expected=list(SYSTEM_FLAGS), actual=chosen.flags)


@pytest.mark.rfc(3501, "7.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_permanentflags_are_known_flags(imap, imap_sandbox, command):
    """PERMANENTFLAGS indicates which of the known flags the client can change
    permanently: each is in FLAGS, or is \\* (new keywords may be created)."""
    client = imap.login()
    chosen = _open(client, command, _folder(imap_sandbox, client))
    known = {f.lower() for f in chosen.flags or ()}
    stray = [
        f for f in chosen.codes.get("PERMANENTFLAGS") or () if f != "\\*" and f.lower() not in known
    ]
    expect(not stray, "PERMANENTFLAGS outside FLAGS", expected="none", actual=stray)


@pytest.mark.rfc(3501, "6.3.1", "SHOULD")
def test_select_of_own_folder_is_read_write(imap, imap_sandbox):
    """SELECT of a mailbox the client may modify: the tagged OK SHOULD carry
    [READ-WRITE]."""
    client = imap.login()
    chosen = _open(client, "SELECT", _folder(imap_sandbox, client))
    expect_equal(chosen.access, "READ-WRITE", "the response code of SELECT's tagged OK")


@pytest.mark.rfc(3501, "6.3.2", "MUST")
@pytest.mark.parametrize("messages", [0, 2])
def test_examine_is_read_only(imap, imap_sandbox, messages):
    """The text of the tagged OK response to EXAMINE MUST begin with [READ-ONLY]."""
    client = imap.login()
    chosen = _open(client, "EXAMINE", _folder(imap_sandbox, client, unseen=messages))
    expect_equal(chosen.access, "READ-ONLY", "the response code of EXAMINE's tagged OK")


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_examine_of_inbox_is_read_only(imap):
    """EXAMINE INBOX: read-only like any EXAMINE (and it changes nothing there)."""
    client = imap.login()
    chosen = _open(client, "EXAMINE", "INBOX")
    expect_equal(chosen.access, "READ-ONLY", "EXAMINE INBOX")


@pytest.mark.rfc(3501, "5.1", "MUST")
@pytest.mark.parametrize("spelling", ["inbox", "Inbox", "iNbOx"])
def test_inbox_is_case_insensitive(imap, spelling):
    """INBOX is case-insensitive: EXAMINE of any spelling opens the same mailbox (same
    EXISTS as EXAMINE INBOX, and the same UIDVALIDITY while INBOX holds messages)."""
    client = imap.login()
    reference = _open(client, "EXAMINE", "INBOX")
    other = _open(client, "EXAMINE", spelling)
    # UIDVALIDITY qualifies UIDs (RFC 3501 §2.3.1.1): an empty INBOX has none to keep,
    # so its value may differ from one open to the next (Mailutils uses the clock).
    if reference.exists:
        expect_equal(
            (other.codes.get("UIDVALIDITY"), other.exists),
            (reference.codes.get("UIDVALIDITY"), reference.exists),
            f"EXAMINE {spelling} vs EXAMINE INBOX (UIDVALIDITY, EXISTS)",
        )
    else:
        expect_equal(other.exists, reference.exists, f"EXAMINE {spelling} vs EXAMINE INBOX (EXISTS)")


@pytest.mark.rfc(3501, "2.3.1.1", "MUST")
def test_uidnext_grows_and_uidvalidity_stays(imap, imap_sandbox):
    """UIDNEXT predicts the next UID: after a message is appended it is greater than
    before, and UIDVALIDITY stays the same."""
    client = imap.login()
    folder = _folder(imap_sandbox, client)
    before = _open(client, "EXAMINE", folder)
    imap_sandbox.append(folder, message_bytes())
    after = _open(client, "EXAMINE", folder)
    expect_equal(after.codes.get("UIDVALIDITY"), before.codes.get("UIDVALIDITY"), "UIDVALIDITY")
    expect(
        (after.codes.get("UIDNEXT") or 0) > (before.codes.get("UIDNEXT") or 0),
        "UIDNEXT after an APPEND",
        expected=f"> {before.codes.get('UIDNEXT')}",
        actual=after.codes.get("UIDNEXT"),
    )


@pytest.mark.rfc(3501, "2.3.1.1", "MUST")
@pytest.mark.imap_capability("UIDPLUS")
def test_uidnext_is_above_the_appended_uid(imap, imap_sandbox):
    """UIDNEXT is greater than every UID in the mailbox (the APPENDUID of the last
    message appended)."""
    client = imap.login()
    folder = _folder(imap_sandbox, client)
    uid = imap_sandbox.append(folder, message_bytes())
    chosen = _open(client, "EXAMINE", folder)
    expect(
        uid is not None and chosen.codes.get("UIDNEXT", 0) > uid,
        "UIDNEXT vs the APPENDUID",
        expected=f"> {uid}",
        actual=chosen.codes.get("UIDNEXT"),
    )


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("first", COMMANDS)
@pytest.mark.parametrize("second", COMMANDS)
def test_reselect_switches_mailbox(imap, imap_sandbox, first, second):
    """SELECT / EXAMINE while a mailbox is selected deselects it and selects the new
    one: the answer describes the new mailbox."""
    client = imap.login()
    one = _folder(imap_sandbox, client, unseen=1)
    two = _folder(imap_sandbox, client, unseen=3)
    _open(client, first, one)
    chosen = _open(client, second, two)
    expect_equal(chosen.exists, 3, f"EXISTS of {second} {two} after {first} {one}")
    expect_equal(
        chosen.access,
        "READ-ONLY" if second == "EXAMINE" else chosen.access,
        "access after reselect",
    )


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("first", COMMANDS)
@pytest.mark.parametrize("failing", COMMANDS)
def test_failed_select_leaves_no_mailbox_selected(imap, imap_sandbox, first, failing):
    """If a mailbox is selected and a SELECT / EXAMINE that fails is attempted, no
    mailbox is selected: a selected-state command (CHECK) is refused afterwards."""
    client = imap.login()
    folder = _folder(imap_sandbox, client, unseen=1)
    _open(client, first, folder)
    missing = folder + "-missing"
    expect_no(run(client, failing, Quoted(missing)), f"{failing} of a mailbox that does not exist")
    expect_refused(run(client, "CHECK"), f"CHECK after the failed {failing} (nothing selected)")


@pytest.mark.rfc(3501, "6.3.1", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_select_of_missing_mailbox_is_no(imap, imap_sandbox, command):
    """SELECT / EXAMINE of a name that does not exist: tagged NO ("no such mailbox")."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    expect_no(
        run(client, command, Quoted(area.name("never-created"))), f"{command} of a missing mailbox"
    )


@pytest.mark.rfc(3501, "7.2.2", "MUST")
@pytest.mark.parametrize("command", COMMANDS)
def test_select_of_noselect_name_is_no(imap, imap_sandbox, command):
    """A \\Noselect name cannot be used as a selectable mailbox: SELECT / EXAMINE of it
    fails with NO."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    child = area.name("level", "child")
    setup_ok(run(client, "CREATE", Quoted(child)), f"CREATE {child}")
    level = area.name("level")
    entries = [e for e in listing(client, "", level) if e.name == level]
    if not entries or not entries[0].has("\\Noselect"):
        pytest.skip(f"{level} is a selectable mailbox here (the server created the superior)")
    expect_no(run(client, command, Quoted(level)), f"{command} of the \\Noselect {level}")


@pytest.mark.parametrize("how", strictness(3501, "6.3.1"))
@pytest.mark.parametrize("command", COMMANDS)
def test_select_without_mailbox_is_bad(imap, command, how):
    """SELECT / EXAMINE need a mailbox name: without one the command
    is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, command), how, f"{command} without a mailbox")


@pytest.mark.rfc(3501, "6.3.1", "SHOULD")
@pytest.mark.parametrize("command", COMMANDS)
def test_select_with_surplus_argument_is_bad(imap, command):
    """SELECT / EXAMINE take one mailbox name (extensions add only a parenthesised
    parameter list): a second name is a syntax error, answered BAD. A server that
    tries the first name and answers NO is lenient, hence SHOULD."""
    client = imap.login()
    expect_bad(run(client, command, "a", "b"), f"{command} a b")


@pytest.mark.rfc(3501, "6.3.1", "MUST")
def test_select_accepts_a_literal_name(imap, imap_sandbox):
    """The mailbox name is an astring: as a literal it names the same mailbox."""
    client = imap.login()
    folder = _folder(imap_sandbox, client, unseen=2)
    chosen = selection(run(client, "EXAMINE", Literal(folder.encode())))
    expect_ok(chosen.result, "EXAMINE with the name as a literal")
    expect_equal(chosen.exists, 2, "EXISTS of the mailbox named by a literal")


@pytest.mark.rfc(3501, "6.3.2", "MUST")
def test_examine_allows_no_flag_changes(imap, imap_sandbox):
    """EXAMINE permits no change to the permanent state of the mailbox: a STORE there
    does not change any flag (seen again from a new session)."""
    client = imap.login()
    folder = _folder(imap_sandbox, client, unseen=1)
    _open(client, "EXAMINE", folder)
    run(client, "STORE", "1", "+FLAGS", ["\\Flagged"])
    other = imap.login()
    _open(other, "EXAMINE", folder)
    flags = [
        f for u in run(other, "FETCH", "1", "(FLAGS)").untagged_of("FETCH") for f in u.data["FLAGS"]
    ]
    expect(
        "\\flagged" not in {f.lower() for f in flags},
        "flags after STORE in an EXAMINEd mailbox",
        expected="no \\Flagged",
        actual=flags,
    )
