"""RFC 3501 §6.4.4: string keys — case-insensitive substrings of headers and of the
decoded body text; CHARSET, and an unknown charset refused with NO [BADCHARSET]."""

import pytest
from mailspec.fixtures.imap.command_args import Literal, Quoted
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import new_box, search

# The mailbox of this module, in sequence order.
NAMES = ["plain", "eight-bit", "alternative", "base64-text", "quoted-printable",
         "encoded-words", "nested-message", "many-recipients"]


def _box(imap, imap_sandbox):
    box = new_box(imap, imap_sandbox, stem="strings")
    for name in NAMES:
        box.add(name)
    box.select()
    return box


def _seq(*names):
    return sorted(NAMES.index(n) + 1 for n in names)


def _arg(text):
    data = text.encode("utf-8")
    return Quoted(text) if data.isascii() else Literal(data)


def _utf8_search(box, key, text):
    result, got = search(box.client, "CHARSET", "UTF-8", key, _arg(text))
    if result.status == "NO" and result.code_name == "BADCHARSET":
        pytest.skip("the server does not support CHARSET UTF-8 (RFC 3501: other charsets MAY)")
    expect_equal(result.status, "OK", f"SEARCH CHARSET UTF-8 {key} {text!r}")
    return got


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(
    ("key", "text", "names"),
    [
        ("SUBJECT", "MANY RECIPIENTS", ["many-recipients"]),
        ("SUBJECT", "ecipien", ["many-recipients"]),
        ("SUBJECT", "a PLAIN text", ["plain"]),
        ("FROM", "ANNOUNCE", ["many-recipients"]),
        ("FROM", "Example.ORG", ["plain", "alternative", "many-recipients", "base64-text",
                                 "quoted-printable", "nested-message"]),
        ("TO", "JOHN.doe", ["many-recipients"]),
        ("CC", "OSCAR@", ["many-recipients"]),
        ("BODY", "SHORT PLAIN", ["plain"]),
        ("BODY", "Approved", ["nested-message"]),
        ("TEXT", "fwd: MINUTES", ["nested-message"]),
        ("TEXT", "HELLO BOB", ["plain"]),
        ("HEADER", "in-reply-to", ["many-recipients"]),
    ],
)
def test_string_keys_are_case_insensitive_substrings(imap, imap_sandbox, key, text, names):
    """In all search keys that use strings, a message matches the key if the string is
    a substring of the field. The matching is case-insensitive."""
    box = _box(imap, imap_sandbox)
    args = [key, Quoted(text)]
    if key == "HEADER":
        args = [key, Quoted(text), Quoted("THREAD.1@EXAMPLE")]
    result, got = search(box.client, *args)
    expect_equal(result.status, "OK", f"SEARCH {key} {text!r}")
    expect_equal(got, _seq(*names), f"the messages SEARCH {key} {text!r} matches")


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(("key", "text"), [("BODY", "Forwarder"), ("BODY", "Alternative parts"),
                                           ("SUBJECT", "Hello Bob"), ("FROM", "Grüße")])
def test_string_keys_look_only_at_their_part(imap, imap_sandbox, key, text):
    """BODY looks in the body, SUBJECT / FROM in their header field: text that occurs
    only elsewhere in the message does not match."""
    box = _box(imap, imap_sandbox)
    result, got = search(box.client, "CHARSET", "UTF-8", key, _arg(text)) if not text.isascii() \
        else search(box.client, key, Quoted(text))
    if result.code_name == "BADCHARSET":
        pytest.skip("no CHARSET UTF-8")
    expect_equal(got, [], f"the messages SEARCH {key} {text!r} matches")


