"""RFC 3501 §6.4.5: BODY[section]<partial>, HEADER / HEADER.FIELDS (.NOT) / TEXT /
MIME, nested part numbers, and the RFC822 forms."""

import pytest
from mailspec.fixtures.imap import expected as ex
from mailspec.fixtures.imap.message_text import (
    field_name_of,
    header_field_lines,
    section_of,
)
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch, fetch_one, fetches, new_box

# Every part of the multipart messages, plus HEADER/TEXT/MIME where they apply.
SECTIONS = [
    (name, section)
    for name, parts in ex.SECTIONS.items()
    for number, kind in parts.items()
    for section in (number, f"{number}.MIME")
    + ((f"{number}.HEADER", f"{number}.TEXT") if kind == "MESSAGE/RFC822" else ())
]
SINGLE = ["plain", "base64-text", "headers-only", "eight-bit", "from-lines", "dot-lines"]


def _message(imap, imap_sandbox, name):
    box = new_box(imap, imap_sandbox)
    stored = box.add(name)
    box.select()
    return box, stored


def _item(items, prefix):
    found = {k: v for k, v in items.items() if k.startswith(prefix)}
    expect(len(found) == 1, f"one {prefix}... item in the FETCH response", expected=prefix,
           actual=list(items))
    return next(iter(found.values()))


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize(("name", "section"), SECTIONS)
def test_nested_sections(imap, imap_sandbox, name, section):
    """A part specifier is a set of part numbers separated by periods; MIME is the part's
    MIME header; HEADER and TEXT of a MESSAGE/RFC822 part refer to the encapsulated
    message. BODY[section] returns exactly those octets."""
    box, stored = _message(imap, imap_sandbox, name)
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{section}]", uid=True)
    expect_equal(items.get(f"BODY[{section}]"), section_of(stored.raw, section),
                 f"BODY[{section}] of {name!r}")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize("name", SINGLE)
@pytest.mark.parametrize("section", ["HEADER", "TEXT", "1"])
def test_header_text_and_part_one(imap, imap_sandbox, name, section):
    """HEADER is the [RFC-2822] header including the blank line; TEXT the body;
    every message has at least one part number (part 1 of a non-multipart message is
    its body)."""
    box, stored = _message(imap, imap_sandbox, name)
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{section}]", uid=True)
    expect_equal(items.get(f"BODY[{section}]"), section_of(stored.raw, section),
                 f"BODY[{section}] of {name!r}")


def _fields(block: bytes) -> tuple[list[bytes], bool]:
    ends_blank = block.endswith(b"\r\n\r\n") or block == b"\r\n"
    return header_field_lines(block), ends_blank


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize(
    "fields",
    [("SUBJECT",), ("From", "To"), ("subject", "message-id"), ("X-Absent-Field",),
     ("TO", "CC", "BCC"), ("X-Mailspec-Seed",)],
    ids=lambda f: "+".join(f),
)
@pytest.mark.parametrize("name", ["many-recipients", "multipart", "encoded-words"])
def test_header_fields(imap, imap_sandbox, name, fields):
    """HEADER.FIELDS returns a subset of the header: exactly the lines of the named
    fields (case-insensitive names, folded lines kept), then the blank line."""
    box, stored = _message(imap, imap_sandbox, name)
    spec = f"HEADER.FIELDS ({' '.join(fields)})"
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{spec}]", uid=True)
    got = _item(items, "BODY[HEADER.FIELDS")
    wanted = {f.lower() for f in fields}
    expected = [line for line in header_field_lines(section_of(stored.raw, "HEADER"))
                if field_name_of(line) in wanted]
    lines, blank = _fields(got or b"")
    expect_equal(sorted(lines), sorted(expected), f"the lines of BODY[{spec}] of {name!r}")
    expect(blank, "the subset ends with the blank line", expected=b"...\r\n\r\n", actual=got)


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize("fields", [("SUBJECT",), ("From", "To", "Date"), ("X-Absent-Field",)],
                         ids=lambda f: "+".join(f))
@pytest.mark.parametrize("name", ["many-recipients", "nested-message"])
def test_header_fields_not(imap, imap_sandbox, name, fields):
    """HEADER.FIELDS.NOT returns every header line except those of the named fields,
    then the blank line."""
    box, stored = _message(imap, imap_sandbox, name)
    spec = f"HEADER.FIELDS.NOT ({' '.join(fields)})"
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{spec}]", uid=True)
    got = _item(items, "BODY[HEADER.FIELDS.NOT")
    unwanted = {f.lower() for f in fields}
    expected = [line for line in header_field_lines(section_of(stored.raw, "HEADER"))
                if field_name_of(line) not in unwanted]
    lines, blank = _fields(got or b"")
    expect_equal(sorted(lines), sorted(expected), f"the lines of BODY[{spec}] of {name!r}")
    expect(blank, "the subset ends with the blank line", expected=b"...\r\n\r\n", actual=got)


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize(("section", "part"), [("2.HEADER.FIELDS (SUBJECT)", "2.HEADER")])
def test_header_fields_of_an_embedded_message(imap, imap_sandbox, section, part):
    """HEADER.FIELDS after a part number of a MESSAGE/RFC822 part selects from the
    encapsulated message's header."""
    box, stored = _message(imap, imap_sandbox, "nested-message")
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{section}]", uid=True)
    got = _item(items, "BODY[2.HEADER.FIELDS")
    expected = [line for line in header_field_lines(section_of(stored.raw, part))
                if field_name_of(line) == "subject"]
    expect_equal(header_field_lines(got or b""), expected, f"BODY[{section}]")


