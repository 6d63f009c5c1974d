"""RFC 3501 §5.1 / §5.1.3: international mailbox names in modified UTF-7, both ways;
names with "&"; and names a server should refuse."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Literal, Quoted, expect_ok, listing, run, setup_ok, status
from ._mutf7 import MUtf7Error, decode, encode
from ._sandbox_api import new_area

# Unicode names and why each is here.
UNICODE_NAMES = {
    "latin1": "Entwürfe",
    "cjk": "日本語",
    "mixed": "Tokyo 東京 2",
    "euro-sign": "€uro",
    "astral": "mail 😀",  # outside the BMP: a UTF-16 surrogate pair
    "ampersand": "R&D",
    "only-ampersand": "&",
    "cyrillic-space": "Входящие письма",
    "accent-end": "café",  # ends in a non-ASCII character: the name must end with "-"
}


def _names(client, area):
    return [e.name for e in listing(client, "", area.name("*"))]


@pytest.mark.rfc(3501, "5.1.3", "MUST")
@pytest.mark.parametrize("key", list(UNICODE_NAMES))
def test_modified_utf7_name_round_trips(imap, imap_sandbox, key):
    """A name in modified UTF-7 is created under exactly that name: the server MUST
    preserve the exact form of the modified BASE64 portion, and LIST returns it byte
    for byte, decoding to the intended text."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    wire = encode(UNICODE_NAMES[key])
    name = area.name(wire)
    result = run(client, "CREATE", Quoted(name))
    if result.status == "NO":
        pytest.skip(f"the server refuses this name ({result}); see the SHOULD test")
    expect_ok(result, f"CREATE {name}")
    names = _names(client, area)
    expect(name in names, "LIST after CREATE", expected=name, actual=names)
    expect_equal(decode(area.relative(name) or ""), UNICODE_NAMES[key], "the decoded name")


@pytest.mark.rfc(3501, "5.1.3", "SHOULD")
@pytest.mark.parametrize("key", list(UNICODE_NAMES))
def test_modified_utf7_name_is_accepted(imap, imap_sandbox, key):
    """International names are what modified UTF-7 is for: CREATE of a correct
    modified UTF-7 name succeeds. A server may refuse any name ("NO - can't create
    mailbox with that name"), so refusing these is reported at SHOULD."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name(encode(UNICODE_NAMES[key]))
    expect_ok(run(client, "CREATE", Quoted(name)), f"CREATE {name}")


@pytest.mark.rfc(3501, "5.1.3", "MUST")
@pytest.mark.parametrize("key", ["cjk", "astral"])
def test_modified_utf7_name_works_for_status_and_select(imap, imap_sandbox, key):
    """An encoded name is a mailbox name like any other: STATUS answers for it with the
    same name, and SELECT opens it."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name(encode(UNICODE_NAMES[key]))
    created = run(client, "CREATE", Quoted(name))
    if created.status == "NO":
        pytest.skip(f"the server refuses this name ({created}); see the SHOULD test")
    setup_ok(created, "CREATE")
    result = expect_ok(run(client, "STATUS", Quoted(name), ["MESSAGES"]), "STATUS")
    expect_equal([d.mailbox for d in result.data_of("STATUS")], [name], "the name in * STATUS")
    expect_ok(run(client, "SELECT", Quoted(name)), "SELECT of the encoded name")


@pytest.mark.rfc(3501, "5.1.3", "MUST")
def test_encoded_hierarchy_levels(imap, imap_sandbox):
    """Each level of a hierarchical name is encoded on its own ("~peter/mail/&U,BTFw-/
    &ZeVnLIqe-" style): LIST "%" under the first level finds the second."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    top, sub = encode("台北"), encode("日本語")
    setup_ok(run(client, "CREATE", Quoted(area.name(top, sub))), "CREATE")
    got = [e.name for e in listing(client, area.name(top) + area.delimiter, "%")]
    expect_equal(got, [area.name(top, sub)], "LIST <top>/ %")
    # Deleting the leaf here spares the clean-up a DELETE of the bare level, whose NO
    # some servers word with the decoded (8-bit) name.
    setup_ok(run(client, "DELETE", Quoted(area.name(top, sub))), "DELETE of the leaf")


@pytest.mark.rfc(3501, "9", "MUST")
def test_error_text_about_encoded_name_is_7bit(imap, imap_sandbox):
    """Response text is TEXT-CHARs, 7-bit (§9: CHAR = %x01-7F): a NO about a missing
    encoded name may quote it, but in its encoded form, not as raw UTF-8."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name(encode("台北"))
    result = run(client, "DELETE", Quoted(name))
    expect_equal(result.status, "NO", "DELETE of a missing encoded name")


