"""Deliberately broken variants of the reference server, one wrong behaviour each.

    python tests/sensitivity/broken_server.py VARIANT [server arguments ...]

Each variant subclasses the reference POP3 session and breaks exactly one thing (the
CPython test_poplib idea, applied to a strict server). The sensitivity tests run suite
modules against each one and require the suite to notice. This file is test code: it
may import the server, the suite never does.
"""

from __future__ import annotations

import sys

from mailspec.reference_server.cli import main
from mailspec.reference_server.pop3 import replies as R
from mailspec.reference_server.pop3.protocol import (
    _NUMBER,
    CommandError,
    Pop3Session,
    State,
    line,
    multiline,
)
from mailspec.reference_server.storage.mbox_store import MboxMaildrop


class ListSizeOffByOne(Pop3Session):
    """LIST reports one octet more than RETR sends."""

    def cmd_LIST(self, arg: bytes | None) -> bytes:
        reply = super().cmd_LIST(arg)
        head, _, rest = reply.partition(b"\r\n")
        if not rest:  # single scan listing: "+OK n size"
            words = head.split(b" ")
            words[-1] = str(int(words[-1]) + 1).encode()
            return b" ".join(words) + b"\r\n"
        fixed = []
        for entry in rest.split(b"\r\n"):
            parts = entry.split(b" ")
            if len(parts) == 2 and parts[1].isdigit():
                entry = parts[0] + b" " + str(int(parts[1]) + 1).encode()
            fixed.append(entry)
        return head + b"\r\n" + b"\r\n".join(fixed)


class CommitOnDrop(Pop3Session):
    """A dropped connection commits the deletions, as if QUIT had been sent."""

    def connection_lost(self) -> None:
        if self.state is State.TRANSACTION and self.maildrop is not None:
            self.maildrop.commit(sorted(self.deleted))
        super().connection_lost()


class UnstableUidl(Pop3Session):
    """UIDL ids change from one session to the next (they are stable within a session)."""

    sessions = 0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        UnstableUidl.sessions += 1
        self.suffix = b"x%d" % UnstableUidl.sessions

    def cmd_UIDL(self, arg: bytes | None) -> bytes:
        reply = super().cmd_UIDL(arg)
        lines = reply.split(b"\r\n")
        out = []
        for i, text in enumerate(lines):
            words = text.split(b" ")
            if i == 0 and text.startswith(b"+OK") and len(words) == 3:
                text = text + self.suffix  # single listing "+OK n uid"
            elif i > 0 and len(words) == 2 and words[0].isdigit():
                text = text + self.suffix
            out.append(text)
        return b"\r\n".join(out)


class NoDotStuffing(Pop3Session):
    """Multi-line responses carrying message text (RETR, TOP) are sent without
    byte-stuffing lines that start with '.'."""

    def cmd_RETR(self, arg: bytes | None) -> bytes:
        (token,) = self._args(arg, 1, 1)
        i = self._message(token)
        wire = self._read(i)
        return b"+OK\r\n" + wire + b".\r\n"

    def cmd_TOP(self, arg: bytes | None) -> bytes:
        reply = super().cmd_TOP(arg)
        if not reply.startswith(b"+OK"):
            return reply
        status, _, body = reply.partition(b"\r\n")
        body = body[: -len(b".\r\n")]  # the terminator; the body ends in CRLF
        if body.startswith(b".."):
            body = body[1:]
        return status + b"\r\n" + body.replace(b"\r\n..", b"\r\n.") + b".\r\n"


class DeleTwiceAccepted(Pop3Session):
    """DELE of an already deleted message answers +OK."""

    def cmd_DELE(self, arg: bytes | None) -> bytes:
        if arg is not None and arg.isdigit() and int(arg) - 1 in self.deleted:
            return line("+OK message deleted")
        return super().cmd_DELE(arg)


