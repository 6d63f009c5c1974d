"""The oracle's MIME reader: unfolding, RFC 2047 words, boundaries, transfer encodings."""

from mailspec.fixtures import corpus
from mailspec.fixtures.imap.message_text import (
    MessageText,
    body_texts,
    decode_words,
    header_fields,
    split_multipart,
)


def test_unfolding_keeps_the_whitespace_and_drops_the_crlf():
    fields = header_fields(b"To: a@example.org,\r\n b@example.org\r\nSubject: x")
    assert fields == [("To", b" a@example.org, b@example.org"), ("Subject", b" x")]


def test_encoded_words_in_several_charsets():
    assert decode_words(b"=?ISO-8859-1?Q?Andr=E9_Pirard?=") == "André Pirard"
    assert decode_words(b"=?KOI8-R?B?7sHUwczY0Q==?=") == "Наталья"
    assert decode_words(b"=?windows-1252?Q?Fran=E7oise?= Dupont") == "Françoise Dupont"


def test_whitespace_between_adjacent_encoded_words_is_dropped():
    value = b"=?ISO-8859-1?Q?Pr=FCfung?= =?UTF-8?B?IOKCrCAxMDA=?="
    assert decode_words(value) == "Prüfung € 100"


def test_an_unknown_charset_or_broken_word_does_not_raise():
    assert "x" in decode_words(b"=?x-unknown?Q?x?=")
    assert isinstance(decode_words(b"=?utf-8?B?###?="), str)


def test_multipart_split_gives_the_parts_without_the_delimiter_crlf():
    body = b"preamble\r\n--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue"
    assert split_multipart(body, "b") == [b"A: 1\r\n\r\none", b"\r\ntwo"]


def test_bodies_are_decoded_from_base64_and_quoted_printable():
    assert "zanzibar" in body_texts(corpus.load("base64-text").raw)[0]
    [qp] = body_texts(corpus.load("quoted-printable").raw)
    assert "supercalifragilisticexpialidocious" in qp
    assert "Naïve résumé" in qp


def test_nested_and_alternative_parts_are_all_read():
    texts = body_texts(corpus.load("nested-message").raw)
    assert any("budget was approved" in t for t in texts)
    assert any("Notes written = after" in t for t in texts)
    assert not any("Chair" in t for t in texts)  # a nested header is not body text


def test_non_text_parts_are_not_body_text():
    texts = body_texts(corpus.load("multipart").raw)
    assert texts and all("AAECAw" not in t for t in texts)


def test_a_message_without_content_type_is_us_ascii_text():
    text = MessageText.of(corpus.load("no-date").raw)
    assert text.bodies and "defaults to text/plain" in text.bodies[0]
    assert not text.has_field("Date")