@pytest.mark.rfc(3501, "5.1.3", "MUST")
def test_base64_part_is_case_sensitive(imap, imap_sandbox):
    """The modified BASE64 text is case-sensitive even where names are otherwise not:
    "&AOQ-" (ä) and "&AMQ-" (Ä) are two different mailboxes."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    lower, upper = area.name(encode("ä")), area.name(encode("Ä"))
    expect_equal((encode("ä"), encode("Ä")), ("&AOQ-", "&AMQ-"), "the suite's own encoder")
    expect_ok(run(client, "CREATE", Quoted(lower)), "CREATE &AOQ-")
    expect_ok(run(client, "CREATE", Quoted(upper)), "CREATE &AMQ- (a different name)")
    names = _names(client, area)
    expect(lower in names and upper in names, "both listed", expected=[lower, upper], actual=names)


@pytest.mark.rfc(3501, "5.1.3", "MUST")
def test_every_listed_name_is_valid_modified_utf7(imap):
    """Names the server returns follow the convention: a server whose store does not
    MUST convert names with non-ASCII characters or "&" to modified UTF-7, so every
    name LIST "" "*" answers is 7-bit and in canonical modified UTF-7."""
    client = imap.login()
    bad = []
    for entry in listing(client, "", "*"):
        try:
            decode(entry.name)
        except MUtf7Error as exc:
            bad.append(f"{entry.name!r}: {exc}")
    expect(not bad, "names that are not modified UTF-7", expected="none", actual=bad[:10])


@pytest.mark.rfc(3501, "5.1", "SHOULD")
def test_eight_bit_name_is_refused(imap, imap_sandbox):
    """Servers SHOULD prohibit the creation of 8-bit mailbox names: CREATE with a raw
    UTF-8 name (sent as a literal) is refused."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name("raw-") + "ü"
    result = run(client, "CREATE", Literal(name.encode("utf-8")))
    if result.ok:
        # Remove it at once, by the same octets: an 8-bit name breaks every later LIST
        # of the account (it is not valid IMAP4rev1 syntax), the clean-up's included.
        run(client, "DELETE", Literal(name.encode("utf-8")))
    expect(
        result.status in ("NO", "BAD"),
        "CREATE with 8-bit octets in the name",
        expected="NO or BAD",
        actual=result,
    )


@pytest.mark.rfc(3501, "5.1.3", "SHOULD")
@pytest.mark.parametrize(
    "word",
    ["&Jjo!", "&U,BTFw-&ZeVnLIqe-", "&AGE-", "end&AOQ", "&A/Q-"],
    ids=["no-shift-back", "superfluous-shift", "encoded-ascii", "unterminated", "slash-in-base64"],
)
def test_invalid_modified_utf7_is_refused(imap, imap_sandbox, word):
    """Servers SHOULD verify that a name with "&" given to CREATE is correct modified
    UTF-7 with no superfluous shifts and no encoded printable ASCII, and refuse it
    otherwise."""
    client = imap.login()
    name = new_area(imap_sandbox, client).name(word)
    result = run(client, "CREATE", Quoted(name))
    expect(
        result.status in ("NO", "BAD"),
        f"CREATE of the invalid name {word!r}",
        expected="NO or BAD",
        actual=result,
    )


@pytest.mark.rfc(3501, "5.1.3", "MUST")
def test_ampersand_alone_is_encoded(imap, imap_sandbox):
    """A literal "&" in a name is "&-": the name "a&-b" is "a&b", listed as "a&-b"."""
    client = imap.login()
    area = new_area(imap_sandbox, client)
    name = area.name("a&-b")
    expect_ok(run(client, "CREATE", Quoted(name)), "CREATE a&-b")
    expect(name in _names(client, area), "LIST", expected=name, actual=_names(client, area))
    expect_equal(status(client, name, ["MESSAGES"])["MESSAGES"], 0, "STATUS of a&-b")
