"""RFC 4469 CATENATE: APPEND builds a message from text pieces and IMAP URLs."""

import pytest
from mailspec.fixtures.imap.command_args import Astring, Literal, Quoted
from mailspec.fixtures.imap.message_text import section_of
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch_one, load, new_box, select

pytestmark = pytest.mark.imap_capability("CATENATE")


@pytest.mark.rfc(4469, "5", "MUST")
def test_catenate_joins_text_parts(imap, imap_sandbox):
    """APPEND ... CATENATE (TEXT literal TEXT literal) appends the concatenation."""
    box = new_box(imap, imap_sandbox, stem="cat")
    raw = load("plain").with_marker("catenate1@mailspec.invalid")
    head, tail = raw[:100], raw[100:]
    result = box.client.command("APPEND", Astring(box.name), "CATENATE",
                                ["TEXT", Literal(head), "TEXT", Literal(tail)])
    expect(result.ok, "APPEND CATENATE (TEXT ... TEXT ...)", expected="OK", actual=result)
    select(box.client, box.name)
    expect_equal(fetch_one(box.client, 1, "BODY.PEEK[]")["BODY[]"], raw, "the catenated message")


@pytest.mark.rfc(4469, "5", "MUST")
def test_catenate_takes_a_section_by_url(imap, imap_sandbox):
    """A URL part is replaced by the octets of the message section it names (RFC 5092
    IMAP URL, relative to the server): here a new header followed by the TEXT of an
    existing message."""
    box = new_box(imap, imap_sandbox, stem="cat")
    source = box.add("multipart")
    selected = box.select()
    header = b"From: Cat <cat@example.org>\r\nSubject: catenated\r\nX-Mailspec-Seed: cat2\r\n\r\n"
    url = f"/{box.name};UIDVALIDITY={selected.uidvalidity}/;UID={source.uid}/;SECTION=TEXT"
    result = box.client.command("APPEND", Astring(box.name), "CATENATE",
                                ["TEXT", Literal(header), "URL", Quoted(url)])
    expect(result.ok, "APPEND CATENATE (TEXT ... URL ...)", expected="OK", actual=result)
    box.client.command("NOOP")
    items = fetch_one(box.client, 2, "BODY.PEEK[]")
    expect_equal(items["BODY[]"], header + (section_of(source.raw, "TEXT") or b""),
                 "header + BODY[TEXT] of the source")


@pytest.mark.rfc(4469, "5", "MUST")
def test_catenate_with_a_bad_url_appends_nothing(imap, imap_sandbox):
    """If a URL cannot be resolved the APPEND fails (NO, [BADURL] per §6) and nothing is
    appended."""
    box = new_box(imap, imap_sandbox, stem="cat")
    url = f"/{box.name};UIDVALIDITY=1/;UID=999999/;SECTION=TEXT"
    result = box.client.command("APPEND", Astring(box.name), "CATENATE",
                                ["TEXT", Literal(b"Subject: x\r\n\r\n"), "URL", Quoted(url)])
    expect_equal(result.status, "NO", "APPEND CATENATE with an unresolvable URL")
    expect_equal(select(imap.login(), box.name).exists, 0, "messages appended")
