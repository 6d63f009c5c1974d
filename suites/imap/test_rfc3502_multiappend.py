"""RFC 3502 MULTIAPPEND: several messages in one APPEND, all or none."""

import pytest
from mailspec.fixtures.imap.command_args import Astring, Literal, Quoted
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch_one, flag_set, load, new_box, select, uid_map

pytestmark = pytest.mark.imap_capability("MULTIAPPEND")


def _raws(*names):
    return [load(n).with_marker(f"multi{i}.{n}@mailspec.invalid") for i, n in enumerate(names)]


def _append_three(box):
    raws = _raws("plain", "multipart", "dot-lines")
    result = box.client.command(
        "APPEND", Astring(box.name), ["\\Seen"], Literal(raws[0]), Literal(raws[1]),
        ["\\Flagged"], Literal(raws[2]))
    expect(result.ok, "MULTIAPPEND of three messages", expected="OK", actual=result)
    select(box.client, box.name)
    return raws, [fetch_one(box.client, n, "(FLAGS BODY.PEEK[])") for n in (1, 2, 3)]


@pytest.mark.rfc(3502, "3", "MUST")
def test_multiappend_appends_every_message_in_order(imap, imap_sandbox):
    """APPEND with several messages appends them all, in the order given ("Multiple
    messages are appended in the order given"), byte for byte."""
    raws, fetched = _append_three(new_box(imap, imap_sandbox, stem="multi"))
    expect_equal([b["BODY[]"] for b in fetched], raws, "the messages, in order")


@pytest.mark.rfc(3501, "6.3.11", "SHOULD")
def test_multiappend_sets_each_message_flags(imap, imap_sandbox):
    """Each message of a MULTIAPPEND gets its own flag list (RFC 3502 §3 gives each
    message APPEND's arguments; RFC 3501 §6.3.11: the flags SHOULD be set)."""
    _, fetched = _append_three(new_box(imap, imap_sandbox, stem="multi"))
    expect_equal([flag_set(b["FLAGS"]) - {"\\recent"} for b in fetched],
                 [flag_set(["\\Seen"]), frozenset(), flag_set(["\\Flagged"])], "their flags")


@pytest.mark.rfc(3502, "3", "MUST")
@pytest.mark.imap_capability("UIDPLUS")  # in addition to the module's MULTIAPPEND
def test_multiappend_appenduid_lists_every_uid(imap, imap_sandbox):
    """With UIDPLUS, APPENDUID of a MULTIAPPEND lists the UIDs of all the messages
    (RFC 4315 §3: a uid-set)."""
    box = new_box(imap, imap_sandbox, stem="multi")
    raws = _raws("plain", "numbered-lines")
    result = box.client.command("APPEND", Astring(box.name), Literal(raws[0]), Literal(raws[1]))
    code = result.code_of("APPENDUID")
    expect(code is not None, "APPENDUID", expected="[APPENDUID v uid-set]", actual=result)
    select(box.client, box.name)
    mapping = uid_map(box.client)
    expect_equal(sorted(code.value[1]), sorted(uid for _, uid in mapping.values()),
                 "APPENDUID's UIDs")


@pytest.mark.rfc(3502, "3", "MUST")
def test_multiappend_is_all_or_nothing(imap, imap_sandbox):
    """If the server rejects any message (here: a malformed date on the second), none
    of the messages are appended."""
    box = new_box(imap, imap_sandbox, stem="multi")
    raws = _raws("plain", "dot-lines")
    result = box.client.command("APPEND", Astring(box.name), Literal(raws[0], "sync"),
                                Quoted("not a date"), Literal(raws[1], "sync"))
    expect(result.status in ("BAD", "NO"), "MULTIAPPEND with a bad second date",
           expected="BAD or NO", actual=result)
    box.client.command("NOOP")
    expect_equal(select(imap.login(), box.name).exists, 0, "messages appended")


@pytest.mark.rfc(3502, "3", "MUST")
def test_a_zero_length_message_cancels_the_append(imap, imap_sandbox):
    """A zero-length message literal argument is an error, and MUST return a NO (a
    client cancels a MULTIAPPEND with it); the messages before it are not appended."""
    box = new_box(imap, imap_sandbox, stem="multi")
    raws = _raws("plain")
    result = box.client.command(
        "APPEND", Astring(box.name), Literal(raws[0], "sync"), Literal(b"", "sync")
    )
    expect_equal(result.status, "NO", "MULTIAPPEND ending in a zero-length literal")
    box.client.command("NOOP")
    expect_equal(select(imap.login(), box.name).exists, 0, "messages appended")
