"""RFC 3516 BINARY: FETCH BINARY[section] returns the part decoded from its
content-transfer-encoding; BINARY.SIZE its decoded size."""

import binascii
import quopri

import pytest
from mailspec.fixtures.imap.message_text import section_of
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetch_one, flag_set, new_box

pytestmark = pytest.mark.imap_capability("BINARY")

# (message, section, transfer encoding of that section)
PARTS = [("base64-text", "1", "base64"), ("multipart", "2", "base64"),
         ("multipart", "1.1", "quoted-printable"), ("quoted-printable", "1", "quoted-printable"),
         ("plain", "1", "7bit"), ("eight-bit", "1", "8bit")]


def _decoded(raw, section, encoding):
    data = section_of(raw, section) or b""
    if encoding == "base64":
        return binascii.a2b_base64(b"".join(data.split()))
    if encoding == "quoted-printable":
        return quopri.decodestring(data)
    return data


def _one(imap, imap_sandbox, name):
    box = new_box(imap, imap_sandbox, stem="binary")
    stored = box.add(name)
    box.select()
    return box, stored


@pytest.mark.rfc(3516, "4.2", "MUST")
@pytest.mark.parametrize(("name", "section", "encoding"), PARTS,
                         ids=[f"{n}-{s}" for n, s, _ in PARTS])
def test_binary_returns_the_decoded_part(imap, imap_sandbox, name, section, encoding):
    """BINARY[section]: the content of the part with its content-transfer-encoding
    removed."""
    box, stored = _one(imap, imap_sandbox, name)
    items = fetch_one(box.client, 1, f"BINARY.PEEK[{section}]")
    expect_equal(bytes(items.get(f"BINARY[{section}]") or b""), _decoded(stored.raw, section, encoding),
                 f"BINARY[{section}] of {name!r}")


@pytest.mark.rfc(3516, "4.2", "MUST")
@pytest.mark.parametrize(("name", "section", "encoding"), PARTS,
                         ids=[f"{n}-{s}" for n, s, _ in PARTS])
def test_binary_size_is_the_decoded_size(imap, imap_sandbox, name, section, encoding):
    """BINARY.SIZE[section]: the size of the section after decoding."""
    box, stored = _one(imap, imap_sandbox, name)
    items = fetch_one(box.client, 1, f"BINARY.SIZE[{section}]")
    expect_equal(items.get(f"BINARY.SIZE[{section}]"), len(_decoded(stored.raw, section, encoding)),
                 f"BINARY.SIZE[{section}] of {name!r}")


@pytest.mark.rfc(3516, "4.2", "MUST")
def test_binary_partial(imap, imap_sandbox):
    """BINARY[section]<start.count> is the substring of the decoded octets."""
    box, stored = _one(imap, imap_sandbox, "base64-text")
    items = fetch_one(box.client, 1, "BINARY.PEEK[1]<4.10>")
    expect_equal(bytes(items.get("BINARY[1]<4>") or b""), _decoded(stored.raw, "1", "base64")[4:14],
                 "BINARY[1]<4.10>")


@pytest.mark.rfc(3516, "4.2", "MUST")
def test_binary_sets_seen_and_peek_does_not(imap, imap_sandbox):
    """BINARY sets \\Seen as BODY[] does; BINARY.PEEK does not."""
    box, _ = _one(imap, imap_sandbox, "base64-text")
    fetch_one(box.client, 1, "BINARY.PEEK[1]")
    before = flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    fetch_one(box.client, 1, "BINARY[1]")
    after = flag_set(fetch_one(box.client, 1, "FLAGS")["FLAGS"])
    expect("\\seen" not in before and "\\seen" in after, "\\Seen after BINARY but not after PEEK",
           expected="no \\Seen, then \\Seen", actual=(sorted(before), sorted(after)))
