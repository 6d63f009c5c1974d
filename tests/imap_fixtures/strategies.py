"""Hypothesis strategies for well-formed IMAP responses (as the parser's value types)."""

from __future__ import annotations

import datetime
import string
from typing import Any

from hypothesis import strategies as st
from mailspec.fixtures.imap.response_parser import ATOM_CHARS, TAG_CHARS
from mailspec.fixtures.imap.response_types import (
    Address,
    Continuation,
    Disposition,
    Envelope,
    EsearchData,
    FetchData,
    ListData,
    Literal8,
    Multipart,
    Namespace,
    NamespaceData,
    ResponseCode,
    SearchData,
    SinglePart,
    StatusData,
    Tagged,
    UidSet,
    Untagged,
    VanishedData,
)

ATOM_ALPHABET = "".join(chr(c) for c in sorted(ATOM_CHARS))
TAG_ALPHABET = "".join(chr(c) for c in sorted(TAG_CHARS))
# TEXT-CHAR without "[" so a text never starts a response code by accident.
TEXT_ALPHABET = "".join(chr(c) for c in range(0x01, 0x80) if c not in (0x0A, 0x0D, 0x5B))

numbers = st.integers(0, 2**32 - 1)
nz_numbers = st.integers(1, 2**32 - 1)
modseqs = st.integers(1, 2**63 - 1)
atoms = st.text(ATOM_ALPHABET, min_size=1, max_size=12)
keywords = st.text(string.ascii_uppercase + "-", min_size=1, max_size=10).filter(
    lambda s: s not in ("NIL",)
)
texts = st.text(TEXT_ALPHABET, max_size=40)
# Strings are str in typed structures; any byte but NUL (literals) is allowed.
strings = st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=30)
nstrings = st.none() | strings
raw_strings = st.binary(max_size=30).filter(lambda b: b"\0" not in b)
# RFC 3516: a BINARY[...] value may also be a literal8, which may hold any octet.
literal8s = st.binary(max_size=30).map(Literal8)

system_flags = st.sampled_from(["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"])
flags = system_flags | atoms.map(lambda a: "\\" + a) | atoms.filter(lambda a: a.upper() != "NIL")
flag_lists = st.lists(flags, max_size=5).map(tuple)


@st.composite
def uid_sets(draw: st.DrawFn) -> UidSet:
    ranges = draw(st.lists(st.tuples(nz_numbers, nz_numbers), min_size=1, max_size=4))
    single = draw(st.lists(st.booleans(), min_size=len(ranges), max_size=len(ranges)))
    return UidSet(
        tuple((a, a) if one else (a, b) for (a, b), one in zip(ranges, single, strict=True))
    )


def _capability_list(draw: st.DrawFn) -> tuple[str, ...]:
    caps = draw(st.lists(atoms, max_size=6))
    position = draw(st.integers(0, len(caps)))
    caps.insert(position, draw(st.sampled_from(["IMAP4rev1", "IMAP4rev2", "imap4REV1"])))
    return tuple(caps)


@st.composite
def codes(draw: st.DrawFn) -> ResponseCode:
    kind = draw(
        st.sampled_from(
            [
                "CAPABILITY", "PERMANENTFLAGS", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
                "HIGHESTMODSEQ", "BADCHARSET", "APPENDUID", "COPYUID", "MODIFIED", "ALERT",
                "PARSE", "READ-ONLY", "READ-WRITE", "TRYCREATE", "UIDNOTSTICKY", "NOMODSEQ",
                "CLOSED", "ALREADYEXISTS", "NONEXISTENT", "UNKNOWN",
            ]
        )
    )  # fmt: skip
    if kind == "CAPABILITY":
        return ResponseCode(kind, _capability_list(draw))
    if kind == "PERMANENTFLAGS":
        perm = draw(st.lists(flags | st.just("\\*"), max_size=5))
        return ResponseCode(kind, tuple(perm))
    if kind in ("UIDNEXT", "UIDVALIDITY", "UNSEEN"):
        return ResponseCode(kind, draw(nz_numbers))
    if kind == "HIGHESTMODSEQ":
        return ResponseCode(kind, draw(modseqs))
    if kind == "BADCHARSET":
        return ResponseCode(kind, tuple(draw(st.lists(atoms | strings, max_size=3))))
    if kind == "APPENDUID":
        return ResponseCode(kind, (draw(nz_numbers), draw(uid_sets())))
    if kind == "COPYUID":
        return ResponseCode(kind, (draw(nz_numbers), draw(uid_sets()), draw(uid_sets())))
    if kind == "MODIFIED":
        return ResponseCode(kind, draw(uid_sets()))
    if kind in ("ALREADYEXISTS", "NONEXISTENT"):
        return ResponseCode(kind, None)
    if kind == "UNKNOWN":
        name = draw(keywords.filter(lambda k: k not in _DEFINED_CODES))
        text = draw(st.none() | st.text(TEXT_ALPHABET.replace("]", ""), min_size=1, max_size=20))
        return ResponseCode(name, text)
    return ResponseCode(kind, None)


