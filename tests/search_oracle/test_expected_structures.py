"""The hand-written ENVELOPE / BODYSTRUCTURE data agree with the corpus files.

Sizes and line counts are recomputed here from the files with a boundary splitter of
this test's own, so an edited ``.eml`` cannot leave ``fixtures/imap/expected.py``
stale. The canonical-form code is exercised on hand-built wire values.
"""

import re

import pytest
from mailspec.fixtures import corpus
from mailspec.fixtures.corpus.large import large
from mailspec.fixtures.imap import expected as ex


def _split(raw):
    end = raw.find(b"\r\n\r\n")
    return (raw, b"") if end < 0 else (raw[: end + 4], raw[end + 4 :])


def _lines(body):
    return body.count(b"\r\n") + (0 if body.endswith(b"\r\n") or not body else 1)


def _check(raw, body):
    header, content = _split(raw)
    if isinstance(body, ex.Multipart):
        found = re.search(rb'boundary="?([^";\r\n]+)"?', header, re.I)
        delimiter = b"\r\n--" + found.group(1)
        pieces = (b"\r\n" + content).split(delimiter)[1:-1]
        assert len(pieces) == len(body.parts)
        for piece, part in zip(pieces, body.parts, strict=True):
            _check(piece[piece.index(b"\r\n") + 2 :], part)
        return
    assert len(content) == body.size
    if body.lines is not None:
        assert _lines(content) == body.lines
    if body.body is not None:
        _check(content, body.body)


def _load(name):
    return large() if name == "large" else corpus.load(name)


def test_every_expectation_names_a_corpus_message():
    # Other corpus messages (POP3 edge shapes such as bare CRs) have no IMAP structure
    # written down; the IMAP suite parametrises over ex.BODIES only.
    assert set(ex.BODIES) == set(ex.ENVELOPES)
    assert set(ex.BODIES) - {"large"} <= set(corpus.names())


@pytest.mark.parametrize("name", sorted(ex.BODIES))
def test_sizes_and_lines_match_the_files(name):
    _check(_load(name).raw, ex.BODIES[name])


@pytest.mark.parametrize("name", sorted(ex.ENVELOPES))
def test_envelope_subject_and_date_are_the_header_text(name):
    header = _split(_load(name).raw)[0].decode("utf-8")
    env = ex.ENVELOPES[name]
    for field, value in (("Subject", env.subject), ("Date", env.date)):
        found = re.search(rf"^{field}: (.*)$", header, re.M)
        assert (found.group(1).rstrip("\r") if found else None) == value


def test_the_token_is_substituted():
    env = ex.expected_envelope("plain", "abc@run")
    assert env.message_id == "<plain.abc.run@mailspec.invalid>"


def test_a_correct_wire_body_matches_and_a_wrong_size_does_not():
    wire = [b"text", b"plain", [b"charset", b"US-ASCII"], None, None, b"7bit", 113, 7,
            None, None, None, None]
    assert ex.compare_body(wire, ex.BODIES["plain"], extension=True).matches
    assert ex.compare_body(wire[:8], ex.BODIES["plain"], extension=True).matches  # trailing NILs
    assert ex.compare_body(wire[:8], ex.BODIES["plain"], extension=False).matches
    wire[6] = 112
    result = ex.compare_body(wire, ex.BODIES["plain"], extension=True)
    assert not result.matches and any("113" in d for d in result.differences)


def test_rfc2231_accepts_the_raw_and_the_decoded_forms():
    part = ex.BODIES["rfc2231"]
    text = [b"TEXT", b"PLAIN", [b"CHARSET", b"us-ascii"], None, None, b"7BIT", 25, 1]
    for name, value, fname, fvalue in (
        (b"NAME*", b"utf-8''Bericht%20%C3%BCber%20K%C3%B6ln.pdf", None, None),
        (b"NAME", "Bericht über Köln.pdf".encode(), b"FILENAME", "Bericht über Köln.pdf".encode()),
    ):
        dsp = ([b"ATTACHMENT", [b"FILENAME*0*", b"utf-8''Bericht%20%C3%BC",
                                b"FILENAME*1*", b"ber%20K%C3%B6ln.pdf"]]
               if fname is None else [b"ATTACHMENT", [fname, fvalue]])
        pdf = [b"APPLICATION", b"PDF", [name, value], None, None, b"BASE64", 110, None, dsp]
        wire = [text, pdf, b"MIXED", [b"BOUNDARY", b"b2231"]]
        assert ex.compare_body(wire, part, extension=True).matches


def test_envelope_comparison_with_groups():
    env = ex.expected_envelope("alternative", "m@x")
    wire = [b"Tue, 03 Nov 2026 07:30:00 -0500", b"Alternative parts",
            [[b"Doe, Jane", None, b"jane.doe", b"example.org"]],
            [[b"Doe, Jane", None, b"jane.doe", b"example.org"]],
            [[b"Doe, Jane", None, b"jane.doe", b"example.org"]],
            [[None, None, b"undisclosed-recipients", None], [None, None, None, None]],
            None, None, None, b"<alternative.m.x@mailspec.invalid>"]
    assert ex.compare_envelope(wire, env).matches
    wire[5] = None
    assert not ex.compare_envelope(wire, env).matches
