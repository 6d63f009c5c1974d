"""Builders for the message-library tests: small messages and hand-made views."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from reference_server.imap.parsed_message import Entity
from reference_server.imap.tokens import Atom
from reference_server.imap.views import SimpleMessageView

ZONE = timezone(timedelta(hours=1))
WHEN = datetime(1994, 2, 1, 21, 14, 3, tzinfo=ZONE)


def crlf(text: str | bytes) -> bytes:
    """A message written with \\n line ends in the test, in wire form."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def view(
    data: str | bytes = "Subject: x\n\nbody\n",
    *,
    seq: int = 1,
    uid: int = 1,
    flags: tuple[str, ...] = (),
    when: datetime = WHEN,
) -> SimpleMessageView:
    return SimpleMessageView(seq, uid, crlf(data), when, frozenset(flags))


def atoms(text: str) -> list[object]:
    """Space-separated atoms, with (...) as nested lists: enough for FETCH/SEARCH args
    without quoted strings (tests pass those as bytes themselves)."""
    stack: list[list[object]] = [[]]
    for word in text.replace("(", " ( ").replace(")", " ) ").split():
        if word == "(":
            stack.append([])
        elif word == ")":
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(Atom(word))
    return stack[0]


class CountingView(SimpleMessageView):
    """A view that counts content reads: proves that cheap requests read nothing."""

    reads: int = 0

    def raw(self) -> bytes:
        self.reads += 1
        return super().raw()

    def parsed(self) -> Entity:
        self.reads += 1
        return super().parsed()


def counting(data: str | bytes = "Subject: x\n\nbody\n", **kwargs: object) -> CountingView:
    plain = view(data, **kwargs)  # type: ignore[arg-type]
    return CountingView(plain.seq, plain.uid, plain.data, plain.internal_date, plain.flags)
