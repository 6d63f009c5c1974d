"""A sans-IO POP3 server session (RFC 1939, 2449, 2595, 3206, 5034, 6856).

Theory of operation
-------------------
``Pop3Session`` never touches a socket; it is a ``transport.SansIOSession``. The
transport ``feed``s it received bytes and calls ``next_events()``, which answers at most
one command line with a list of events (``transport.events``): ``Send(bytes)`` to write
in order, ``SendStream`` for a large RETR (byte-stuffed chunk by chunk, see
``streaming.py``), ``StartTls()`` to upgrade the connection now (then call
``tls_started``), ``Close()`` to end it. The transport asks for the next command only
once the previous reply has drained, so a pipelining client that never reads costs one
reply, not one per command. ``receive_data`` (feed and answer everything buffered) and
``receive_line`` (one command line, its replies) drive the core without a network.

* Framing: a command line ends in LF (a CR before it is dropped). Lines longer than
  255 octets with the terminator (RFC 2449 §4) get ``-ERR`` and are skipped; SASL
  lines may be 12288 octets (RFC 5034 §4). More than ``max_garbage`` octets without any
  line end closes the connection. Several lines in one read are answered in order
  (RFC 2449 PIPELINING); after ``STLS`` the rest of the buffer is discarded, so no
  plaintext command can be injected into the TLS session (RFC 2595 §4). Each complete
  line counts in ``commands_received``: the transport's idle timer restarts on a whole
  command, never on a single byte (RFC 1939 §3).
* Blocking work: logins (``PASS``, ``APOP``, ``AUTH``: the maildrop lock) and ``QUIT``
  (the rewrite, fsync) are flagged by ``next_blocks()`` and run on the transport's
  worker pool; everything else (a pread of the locked snapshot at most) runs inline.
* States: ``State`` below; the one table ``COMMANDS`` says which command is legal in
  which state. A command outside the table, or in the wrong state, is ``-ERR`` and
  changes nothing.
* Commands: one method ``cmd_<NAME>(arg)`` each, ``arg`` being the raw bytes after
  the first space (None when there is none). A test makes a deliberately broken server
  by subclassing and overriding one of them. Errors are raised as ``CommandError``
  carrying the reply, which ``receive_line`` turns into the ``-ERR`` line.
* Storage: a ``MailStore`` opens a locked ``Maildrop`` snapshot on login; QUIT from
  TRANSACTION commits the deletions (UPDATE state, RFC 1939 §6); anything else that
  ends the session (``connection_lost``) releases the lock and commits nothing.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import itertools
import os
import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from ..storage.interface import Maildrop, MaildropInUse, MailStore, StorageError
from ..transport.events import Close, Event, Send, SendStream, StartTls
from ..transport.session import SansIOSession
from . import replies as R
from .streaming import STREAM_THRESHOLD, multiline_chunks

CRLF = b"\r\n"


class State(enum.Enum):
    AUTHORIZATION = "AUTHORIZATION"
    TRANSACTION = "TRANSACTION"
    UPDATE = "UPDATE"
    CLOSED = "CLOSED"


_A = frozenset({State.AUTHORIZATION})
_T = frozenset({State.TRANSACTION})
_AT = _A | _T

# The one transition table: command -> the states in which it is legal.
COMMANDS: dict[str, frozenset[State]] = {
    "USER": _A,  # RFC 1939 §7
    "PASS": _A,  # RFC 1939 §7
    "APOP": _A,  # RFC 1939 §7
    "AUTH": _A,  # RFC 5034 §4
    "STLS": _A,  # RFC 2595 §4
    "UTF8": _A,  # RFC 6856 §2
    "CAPA": _AT,  # RFC 2449 §5
    "LANG": _AT,  # RFC 6856 §3
    "QUIT": _AT,  # RFC 1939 §4, §6
    "STAT": _T,  # RFC 1939 §5
    "LIST": _T,
    "RETR": _T,
    "DELE": _T,
    "NOOP": _T,
    "RSET": _T,
    "TOP": _T,  # RFC 1939 §7 (optional command, announced by CAPA)
    "UIDL": _T,  # RFC 1939 §7 (optional command, announced by CAPA)
}


# A reply from a cmd_* method: the bytes, or (for a large body) a stream of chunks.
Reply = bytes | SendStream
# Commands that may wait on storage (the maildrop lock, a rewrite with fsync).
BLOCKING_COMMANDS = (b"PASS", b"APOP", b"AUTH", b"QUIT")


class Authenticator(Protocol):
    def check_password(self, user: str, password: str) -> bool: ...

    def secret(self, user: str) -> str | None:
        """The shared secret for APOP, None for an unknown user."""
        ...


@dataclass
class SessionConfig:
    hostname: str = "localhost"
    # STLS is offered only when the transport can do it and TLS is not yet active.
    tls_available: bool = False
    tls_active: bool = False
    implementation: str = "mailspec-reference-0.1"
    # RFC 2595 §2.1: False hides USER and SASL PLAIN (and refuses them) until TLS is on.
    plaintext_login: bool = True
    max_line: int = 255  # RFC 2449 §4, including CRLF
    max_sasl_line: int = 12288  # RFC 5034 §4
    max_garbage: int = 1 << 20
    sasl_mechanisms: tuple[str, ...] = ("PLAIN",)
    # RFC 6856 §3 LANG: (tag, description); the first is the default.
    languages: tuple[tuple[str, str], ...] = (("en", "English"),)
    extra_capabilities: tuple[str, ...] = field(default_factory=tuple)


class CommandError(Exception):
    """A command failed; ``reply`` is the full ``-ERR`` line (without CRLF)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