# partial = "<" number "." nz-number ">" (§9): the count is never 0.
PARTIALS = [(0, 10), (0, 1), (5, 17), (100, 50), (112, 5), (0, 100000)]


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize(("start", "count"), PARTIALS, ids=[f"{a}.{b}" for a, b in PARTIALS])
@pytest.mark.parametrize("section", ["", "TEXT", "1"])
def test_partial_fetch(imap, imap_sandbox, section, start, count):
    """<start.count>: the substring of octets beginning at octet 'start' (0-based), at
    most 'count' octets; the response item is named BODY[section]<start>."""
    box, stored = _message(imap, imap_sandbox, "plain")
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[{section}]<{start}.{count}>", uid=True)
    whole = section_of(stored.raw, section) or b""
    expected = whole[start : start + count]
    expect(f"BODY[{section}]<{start}>" in items, "the partial item's name carries the origin",
           expected=f"BODY[{section}]<{start}>", actual=list(items))
    expect_equal(items.get(f"BODY[{section}]<{start}>"), expected,
                 f"BODY[{section}]<{start}.{count}> of a {len(whole)}-octet section")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
def test_partial_fetch_past_the_end_is_empty(imap, imap_sandbox):
    """If the starting octet is beyond the end of the text, an empty string is returned."""
    box, stored = _message(imap, imap_sandbox, "plain")
    start = len(stored.raw) + 10
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[]<{start}.20>", uid=True)
    expect_equal(items.get(f"BODY[]<{start}>"), b"", "a partial fetch starting past the end")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
def test_partial_fetch_of_the_large_message(imap, imap_sandbox):
    """A partial fetch deep inside a 1 MB+ message returns exactly those octets."""
    box, stored = _message(imap, imap_sandbox, "large")
    start, count = 1_000_003, 777
    items = fetch_one(box.client, stored.uid, f"BODY.PEEK[TEXT]<{start}.{count}>", uid=True)
    body = section_of(stored.raw, "TEXT") or b""
    expect_equal(items.get(f"BODY[TEXT]<{start}>"), body[start : start + count],
                 "BODY[TEXT]<1000003.777> of the large message")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
@pytest.mark.parametrize(
    ("item", "response", "section"),
    [("RFC822", "RFC822", ""), ("RFC822.HEADER", "RFC822.HEADER", "HEADER"),
     ("RFC822.TEXT", "RFC822.TEXT", "TEXT")],
)
@pytest.mark.parametrize("name", ["plain", "multipart", "headers-only"])
def test_rfc822_forms(imap, imap_sandbox, name, item, response, section):
    """RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is BODY[TEXT];
    each answers under its own name."""
    box, stored = _message(imap, imap_sandbox, name)
    items = fetch_one(box.client, stored.uid, item, uid=True)
    expect_equal(items.get(response), section_of(stored.raw, section), f"{item} of {name!r}")


@pytest.mark.rfc(3501, "6.4.5", "MUST")
# ("2.1" of a non-multipart part is left out: RFC 3501 only says that a non-multipart
# *message* has a part 1; Dovecot answers BODY[2.1] with part 2's body.)
@pytest.mark.parametrize("section", ["2.HEADER", "1.TEXT", "4", "1.3"])
def test_a_section_that_does_not_exist(imap, imap_sandbox, section):
    """A section that names no part of the message (HEADER/TEXT of a part that is not
    MESSAGE/RFC822, a part number past the last part) is not octets of the
    message: the server answers NIL, an empty string, or refuses the command."""
    box, stored = _message(imap, imap_sandbox, "multipart")
    result = fetch(box.client, stored.uid, f"BODY.PEEK[{section}]", uid=True)
    if not result.ok:
        return  # BAD / NO: refused, nothing returned
    values = [v for d in fetches(result).values() for k, v in d.items() if k.startswith("BODY[")]
    expect(all(v in (None, b"") for v in values), f"BODY[{section}] of a message without it",
           expected="NIL or \"\"", actual=result)


@pytest.mark.rfc(3501, "9", "SHOULD")
def test_part_zero_is_refused(imap, imap_sandbox):
    """section-part = nz-number *("." nz-number): BODY[0] is not a valid section, so the
    command is a protocol error (BAD, §7.1.5) — answering it would also need a
    response that breaks the same grammar.

    SHOULD: the RFC gives no MUST to refuse a malformed command, but an answer must
    keep to the response grammar. Dovecot 2.3.19 answers ``* n FETCH (BODY[0] {356}``,
    Cyrus 3.6 ``* n FETCH (UID n BODY[0] NIL)`` (the parser flags both at the ``0``)."""
    box, stored = _message(imap, imap_sandbox, "multipart")
    result = fetch(box.client, stored.uid, "BODY.PEEK[0]", uid=True)
    expect_equal(result.status, "BAD", "UID FETCH n BODY.PEEK[0]")