class RsetForgets(Pop3Session):
    """RSET answers +OK but leaves messages marked as deleted."""

    def cmd_RSET(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        count, size = self._totals()
        return line(f"+OK maildrop has {count} messages ({size} octets)")


class StatCountsDeleted(Pop3Session):
    """STAT still counts messages marked as deleted."""

    def cmd_STAT(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        messages = self._drop().messages
        return line(f"+OK {len(messages)} {sum(m.size for m in messages)}")


class TopIgnoresCount(Pop3Session):
    """TOP sends the whole message, whatever number of lines was asked for."""

    def cmd_TOP(self, arg: bytes | None) -> bytes:
        token, count = self._args(arg, 2, 2)
        i = self._message(token)
        if not _NUMBER.fullmatch(count):  # a bad line count is still refused
            raise CommandError(R.ERR_SYNTAX)
        return multiline("+OK", self._read(i))


class TransactionCommandsBeforeLogin(Pop3Session):
    """STAT answers +OK in the AUTHORIZATION state."""

    def receive_line(self, text: bytes) -> list[bytes]:
        if self.state is State.AUTHORIZATION and text.strip().upper() == b"STAT":
            return [line("+OK 0 0")]
        return super().receive_line(text)


class QuitCommitsNothing(Pop3Session):
    """QUIT answers +OK but does not remove deleted messages."""

    def cmd_QUIT(self, arg: bytes | None) -> bytes:
        self.deleted = set()
        return super().cmd_QUIT(arg)


class RenumberAfterDele(Pop3Session):
    """After DELE, later messages move down one number (RFC 1939 §8 forbids it)."""

    def _message(self, token: bytes) -> int:
        if not self.deleted or not token.isdigit():
            return super()._message(token)
        live = self._live()
        number = int(token)
        if 1 <= number <= len(live):
            return live[number - 1]
        return super()._message(token)


class BareLineFeeds(Pop3Session):
    """The replies to NOOP and STAT end in a bare LF instead of CRLF."""

    def cmd_NOOP(self, arg: bytes | None) -> bytes:
        return super().cmd_NOOP(arg).replace(b"\r\n", b"\n")

    def cmd_STAT(self, arg: bytes | None) -> bytes:
        return super().cmd_STAT(arg).replace(b"\r\n", b"\n")


class BareLineFeedsInListings(Pop3Session):
    """Multi-line replies (LIST, UIDL, RETR, TOP, CAPA) end their body lines in a bare LF;
    status lines keep CRLF, so the server looks usable and the suite runs."""

    def receive_line(self, text: bytes) -> list:
        replies = super().receive_line(text)
        out: list = []
        for reply in replies:
            if isinstance(reply, bytes) and reply.count(b"\r\n") > 1:
                status, _, rest = reply.partition(b"\r\n")
                reply = status + b"\r\n" + rest.replace(b"\r\n", b"\n")
            out.append(reply)
        return out


class UnterminatedListings(Pop3Session):
    """Multi-line replies never send their terminating '.' line."""

    def receive_line(self, text: bytes) -> list:
        replies = super().receive_line(text)
        return [
            r[: -len(b".\r\n")] if isinstance(r, bytes) and r.endswith(b"\r\n.\r\n") else r
            for r in replies
        ]


class CapaWithoutTop(Pop3Session):
    """CAPA announces TOP, but TOP answers -ERR."""

    def cmd_TOP(self, arg: bytes | None) -> bytes:
        return line("-ERR TOP is not implemented")


class UnannouncedTopIgnoresCount(TopIgnoresCount):
    """CAPA leaves TOP out, and TOP (which still answers) ignores the line count: a
    suite that tests only announced commands never sees the broken TOP."""

    def capabilities(self) -> list[str]:
        return [c for c in super().capabilities() if c != "TOP"]


class _NoLock:
    def release(self) -> None:
        pass


class NoMaildropLock(Pop3Session):
    """Logins take no exclusive lock: a second session for the same account gets in."""

    def _login(self, user: str) -> bytes:
        store = self.store

        def open_unlocked(name: str) -> MboxMaildrop:
            return MboxMaildrop(store, name, store.account(name), _NoLock())  # type: ignore[arg-type]

        store.open_maildrop = open_unlocked  # type: ignore[method-assign]
        return super()._login(user)


VARIANTS: dict[str, type[Pop3Session]] = {
    "list-size-off-by-one": ListSizeOffByOne,
    "commit-on-drop": CommitOnDrop,
    "unstable-uidl": UnstableUidl,
    "no-dot-stuffing": NoDotStuffing,
    "dele-twice-accepted": DeleTwiceAccepted,
    "rset-forgets": RsetForgets,
    "stat-counts-deleted": StatCountsDeleted,
    "top-ignores-count": TopIgnoresCount,
    "transaction-before-login": TransactionCommandsBeforeLogin,
    "quit-commits-nothing": QuitCommitsNothing,
    "renumber-after-dele": RenumberAfterDele,
    "bare-line-feeds": BareLineFeeds,
    "capa-without-top": CapaWithoutTop,
    "no-maildrop-lock": NoMaildropLock,
    "unannounced-top-ignores-count": UnannouncedTopIgnoresCount,
    "bare-lf-in-listings": BareLineFeedsInListings,
    "unterminated-listings": UnterminatedListings,
}

if __name__ == "__main__":
    variant = VARIANTS[sys.argv[1]]
    raise SystemExit(main(sys.argv[2:], session_factory=variant))