_counter = itertools.count(1)
_NUMBER = re.compile(rb"[0-9]+")  # leading zeros allowed; the 255-octet line bounds it
_DIGEST = re.compile(rb"[0-9a-f]{32}")
_KEYWORD = re.compile(rb"[A-Za-z][A-Za-z0-9]{2,3}")


def byte_stuff(wire: bytes) -> bytes:
    """RFC 1939 §3: prepend '.' to every line that starts with '.' (input ends in CRLF)."""
    if wire.startswith(b"."):
        wire = b"." + wire
    return wire.replace(b"\r\n.", b"\r\n..")


def multiline(first: str, body: bytes = b"") -> bytes:
    """A multi-line response: status line, byte-stuffed body, the '.' terminator."""
    return first.encode() + CRLF + byte_stuff(body) + b"." + CRLF


def line(text: str) -> bytes:
    return text.encode("utf-8") + CRLF


class Pop3Session(SansIOSession):
    def __init__(
        self,
        store: MailStore,
        authenticator: Authenticator,
        config: SessionConfig | None = None,
    ) -> None:
        self.store = store
        self.authenticator = authenticator
        self.config = config or SessionConfig()
        self.state = State.AUTHORIZATION
        # RFC 1939 §7 APOP: the greeting's timestamp, unique per session.
        self.timestamp = (
            f"<{os.getpid()}.{next(_counter)}.{int(time.time())}@{self.config.hostname}>"
        )
        self.user: str | None = None
        self.utf8 = False
        self.language = self.config.languages[0][0]
        self.maildrop: Maildrop | None = None
        self.deleted: set[int] = set()
        self._pending_user: str | None = None
        self._sasl: str | None = None
        self._buffer = bytearray()
        self._discarding = 0  # >0: inside an overlong line, counting octets skipped
        self._start_tls = False
        self.commands_received = 0

    # -- sans-IO entry points -----------------------------------------------------
    def greeting(self) -> bytes:
        return line(R.GREETING.format(timestamp=self.timestamp))

    def feed(self, data: bytes) -> None:
        if self.state is not State.CLOSED:
            self._buffer += data

    def next_events(self) -> list[Event]:
        """Answer at most one buffered command line; [] when a whole line is missing."""
        if self.state is State.CLOSED:
            return []
        buf = self._buffer
        while True:
            nl = buf.find(b"\n")
            if self._discarding:
                if nl < 0:
                    self._discarding += len(buf)
                    buf.clear()
                    if self._discarding > self.config.max_garbage:
                        return [Send(line(R.ERR_GARBAGE_CLOSE)), self._close()]
                    return []
                del buf[: nl + 1]
                self._discarding = 0
                continue
            limit = self._line_limit()
            if nl < 0:
                if len(buf) > limit:
                    self._discarding = len(buf)
                    buf.clear()
                    return [Send(line(R.ERR_LINE_TOO_LONG))]
                return []
            raw = bytes(buf[: nl + 1])
            del buf[: nl + 1]
            self.commands_received += 1
            if len(raw) > limit:
                return [Send(line(R.ERR_LINE_TOO_LONG))]
            text = raw[:-1]
            if text.endswith(b"\r"):
                text = text[:-1]
            events: list[Event] = [
                r if isinstance(r, SendStream) else Send(r) for r in self.receive_line(text)
            ]
            if self._start_tls:
                self._start_tls = False
                buf.clear()
                events.append(StartTls())
            elif self.state is State.CLOSED:
                events.append(Close())
            return events

    def next_blocks(self) -> bool:
        if self._discarding or b"\n" not in self._buffer:
            return False
        return self._sasl is not None or bytes(self._buffer[:4]).upper() in BLOCKING_COMMANDS

    def timeout_events(self) -> list[Event]:
        return [Send(line(R.ERR_AUTOLOGOUT))]

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed ``data`` and answer every complete line in the buffer (sans-IO tests)."""
        self.feed(data)
        events: list[Event] = []
        while step := self.next_events():
            events.extend(step)
            if isinstance(step[-1], StartTls | Close):
                break
        return events

    def receive_line(self, text: bytes) -> list[Reply]:
        """Handle one command line (no line end); return the replies in order: bytes,
        or a ``SendStream`` for a body larger than ``STREAM_THRESHOLD``."""
        if self.state is State.CLOSED:
            return []
        try:
            if self._sasl is not None:
                mechanism, self._sasl = self._sasl, None
                return [self._sasl_response(mechanism, text)]
            keyword, _, rest = text.partition(b" ")
            arg = rest if _ else None
            if not _KEYWORD.fullmatch(keyword):
                raise CommandError(R.ERR_UNKNOWN_COMMAND)
            name = keyword.decode("ascii").upper()
            states = COMMANDS.get(name)
            if states is None:
                raise CommandError(R.ERR_UNKNOWN_COMMAND)
            if self.state not in states:
                raise CommandError(R.ERR_WRONG_STATE)
            if name != "PASS":
                # RFC 1939 §7: PASS only immediately after a successful USER.
                self._pending_user = None
            handler = getattr(self, f"cmd_{name}")
            return [handler(arg)]
        except CommandError as exc:
            return [line(exc.reply)]

    def tls_started(self) -> None:
        """The transport finished the STLS handshake: forget pre-TLS state."""
        self.config.tls_active = True
        self._pending_user = None

    def connection_lost(self) -> None:
        """The connection ended without QUIT: release the maildrop, commit nothing."""
        self._release()
        self.state = State.CLOSED

    # -- helpers ------------------------------------------------------------------
    def _line_limit(self) -> int:
        if self._sasl is not None or self._buffer[:5].upper() == b"AUTH ":
            return self.config.max_sasl_line
        return self.config.max_line

    def _close(self) -> Close:
        self.connection_lost()
        return Close()

    def _release(self) -> None:
        if self.maildrop is not None:
            maildrop, self.maildrop = self.maildrop, None
            maildrop.release()

    @staticmethod
    def _args(arg: bytes | None, low: int, high: int) -> list[bytes]:
        """Split arguments on single spaces (RFC 1939 §3); reject empty fields."""
        parts = [] if arg is None else arg.split(b" ")
        # RFC 1939's 40-character argument size binds clients; the server accepts any
        # argument that fits the 255-octet line (RFC 2449 §4).
        if not low <= len(parts) <= high or any(not p for p in parts):
            raise CommandError(R.ERR_SYNTAX)
        return parts

    def _text(self, value: bytes) -> str:
        if not value.isascii() and not self.utf8:
            raise CommandError(R.ERR_NOT_UTF8)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(R.ERR_BAD_UTF8) from None

    def _drop(self) -> Maildrop:
        assert self.maildrop is not None
        return self.maildrop

    def _message(self, token: bytes) -> int:
        """A message-number argument -> 0-based index of a live message."""
        if not _NUMBER.fullmatch(token):
            raise CommandError(R.ERR_SYNTAX)
        number = int(token)
        if not 1 <= number <= len(self._drop().messages):
            raise CommandError(R.ERR_NO_SUCH_MESSAGE)
        if number - 1 in self.deleted:
            raise CommandError(R.ERR_DELETED.format(number=number))
        return number - 1

    def _live(self) -> list[int]:
        return [i for i in range(len(self._drop().messages)) if i not in self.deleted]

    def _totals(self) -> tuple[int, int]:
        live = self._live()
        return len(live), sum(self._drop().messages[i].size for i in live)

    def _read(self, index: int) -> bytes:
        try:
            return self._drop().read(index)
        except StorageError as exc:
            raise CommandError(self._sys_reply(exc)) from None

    @staticmethod
    def _sys_reply(exc: StorageError) -> str:
        template = R.ERR_SYS_TEMP if exc.temporary else R.ERR_SYS_PERM
        return template.format(reason=str(exc)[:200])

    def _login(self, user: str) -> bytes:
        """Credentials are good: lock the maildrop and enter TRANSACTION (RFC 1939 §8)."""
        try:
            self.maildrop = self.store.open_maildrop(user)
        except MaildropInUse:
            raise CommandError(R.ERR_IN_USE) from None
        except StorageError as exc:
            raise CommandError(self._sys_reply(exc)) from None
        self.user = user
        self.deleted = set()
        self.state = State.TRANSACTION
        count, size = self._totals()
        return line(R.OK_LOGGED_IN.format(count=count, size=size))

    def capabilities(self) -> list[str]:
        """RFC 2449 §5/§6: what CAPA lists. Capabilities available in AUTHORIZATION
        MUST be announced in both states, so the list is the same after login, except
        STLS: its tag means the command is "present and permitted in the current
        state" (RFC 2595 §4), so only in AUTHORIZATION and before TLS is active."""
        caps = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if self._login_allowed():
            caps.append("USER")
            caps.append("SASL " + " ".join(self.config.sasl_mechanisms))
        if (
            self.config.tls_available
            and not self.config.tls_active
            and self.state is State.AUTHORIZATION
        ):
            caps.append("STLS")
        caps += ["UTF8 USER", "LANG", "EXPIRE NEVER", "LOGIN-DELAY 0"]
        caps.append("IMPLEMENTATION " + self.config.implementation)
        caps += list(self.config.extra_capabilities)
        return caps

    def _login_allowed(self) -> bool:
        return self.config.plaintext_login or self.config.tls_active

    # -- AUTHORIZATION ------------------------------------------------------------
    def cmd_USER(self, arg: bytes | None) -> bytes:
        (name,) = self._args(arg, 1, 1)
        if not self._login_allowed():
            raise CommandError(R.ERR_NEED_TLS)
        # Unknown names get +OK too: PASS fails later, without revealing which is wrong.
        self._pending_user = self._text(name)
        return line(R.OK_USER)

    def cmd_PASS(self, arg: bytes | None) -> bytes:
        user, self._pending_user = self._pending_user, None
        if user is None:
            raise CommandError(R.ERR_NEED_USER)
        if not arg:
            raise CommandError(R.ERR_SYNTAX)
        # RFC 1939 §7: the whole rest of the line is the password, spaces included.
        password = self._text(arg)
        if not self.authenticator.check_password(user, password):
            raise CommandError(R.ERR_AUTH_FAILED)
        return self._login(user)

    def cmd_APOP(self, arg: bytes | None) -> bytes:
        name, digest = self._args(arg, 2, 2)
        user = self._text(name)
        if not _DIGEST.fullmatch(digest):
            raise CommandError(R.ERR_AUTH_FAILED)
        secret = self.authenticator.secret(user)
        if secret is None:
            raise CommandError(R.ERR_AUTH_FAILED)
        expected = hashlib.md5((self.timestamp + secret).encode("utf-8")).hexdigest()
        if not hmac.compare_digest(expected.encode(), digest):
            raise CommandError(R.ERR_AUTH_FAILED)
        return self._login(user)

    def cmd_AUTH(self, arg: bytes | None) -> bytes:
        if arg is None:
            mechanisms = self.config.sasl_mechanisms if self._login_allowed() else ()
            return multiline(R.OK_AUTH_LIST, b"".join(m.encode() + CRLF for m in mechanisms))
        parts = arg.split(b" ")
        if len(parts) > 2 or any(not p for p in parts):
            raise CommandError(R.ERR_SYNTAX)
        mechanism = parts[0].decode("ascii", "replace").upper()
        if not self._login_allowed():
            raise CommandError(R.ERR_NEED_TLS)
        if mechanism not in self.config.sasl_mechanisms:
            raise CommandError(R.ERR_AUTH_MECHANISM)
        if len(parts) == 2:
            # RFC 5034 §4: "=" is an initial response of zero length.
            return self._sasl_response(mechanism, parts[1], initial=True)
        self._sasl = mechanism
        return line(R.CONTINUE_EMPTY)

    def _sasl_response(self, mechanism: str, text: bytes, *, initial: bool = False) -> bytes:
        if text == b"*" and not initial:
            raise CommandError(R.ERR_AUTH_CANCELLED)
        if initial and text == b"=":
            data = b""
        else:
            try:
                data = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise CommandError(R.ERR_AUTH_BASE64) from None
        assert mechanism == "PLAIN"
        fields = data.split(b"\0")
        if len(fields) != 3:
            raise CommandError(R.ERR_AUTH_MALFORMED)
        try:
            authzid, authcid, password = (f.decode("utf-8") for f in fields)
        except UnicodeDecodeError:
            raise CommandError(R.ERR_AUTH_MALFORMED) from None
        if authzid and authzid != authcid:
            raise CommandError(R.ERR_AUTH_FAILED)
        if not self.authenticator.check_password(authcid, password):
            raise CommandError(R.ERR_AUTH_FAILED)
        return self._login(authcid)

    def cmd_STLS(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        if self.config.tls_active:
            raise CommandError(R.ERR_TLS_ACTIVE)
        if not self.config.tls_available:
            raise CommandError(R.ERR_TLS_UNAVAILABLE)
        self._start_tls = True
        return line(R.OK_STLS)

    def cmd_UTF8(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        self.utf8 = True
        return line(R.OK_UTF8)

    # -- both states --------------------------------------------------------------
    def cmd_LANG(self, arg: bytes | None) -> bytes:
        (*wanted,) = self._args(arg, 0, 1)
        languages = self.config.languages
        if not wanted:
            body = b"".join(line(f"{tag} {text}") for tag, text in languages)
            return multiline(R.OK_LANG_LIST, body)
        choice = wanted[0].decode("ascii", "replace")
        for tag, text in languages:
            if choice == "*" or choice.lower() == tag.lower():
                self.language = tag
                return line(R.OK_LANG.format(tag=tag, name=text))
        raise CommandError(R.ERR_LANG)

    def cmd_CAPA(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        return multiline(R.OK_CAPA, b"".join(line(c) for c in self.capabilities()))

    def cmd_QUIT(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        if self.state is State.AUTHORIZATION:
            self.state = State.CLOSED
            return line(R.OK_QUIT_AUTH)
        # RFC 1939 §6: only QUIT from TRANSACTION enters UPDATE and removes messages.
        self.state = State.UPDATE
        try:
            self._drop().commit(sorted(self.deleted))
            reply = R.OK_QUIT.format(count=len(self._live()))
        except StorageError:
            reply = R.ERR_QUIT_FAILED
        finally:
            self._release()
            self.state = State.CLOSED
        return line(reply)

    # -- TRANSACTION --------------------------------------------------------------
    def cmd_STAT(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        count, size = self._totals()
        return line(R.OK_STAT.format(count=count, size=size))

    def cmd_LIST(self, arg: bytes | None) -> bytes:
        (*token,) = self._args(arg, 0, 1)
        messages = self._drop().messages
        if token:
            i = self._message(token[0])
            return line(R.OK_SCAN.format(number=i + 1, size=messages[i].size))
        count, size = self._totals()
        body = b"".join(b"%d %d\r\n" % (i + 1, messages[i].size) for i in self._live())
        return multiline(R.OK_LIST_ALL.format(count=count, size=size), body)

    def cmd_RETR(self, arg: bytes | None) -> Reply:
        (token,) = self._args(arg, 1, 1)
        i = self._message(token)
        wire = self._read(i)
        status = R.OK_RETR.format(size=self._drop().messages[i].size)
        if len(wire) > STREAM_THRESHOLD:
            return SendStream(multiline_chunks(line(status), wire))
        return multiline(status, wire)

    def cmd_TOP(self, arg: bytes | None) -> bytes:
        token, count = self._args(arg, 2, 2)
        i = self._message(token)
        if not _NUMBER.fullmatch(count):
            raise CommandError(R.ERR_SYNTAX)
        wire = self._read(i)
        if wire.startswith(CRLF):
            body_start = 2
        else:
            end = wire.find(b"\r\n\r\n")
            body_start = len(wire) if end < 0 else end + 4
        pos = body_start
        for _ in range(int(count)):
            nxt = wire.find(CRLF, pos)
            if nxt < 0:
                pos = len(wire)
                break
            pos = nxt + 2
        return multiline(R.OK_TOP, wire[:pos])

    def cmd_DELE(self, arg: bytes | None) -> bytes:
        (token,) = self._args(arg, 1, 1)
        i = self._message(token)
        self.deleted.add(i)
        return line(R.OK_DELE.format(number=i + 1))

    def cmd_NOOP(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        return line(R.OK_NOOP)

    def cmd_RSET(self, arg: bytes | None) -> bytes:
        self._args(arg, 0, 0)
        self.deleted.clear()
        count, size = self._totals()
        return line(R.OK_RSET.format(count=count, size=size))

    def cmd_UIDL(self, arg: bytes | None) -> bytes:
        (*token,) = self._args(arg, 0, 1)
        messages = self._drop().messages
        if token:
            i = self._message(token[0])
            return line(R.OK_UIDL_ONE.format(number=i + 1, uid=messages[i].uid))
        body = b"".join(b"%d %s\r\n" % (i + 1, messages[i].uid.encode()) for i in self._live())
        return multiline(R.OK_UIDL_ALL, body)