_DEFINED_CODES = {
    "CAPABILITY", "PERMANENTFLAGS", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ",
    "BADCHARSET", "APPENDUID", "COPYUID", "MODIFIED", "ALERT", "PARSE", "READ-ONLY",
    "READ-WRITE", "TRYCREATE", "UIDNOTSTICKY", "NOMODSEQ", "CLOSED",
}  # fmt: skip

optional_codes = st.none() | codes()


@st.composite
def dates(draw: st.DrawFn) -> datetime.datetime:
    moment = draw(
        st.datetimes(datetime.datetime(1970, 1, 1), datetime.datetime(2200, 12, 31))
    ).replace(microsecond=0)
    minutes = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    return moment.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes)))


addresses = st.builds(Address, nstrings, nstrings, nstrings, nstrings)
address_lists = st.none() | st.lists(addresses, min_size=1, max_size=3).map(tuple)
envelopes = st.builds(
    Envelope,
    nstrings,
    nstrings,
    address_lists,
    address_lists,
    address_lists,
    address_lists,
    address_lists,
    address_lists,
    nstrings,
    nstrings,
)
params = st.none() | st.lists(st.tuples(strings, strings), min_size=1, max_size=3).map(tuple)
dispositions = st.none() | st.builds(Disposition, strings, params)
languages = st.none() | st.lists(strings, min_size=1, max_size=3).map(tuple)
extensions = st.recursive(
    st.none() | strings | numbers,
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(tuple),
    max_leaves=5,
)


@st.composite
def _extension_fields(draw: st.DrawFn, first: Any) -> dict[str, Any]:
    count = draw(st.integers(0, 4))
    fields: dict[str, Any] = {"extension_count": count}
    if count >= 1:
        fields.update(first)
    if count >= 2:
        fields["disposition"] = draw(dispositions)
    if count >= 3:
        fields["language"] = draw(languages)
    if count >= 4:
        fields["location"] = draw(nstrings)
        fields["extensions"] = tuple(draw(st.lists(extensions, max_size=2)))
    return fields


def body_parts(depth: int = 2) -> st.SearchStrategy[Any]:
    @st.composite
    def single(draw: st.DrawFn) -> SinglePart:
        shape = draw(st.sampled_from(["basic", "text"] + (["message"] if depth > 0 else [])))
        media = {"basic": draw(st.sampled_from(["APPLICATION", "image", "AUDIO"])), "text": "TEXT"}
        fields: dict[str, Any] = {}
        if shape == "message":
            media_type, subtype = "MESSAGE", draw(st.sampled_from(["RFC822", "rfc822", "GLOBAL"]))
            fields = {
                "envelope": draw(envelopes),
                "body": draw(body_parts(depth - 1)),
                "lines": draw(numbers),
            }
        else:
            media_type = media[shape]
            subtype = draw(atoms)
            if shape == "text":
                fields["lines"] = draw(numbers)
        fields.update(draw(_extension_fields({"md5": draw(nstrings)})))
        return SinglePart(
            media_type,
            subtype,
            draw(params),
            draw(nstrings),
            draw(nstrings),
            draw(st.sampled_from(["7BIT", "BASE64", "quoted-printable", "x-custom"])),
            draw(numbers),
            **fields,
        )

    if depth <= 0:
        return single()

    @st.composite
    def multi(draw: st.DrawFn) -> Multipart:
        parts = tuple(draw(st.lists(body_parts(depth - 1), min_size=1, max_size=3)))
        fields = draw(_extension_fields({"params": draw(params)}))
        return Multipart(parts, draw(atoms), **fields)

    return single() | multi()


