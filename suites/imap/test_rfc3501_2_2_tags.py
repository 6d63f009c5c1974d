"""RFC 3501 §2.2.1-§2.2.2 and §9: tags, command names, and the completion of each command.

Every client command carries a tag; the server's completion result response carries the
same tag (or is untagged BAD when the command could not be parsed far enough to know it).
"""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import (
    Quoted,
    expect_malformed,
    expect_ok,
    expect_refused,
    run,
    strictness,
    untagged_of,
)

# tag = 1*<any ASTRING-CHAR except "+">; ASTRING-CHAR = ATOM-CHAR / resp-specials ("]").
VALID_TAGS = [
    "a1",
    "A0001",
    "tag.with.dots",
    "x-y_z",
    "~!#$&'",
    "a:b;c,d",
    "a/b=c?",
    "brace]",
    "9",
    "t" * 64,
]
# atom-specials that cannot be part of a tag: SP, "(", ")", "{", "%", "*", '"', "\", and "+".
INVALID_TAGS = ["+a", "a(b", "a)b", "a{b", "a%b", "a*b", 'a"b', "a\\b"]


@pytest.mark.rfc(3501, "2.2.1", "MUST")
@pytest.mark.parametrize("tag", VALID_TAGS)
def test_completion_carries_the_command_tag(imap, tag):
    """The server's completion result response carries the tag of the command it
    completes; every tag built from ASTRING-CHARs but "+" is valid (§9: tag =
    1*<any ASTRING-CHAR except "+">)."""
    client = imap.open()
    client.send_line(f"{tag} NOOP")
    response = client.read_response()
    expect(
        getattr(response, "tag", None) == tag,
        f"the completion of '{tag} NOOP'",
        expected=f"{tag} OK ...",
        actual=getattr(response, "raw", response),
    )
    expect_equal(response.status, "OK", f"the status of '{tag} NOOP'")


@pytest.mark.parametrize("how", strictness(3501, "9"))
@pytest.mark.parametrize("tag", INVALID_TAGS)
def test_invalid_tag_is_answered_bad(imap, tag, how):
    """A line whose tag contains a character outside the tag grammar is not a command:
    it is never executed (MUST: no OK) and the server answers BAD, untagged or tagged
    with what it read (SHOULD: the RFC gives BAD as the result, not with a MUST)."""
    client = imap.open()
    client.send_line(f"{tag} NOOP")
    response = client.read_response()
    status = getattr(response, "status", getattr(response, "kind", None))
    allowed = ("BAD",) if how == "bad" else ("BAD", "NO")
    expect(
        status in allowed,
        f"the answer to '{tag} NOOP'",
        expected=" or ".join(allowed),
        actual=getattr(response, "raw", response),
    )


@pytest.mark.rfc(3501, "2.2.2", "MUST")
def test_pipelined_commands_complete_with_their_own_tags(imap):
    """Commands sent without waiting are each completed with their own tag, in the
    order given when the results could depend on the order (§5.5)."""
    client = imap.open()
    tags = ["p1", "p2", "p3", "p4"]
    client.send_line(
        "\r\n".join(
            f"{t} {cmd}"
            for t, cmd in zip(tags, ["NOOP", "CAPABILITY", "NOOP", "CAPABILITY"], strict=True)
        )
    )
    seen = []
    while len(seen) < len(tags):
        response = client.read_response()
        tag = getattr(response, "tag", None)
        if tag is not None:
            seen.append(tag)
    expect_equal(seen, tags, "the tags of the four completions")


@pytest.mark.rfc(3501, "2.2.2", "MUST")
def test_untagged_data_comes_before_the_completion(imap):
    """Data the command asked for is sent as untagged responses before the tagged
    completion (CAPABILITY: "before the (tagged) OK response")."""
    client = imap.open()
    client.send_line("c1 CAPABILITY")
    first = client.read_response()
    expect(
        getattr(first, "kind", None) == "CAPABILITY",
        "the first response to CAPABILITY",
        expected="* CAPABILITY ...",
        actual=getattr(first, "raw", first),
    )
    last = client.read_response()
    expect_equal(getattr(last, "tag", None), "c1", "the completion after the untagged data")


@pytest.mark.rfc(3501, "9", "MUST")
@pytest.mark.parametrize("spelling", ["noop", "Noop", "nOoP", "capability", "CaPaBiLiTy"])
def test_command_names_are_case_insensitive(imap, spelling):
    """Command names are case-insensitive (§9: "the ABNF is case-insensitive")."""
    client = imap.open()
    expect_ok(run(client, spelling), f"'{spelling}' in lower / mixed case")


@pytest.mark.parametrize("how", strictness(3501, "6"))
@pytest.mark.parametrize("command", ["XYZZY", "FOO BAR", "SELECTX INBOX"])
def test_unknown_command_is_tagged_bad(imap, command, how):
    """A command the server does not know is refused (MUST: never OK) with a tagged
    BAD, "BAD - command unknown or arguments invalid" (SHOULD: a result, not a MUST)."""
    client = imap.open()
    expect_malformed(run(client, command), how, f"the unknown command {command!r}")


@pytest.mark.rfc(3501, "6", "MUST")
def test_session_continues_after_bad(imap):
    """A rejected command never changes the state: after an unknown command is refused,
    the next command works."""
    client = imap.login()
    expect_refused(run(client, "XYZZY"), "an unknown command")
    result = run(client, "LIST", Quoted(""), Quoted(""))
    expect_ok(result, "LIST after the BAD (still authenticated)")
    expect(untagged_of(result, "LIST"), "LIST answers", expected="* LIST", actual=result)
