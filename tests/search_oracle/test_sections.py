"""The suite's BODY[section] extraction (fixtures/imap/message_text.section_of) and the
search program arguments, checked against the hand-written structures."""

import pytest
from mailspec.fixtures import corpus
from mailspec.fixtures.imap import expected as ex
from mailspec.fixtures.imap.message_text import header_field_lines, section_of
from mailspec.fixtures.imap.search_oracle import ProgramError, arguments


def _leaves(body, prefix=""):
    """(section, Part) of every leaf, numbered as RFC 3501 §6.4.5 numbers them."""
    if isinstance(body, ex.Multipart):
        for index, part in enumerate(body.parts, 1):
            yield from _leaves(part, f"{prefix}{index}.")
        return
    yield prefix.rstrip(".") or "1", body
    if body.body is not None:  # message/rfc822: its parts continue the numbering
        yield from _leaves(body.body, prefix)


@pytest.mark.parametrize("name", sorted(ex.SECTIONS))
def test_every_leaf_section_has_the_size_of_its_bodystructure(name):
    raw = corpus.load(name).raw
    for section, part in _leaves(ex.BODIES[name]):
        assert len(section_of(raw, section)) == part.size, section


def test_header_text_and_mime_of_a_nested_message():
    raw = corpus.load("nested-message").raw
    assert section_of(raw, "2.HEADER").startswith(b"From: Chair")
    assert section_of(raw, "2.HEADER").endswith(b"\r\n\r\n")
    assert section_of(raw, "2.TEXT").startswith(b"--fwd-inner")
    assert section_of(raw, "2.MIME").startswith(b"Content-Type: message/rfc822")
    assert section_of(raw, "3.MIME").endswith(b"\r\n\r\n")
    assert section_of(raw, "HEADER") + section_of(raw, "TEXT") == raw


@pytest.mark.parametrize("section", ["0", "4", "1.1", "2.3", "3.1", "1.HEADER", "1.TEXT"])
def test_sections_that_do_not_exist(section):
    assert section_of(corpus.load("nested-message").raw, section) is None


def test_a_single_part_message_has_part_one_only():
    raw = corpus.load("plain").raw
    assert section_of(raw, "1") == corpus.load("plain").body
    assert section_of(raw, "2") is None
    assert section_of(raw, "1.MIME") is None


def test_header_field_lines_keep_folding():
    header = section_of(corpus.load("many-recipients").raw, "HEADER")
    to = [line for line in header_field_lines(header) if line.startswith(b"To:")]
    assert len(to) == 1 and to[0].count(b"\r\n") == 6


def test_program_arguments():
    assert arguments('OR (SEEN FROM "a b") NOT BODY {3}\r\nabc') == [
        "OR", ["SEEN", "FROM", ("string", "a b")], "NOT", "BODY", ("string", "abc")]
    with pytest.raises(ProgramError):
        arguments("(SEEN")
    with pytest.raises(ProgramError):
        arguments("SEEN)")