section_keys = st.sampled_from(
    [
        "BODY[]", "BODY[TEXT]", "BODY[HEADER]", "BODY[1]", "BODY[1.2.MIME]", "BODY[2.HEADER]",
        "BODY[HEADER.FIELDS (FROM TO)]", "BODY[HEADER.FIELDS.NOT (SUBJECT)]", "BODY[]<0>",
        "BODY[1.TEXT]<42>", "BINARY[]", "BINARY[1.2]", "BINARY[1]<4>", "RFC822", "RFC822.HEADER", "RFC822.TEXT",
    ]
)  # fmt: skip


@st.composite
def fetch_data(draw: st.DrawFn) -> FetchData:
    items: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(
            st.sampled_from(
                [
                    "FLAGS",
                    "UID",
                    "RFC822.SIZE",
                    "INTERNALDATE",
                    "ENVELOPE",
                    "BODY",
                    "BODYSTRUCTURE",
                    "SECTION",
                    "MODSEQ",
                    "BINARY.SIZE[1]",
                ]
            )
        )
        if kind == "FLAGS":
            items[kind] = draw(st.lists(flags | st.just("\\Recent"), max_size=4).map(tuple))
        elif kind == "UID":
            items[kind] = draw(nz_numbers)
        elif kind in ("RFC822.SIZE", "BINARY.SIZE[1]"):
            items[kind] = draw(numbers)
        elif kind == "MODSEQ":
            items[kind] = draw(modseqs)
        elif kind == "INTERNALDATE":
            items[kind] = draw(dates())
        elif kind == "ENVELOPE":
            items[kind] = draw(envelopes)
        elif kind in ("BODY", "BODYSTRUCTURE"):
            items[kind] = draw(body_parts())
        else:
            key = draw(section_keys)
            values = st.none() | raw_strings
            items[key] = draw(values | literal8s if key.startswith("BINARY[") else values)
    return FetchData(items)


@st.composite
def namespaces(draw: st.DrawFn) -> tuple[Namespace, ...] | None:
    if draw(st.booleans()):
        return None
    count = draw(st.integers(1, 3))
    return tuple(
        Namespace(
            draw(strings),
            draw(st.none() | st.sampled_from(["/", ".", '"', "\\"])),
            tuple(
                draw(
                    st.lists(
                        st.tuples(strings, st.lists(strings, min_size=1, max_size=2).map(tuple)),
                        max_size=2,
                    )
                )
            ),
        )
        for _ in range(count)
    )


def _thread_members(depth: int) -> st.SearchStrategy[list[Any]]:
    @st.composite
    def members(draw: st.DrawFn) -> list[Any]:
        head = draw(st.lists(nz_numbers, min_size=1, max_size=3))
        if depth > 0 and draw(st.booleans()):
            head += draw(st.lists(_thread_members(depth - 1), min_size=2, max_size=3))
        return head

    return members()


mailbox_names = atoms | strings.filter(bool) | st.just("INBOX")