@pytest.mark.rfc(3501, "6.4.4", "SHOULD")
@pytest.mark.parametrize(
    ("key", "text", "names"),
    [
        ("BODY", "zanzibar", ["base64-text"]),  # base64 text/plain
        ("BODY", "Föhn über", ["base64-text"]),  # base64 UTF-8, non-ASCII
        ("BODY", "supercalifragilisticexpialidocious", ["quoted-printable"]),  # QP soft break
        ("BODY", "résumé", ["quoted-printable"]),  # QP ISO-8859-1
        ("BODY", "Café au lait", ["alternative"]),  # QP ISO-8859-1 in multipart/alternative
        ("BODY", "München", ["eight-bit"]),  # 8bit UTF-8
        ("BODY", "日本語", ["eight-bit"]),
        ("SUBJECT", "Prüfung € 100", ["encoded-words"]),  # two RFC 2047 words, two charsets
        ("FROM", "André Pirard", ["encoded-words"]),  # ISO-8859-1 Q
        ("TO", "Наталья", ["encoded-words"]),  # KOI8-R B
        ("TO", "山田", ["encoded-words"]),  # UTF-8 B
        ("CC", "Françoise", ["encoded-words"]),  # windows-1252 Q
        ("TEXT", "zanzibar", ["base64-text"]),
    ],
)
def test_string_keys_match_decoded_text(imap, imap_sandbox, key, text, names):
    """[CHARSET] is the charset of the search strings, so they are compared with the
    message's text as characters: bodies decoded from base64 / quoted-printable and
    their charset, header fields from their RFC 2047 encoded words."""
    box = _box(imap, imap_sandbox)
    expect_equal(_utf8_search(box, key, text), _seq(*names),
                 f"the messages SEARCH CHARSET UTF-8 {key} {text!r} matches")


@pytest.mark.rfc(3501, "6.4.4", "MUST")
def test_charset_us_ascii_is_supported(imap, imap_sandbox):
    """US-ASCII MUST be supported: SEARCH CHARSET US-ASCII works like SEARCH."""
    box = _box(imap, imap_sandbox)
    result, got = search(box.client, "CHARSET", "US-ASCII", "SUBJECT", Quoted("plain text"))
    expect_equal(result.status, "OK", "SEARCH CHARSET US-ASCII SUBJECT \"plain text\"")
    expect_equal(got, _seq("plain"), "the messages it matches")


@pytest.mark.rfc(3501, "6.4.4", "MUST")
def test_unknown_charset_is_no_not_bad(imap, imap_sandbox):
    """If the server does not support the specified [CHARSET], it MUST return a tagged
    NO response (not a BAD)."""
    box = _box(imap, imap_sandbox)
    result, got = search(box.client, "CHARSET", "X-MAILSPEC-NO-SUCH-CHARSET", "BODY", "x")
    expect_equal(result.status, "NO", "SEARCH CHARSET X-MAILSPEC-NO-SUCH-CHARSET BODY x")
    expect_equal(got, [], "no SEARCH results for a refused search")


@pytest.mark.rfc(3501, "6.4.4", "SHOULD")
def test_unknown_charset_says_badcharset(imap, imap_sandbox):
    """This response SHOULD contain the BADCHARSET response code, which MAY list the
    [CHARSET]s supported by the server."""
    box = _box(imap, imap_sandbox)
    result, _ = search(box.client, "CHARSET", "X-MAILSPEC-NO-SUCH-CHARSET", "BODY", "x")
    expect_equal(result.code_name, "BADCHARSET", "the response code of the NO")
    listed = result.code.value if result.code else ()
    expect(all(isinstance(c, str) for c in listed or ()), "BADCHARSET lists charset names",
           expected="(charset ...)", actual=result)


@pytest.mark.rfc(3501, "6.4.4", "MUST")
def test_empty_header_string_matches_every_message_with_the_field(imap, imap_sandbox):
    """HEADER: If the string to search is zero-length, this matches all messages that
    have a header line with the specified field-name regardless of the contents."""
    box = _box(imap, imap_sandbox)
    _, got = search(box.client, "HEADER", "CC", Quoted(""))
    expect_equal(got, _seq("encoded-words", "many-recipients"), 'SEARCH HEADER CC ""')
    _, got = search(box.client, "HEADER", "Content-Transfer-Encoding", Quoted(""))
    expect_equal(got, _seq("eight-bit", "base64-text", "quoted-printable"),
                 'SEARCH HEADER Content-Transfer-Encoding "" (top-level header only)')
