"""Serialise parsed IMAP responses back to the wire, for the parser's round-trip tests.

The inverse of fixtures/imap/response_parser.py for the values it yields. Strings are
written quoted or as literals (``literal_chance``), so both forms are exercised.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from mailspec.fixtures.imap.command_args import can_quote, is_atom
from mailspec.fixtures.imap.response_types import (
    BodyPart,
    Continuation,
    Disposition,
    Envelope,
    EsearchData,
    FetchData,
    ListData,
    Literal8,
    Multipart,
    NamespaceData,
    Response,
    ResponseCode,
    SearchData,
    StatusData,
    Tagged,
    UidSet,
    Untagged,
    VanishedData,
)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Writer:
    def __init__(self, rng: random.Random | None = None, literal_chance: float = 0.25) -> None:
        self.rng = rng or random.Random(0)
        self.literal_chance = literal_chance

    # -- values -----------------------------------------------------------------------

    def string(self, value: str | bytes) -> bytes:
        data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        if isinstance(data, Literal8):
            return b"~{%d}\r\n" % len(data) + bytes(data)
        if can_quote(data) and self.rng.random() >= self.literal_chance:
            return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
        return b"{%d}\r\n" % len(data) + data

    def nstring(self, value: str | bytes | None) -> bytes:
        return b"NIL" if value is None else self.string(value)

    def astring(self, value: str) -> bytes:
        data = value.encode("utf-8", "surrogateescape")
        if is_atom(data) and self.rng.random() < 0.5:
            return data
        return self.string(data)

    def generic(self, value: Any) -> bytes:
        if value is None:
            return b"NIL"
        if isinstance(value, bool):
            raise TypeError(value)
        if isinstance(value, int):
            return str(value).encode()
        if isinstance(value, str):
            return value.encode("ascii")
        if isinstance(value, bytes):
            return self.string(value)
        if isinstance(value, list):
            return b"(" + b" ".join(self.generic(v) for v in value) + b")"
        raise TypeError(f"no generic form for {value!r}")

    def flags(self, flags: tuple[str, ...]) -> bytes:
        return b"(" + " ".join(flags).encode("ascii") + b")"

    def uid_set(self, value: UidSet) -> bytes:
        return str(value).encode()

    def date_time(self, moment: datetime.datetime) -> bytes:
        offset = moment.utcoffset() or datetime.timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        minutes = abs(minutes)
        day = f"{moment.day:2d}" if self.rng.random() < 0.5 else f"{moment.day:02d}"
        return (
            f'"{day}-{MONTHS[moment.month - 1]}-{moment.year:04d} '
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} "
            f'{sign}{minutes // 60:02d}{minutes % 60:02d}"'
        ).encode()

    # -- responses --------------------------------------------------------------------

    def response(self, response: Response) -> bytes:
        if isinstance(response, Continuation):
            return b"+ " + self.resp_text(response.code, response.text) + b"\r\n"
        if isinstance(response, Tagged):
            return (
                response.tag.encode()
                + b" "
                + response.status.encode()
                + b" "
                + self.resp_text(response.code, response.text)
                + b"\r\n"
            )
        return b"* " + self.untagged(response) + b"\r\n"

    def resp_text(self, code: ResponseCode | None, text: str) -> bytes:
        head = b"" if code is None else b"[" + self.code(code) + b"] "
        return head + text.encode("utf-8")

    def code(self, code: ResponseCode) -> bytes:
        name = code.name.encode()
        value = code.value
        if code.name == "CAPABILITY":
            return name + b"".join(b" " + c.encode() for c in value)
        if code.name == "PERMANENTFLAGS":
            return name + b" " + self.flags(value)
        if code.name in ("UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ"):
            return name + b" %d" % value
        if code.name == "BADCHARSET":
            if not value:
                return name
            return name + b" (" + b" ".join(self.astring(v) for v in value) + b")"
        if code.name == "APPENDUID":
            return name + b" %d " % value[0] + self.uid_set(value[1])
        if code.name == "COPYUID":
            return (
                name + b" %d " % value[0] + self.uid_set(value[1]) + b" " + self.uid_set(value[2])
            )
        if code.name == "MODIFIED":
            return name + b" " + self.uid_set(value)
        if value is None:
            return name
        return name + b" " + value.encode()

    def untagged(self, response: Untagged) -> bytes:
        kind = response.kind.encode()
        data = response.data
        if response.kind in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
            return kind + b" " + self.resp_text(response.code, response.text)
        if response.number is not None:
            head = b"%d " % response.number + kind
            return head + (b" " + self.fetch(data) if response.kind == "FETCH" else b"")
        if response.kind in ("CAPABILITY", "ENABLED"):
            return kind + b"".join(b" " + c.encode() for c in data)
        if response.kind == "FLAGS":
            return kind + b" " + self.flags(data)
        if response.kind in ("LIST", "LSUB"):
            return kind + b" " + self.list_data(data)
        if response.kind == "STATUS":
            return kind + b" " + self.status(data)
        if response.kind in ("SEARCH", "SORT"):
            return kind + self.search(data)
        if response.kind == "ESEARCH":
            return kind + self.esearch(data)
        if response.kind == "NAMESPACE":
            return kind + b" " + self.namespace(data)
        if response.kind == "ID":
            return kind + b" " + self.id_params(data)
        if response.kind == "VANISHED":
            return kind + self.vanished(data)
        if response.kind == "THREAD":
            return kind + ((b" " + b"".join(self.thread(t) for t in data)) if data else b"")
        return kind + b"".join(b" " + self.generic(v) for v in data)

    def list_data(self, data: ListData) -> bytes:
        delimiter = b"NIL" if data.delimiter is None else self._quoted_char(data.delimiter)
        out = self.flags(data.attributes) + b" " + delimiter + b" " + self.astring(data.name)
        if data.extended:
            items = [self.string(tag) + b" " + self.generic(value) for tag, value in data.extended]
            out += b" (" + b" ".join(items) + b")"
        return out

    def _quoted_char(self, char: str) -> bytes:
        return b'"' + (b"\\" if char in '"\\' else b"") + char.encode() + b'"'

    def status(self, data: StatusData) -> bytes:
        items = b" ".join(f"{k} {v}".encode() for k, v in data.items.items())
        return self.astring(data.mailbox) + b" (" + items + b")"

    def search(self, data: SearchData) -> bytes:
        out = b"".join(b" %d" % n for n in data.numbers)
        if data.modseq is not None:
            out += b" (MODSEQ %d)" % data.modseq
        return out

    def esearch(self, data: EsearchData) -> bytes:
        out = b""
        if data.tag is not None:
            out += b" (TAG " + self.string(data.tag) + b")"
        if data.uid:
            out += b" UID"
        for name, value in data.items.items():
            shown = self.uid_set(value) if isinstance(value, UidSet) else self.generic(value)
            out += b" " + name.encode() + b" " + shown
        return out

    def vanished(self, data: VanishedData) -> bytes:
        return (b" (EARLIER)" if data.earlier else b"") + b" " + self.uid_set(data.uids)

    def thread(self, node: list[Any]) -> bytes:
        # thread-members = nz-number *(SP nz-number) [SP thread-nested]
        out = b"("
        for index, item in enumerate(node):
            if isinstance(item, list):
                after_number = index > 0 and not isinstance(node[index - 1], list)
                out += (b" " if after_number else b"") + self.thread(item)
            else:
                out += (b" " if index else b"") + str(item).encode()
        return out + b")"

    def namespace(self, data: NamespaceData) -> bytes:
        parts = []
        for group in (data.personal, data.other, data.shared):
            if group is None:
                parts.append(b"NIL")
                continue
            out = b"("
            for ns in group:
                delimiter = b"NIL" if ns.delimiter is None else self._quoted_char(ns.delimiter)
                out += b"(" + self.string(ns.prefix) + b" " + delimiter
                for name, values in ns.extensions:
                    out += (
                        b" "
                        + self.string(name)
                        + b" ("
                        + b" ".join(self.string(v) for v in values)
                        + b")"
                    )
                out += b")"
            parts.append(out + b")")
        return b" ".join(parts)

    def id_params(self, data: dict[str, str | None] | None) -> bytes:
        if data is None:
            return b"NIL"
        return (
            b"("
            + b" ".join(self.string(k) + b" " + self.nstring(v) for k, v in data.items())
            + b")"
        )

    # -- FETCH ------------------------------------------------------------------------

    def fetch(self, data: FetchData) -> bytes:
        return b"(" + b" ".join(self.fetch_item(k, v) for k, v in data.items.items()) + b")"

    def fetch_item(self, name: str, value: Any) -> bytes:
        key = name.encode()
        if name == "FLAGS":
            return key + b" " + self.flags(value)
        if name in ("UID", "RFC822.SIZE") or name.startswith("BINARY.SIZE["):
            return key + b" %d" % value
        if name == "MODSEQ":
            return key + b" (%d)" % value
        if name == "INTERNALDATE":
            return key + b" " + self.date_time(value)
        if name == "ENVELOPE":
            return key + b" " + self.envelope(value)
        if name in ("BODY", "BODYSTRUCTURE"):
            return key + b" " + self.body(value)
        if name.startswith(("BODY[", "BINARY[", "RFC822")):
            return key + b" " + self.nstring(value)
        return key + b" " + self.generic(value)

    def envelope(self, env: Envelope) -> bytes:
        fields = [self.nstring(env.date), self.nstring(env.subject)]
        for group in (env.from_, env.sender, env.reply_to, env.to, env.cc, env.bcc):
            if group is None:
                fields.append(b"NIL")
            else:
                fields.append(
                    b"("
                    + b"".join(
                        b"("
                        + b" ".join(self.nstring(x) for x in (a.name, a.adl, a.mailbox, a.host))
                        + b")"
                        for a in group
                    )
                    + b")"
                )
        fields += [self.nstring(env.in_reply_to), self.nstring(env.message_id)]
        return b"(" + b" ".join(fields) + b")"

    def params(self, params: tuple[tuple[str, str], ...] | None) -> bytes:
        if params is None:
            return b"NIL"
        return b"(" + b" ".join(self.string(k) + b" " + self.string(v) for k, v in params) + b")"

    def disposition(self, dsp: Disposition | None) -> bytes:
        if dsp is None:
            return b"NIL"
        return b"(" + self.string(dsp.type) + b" " + self.params(dsp.params) + b")"

    def language(self, lang: tuple[str, ...] | None) -> bytes:
        if lang is None:
            return b"NIL"
        if len(lang) == 1 and self.rng.random() < 0.5:
            return self.string(lang[0])
        return b"(" + b" ".join(self.string(v) for v in lang) + b")"

    def extension(self, value: Any) -> bytes:
        if isinstance(value, tuple):
            return b"(" + b" ".join(self.extension(v) for v in value) + b")"
        if isinstance(value, int):
            return b"%d" % value
        return self.nstring(value)

    def _ext_tail(self, part: BodyPart, count: int, first: bytes) -> bytes:
        """The extension fields present (``count`` of them, the first one given)."""
        out = b""
        fields = [
            first,
            self.disposition(part.disposition),
            self.language(part.language),
            self.nstring(part.location),
        ]
        for index in range(count):
            out += b" " + fields[index]
        if count >= 4:
            out += b"".join(b" " + self.extension(e) for e in part.extensions)
        return out

    def body(self, part: BodyPart) -> bytes:
        if isinstance(part, Multipart):
            inner = b"".join(self.body(p) for p in part.parts)
            out = inner + b" " + self.string(part.subtype)
            out += self._ext_tail(part, part.extension_count, self.params(part.params))
            return b"(" + out + b")"
        out = (
            self.string(part.type)
            + b" "
            + self.string(part.subtype)
            + b" "
            + self.params(part.params)
            + b" "
            + self.nstring(part.id)
            + b" "
            + self.nstring(part.description)
            + b" "
            + self.string(part.encoding)
            + b" %d" % part.size
        )
        if part.envelope is not None and part.body is not None:
            out += b" " + self.envelope(part.envelope) + b" " + self.body(part.body)
        if part.lines is not None:
            out += b" %d" % part.lines
        out += self._ext_tail(part, part.extension_count, self.nstring(part.md5))
        return b"(" + out + b")"