@st.composite
def untagged(draw: st.DrawFn) -> Untagged:
    kind = draw(
        st.sampled_from(
            [
                "OK",
                "NO",
                "BAD",
                "BYE",
                "PREAUTH",
                "CAPABILITY",
                "ENABLED",
                "FLAGS",
                "LIST",
                "LSUB",
                "STATUS",
                "SEARCH",
                "SORT",
                "ESEARCH",
                "NAMESPACE",
                "ID",
                "VANISHED",
                "THREAD",
                "EXISTS",
                "RECENT",
                "EXPUNGE",
                "FETCH",
                "GENERIC",
            ]
        )
    )
    if kind in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
        return Untagged(kind, code=draw(optional_codes), text=draw(texts))
    if kind == "CAPABILITY":
        return Untagged(kind, data=_capability_list(draw))
    if kind == "ENABLED":
        return Untagged(kind, data=tuple(draw(st.lists(atoms, max_size=3))))
    if kind == "FLAGS":
        return Untagged(kind, data=draw(flag_lists))
    if kind in ("LIST", "LSUB"):
        attributes = tuple(draw(st.lists(atoms.map(lambda a: "\\" + a), max_size=3)))
        extended = tuple(
            draw(st.lists(st.tuples(keywords, st.lists(raw_strings, max_size=2)), max_size=2))
        )
        delimiter = draw(st.none() | st.sampled_from(["/", ".", '"', "\\"]))
        return Untagged(kind, data=ListData(attributes, delimiter, draw(mailbox_names), extended))
    if kind == "STATUS":
        names = draw(
            st.lists(
                st.sampled_from(
                    [
                        "MESSAGES",
                        "RECENT",
                        "UIDNEXT",
                        "UIDVALIDITY",
                        "UNSEEN",
                        "SIZE",
                        "HIGHESTMODSEQ",
                    ]
                ),
                unique=True,
            )
        )
        return Untagged(
            kind, data=StatusData(draw(mailbox_names), {n: draw(numbers) for n in names})
        )
    if kind in ("SEARCH", "SORT"):
        modseq = draw(st.none() | modseqs) if kind == "SEARCH" else None
        return Untagged(
            kind, data=SearchData(tuple(draw(st.lists(nz_numbers, max_size=5))), modseq)
        )
    if kind == "ESEARCH":
        items: dict[str, Any] = {}
        values = {
            "MIN": nz_numbers,
            "MAX": nz_numbers,
            "COUNT": numbers,
            "ALL": uid_sets(),
            "MODSEQ": modseqs,
        }
        for name in draw(st.lists(st.sampled_from(sorted(values)), unique=True)):
            items[name] = draw(values[name])
        return Untagged(
            kind, data=EsearchData(draw(st.none() | strings), draw(st.booleans()), items)
        )
    if kind == "NAMESPACE":
        return Untagged(
            kind, data=NamespaceData(draw(namespaces()), draw(namespaces()), draw(namespaces()))
        )
    if kind == "ID":
        return Untagged(kind, data=draw(st.none() | st.dictionaries(strings, nstrings, max_size=3)))
    if kind == "VANISHED":
        return Untagged(kind, data=VanishedData(draw(st.booleans()), draw(uid_sets())))
    if kind == "THREAD":
        return Untagged(kind, data=draw(st.lists(_thread_members(2), max_size=3)))
    if kind in ("EXISTS", "RECENT"):
        return Untagged(kind, number=draw(numbers))
    if kind == "EXPUNGE":
        return Untagged(kind, number=draw(nz_numbers))
    if kind == "FETCH":
        return Untagged(kind, number=draw(nz_numbers), data=draw(fetch_data()))
    name = draw(st.sampled_from(["QUOTA", "ACL", "METADATA", "X-THING"]))
    generic = st.recursive(
        st.none()
        | numbers
        | raw_strings
        | atoms.filter(lambda a: not a.isdigit() and a.upper() != "NIL"),
        lambda inner: st.lists(inner, max_size=3),
        max_leaves=6,
    )
    return Untagged(name, data=draw(st.lists(generic, max_size=4)))


tagged = st.builds(
    Tagged,
    st.text(TAG_ALPHABET, min_size=1, max_size=8),
    st.sampled_from(["OK", "NO", "BAD"]),
    optional_codes,
    texts,
)
continuations = st.builds(Continuation, texts, optional_codes)
fetches = st.builds(Untagged, st.just("FETCH"), nz_numbers, fetch_data())


@st.composite
def binary_fetch_data(draw: st.DrawFn) -> FetchData:
    """BINARY[section]<origin> values (literal8 mostly) and BINARY.SIZE (RFC 3516 §4.3)."""
    items: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 4))):
        part = ".".join(str(n) for n in draw(st.lists(st.integers(1, 12), max_size=3)))
        if draw(st.booleans()):
            items[f"BINARY.SIZE[{part}]"] = draw(numbers)
            continue
        origin = draw(st.none() | numbers)
        key = f"BINARY[{part}]" + ("" if origin is None else f"<{origin}>")
        items[key] = draw(literal8s | literal8s | raw_strings | st.none())
    return FetchData(items)


binary_fetches = st.builds(Untagged, st.just("FETCH"), nz_numbers, binary_fetch_data())
# Untagged data is where the grammar is; weight it over the simple status lines.
responses = st.one_of(untagged(), untagged(), untagged(), fetches, fetches, tagged, continuations)
