"""A sans-IO IMAP4rev1 server session (RFC 3501), with the extensions it announces.

Theory of operation
-------------------
``ImapSession`` never touches a socket; it is a ``transport.SansIOSession``. The
transport ``feed``s it the octets that arrived and asks ``next_events()`` for the answer
to *one* command unit: ``Send(bytes)`` / ``SendStream(chunks)`` to write in order,
``StartTls()`` to upgrade now (then ``tls_started()``), ``Close()`` to end. Tests drive
it the same way, or with ``receive_data`` (feed, then every unit until none is left).

* Framing and tokens: ``command_parser.CommandParser`` (literals, LITERAL+, line and
  literal limits). A synchronising literal ``{n}`` is accepted with ``+ ...`` only when
  the command is known and legal in the current state; otherwise the tagged BAD goes
  out instead and the client never sends the octets (RFC 3501 §7.5).
* States: ``State`` below; the one table ``COMMANDS`` says in which states each command
  is legal. A command outside the table is BAD; in the wrong state, BAD too, and it
  changes nothing.
* Commands: one method ``cmd_<NAME>(command)`` each, where ``command`` carries the tag
  and the argument tokens. A handler writes untagged responses with ``self.untagged``
  and returns ``Done`` (the tagged OK) or raises ``Failure`` (tagged NO / BAD). A test
  makes a deliberately broken server by subclassing and overriding one of them.
* Interaction modes: after ``AUTHENTICATE`` without an initial response the next line
  is the client's SASL response; after ``IDLE`` it is ``DONE``. Both are read raw.
* Mailbox updates: the selected mailbox is a ``selection.Selection``. After every
  command in the selected state the session appends the untagged EXISTS / RECENT /
  FETCH (flags) / EXPUNGE that bring the client up to date; EXPUNGE only after commands
  that allow it (RFC 3501 §7.4.1: never during FETCH, STORE or SEARCH). During IDLE the
  store's ``watch`` callback wakes the transport, which collects the same updates
  through ``pending_output()`` (RFC 2177).
* Storage: ``FolderStore`` / ``Folder`` (storage/interface.py), Unicode names with "/";
  this module converts names from and to modified UTF-7 (mailbox_names.py).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..storage.interface import Folder, FolderError, FolderStore, StorageError
from ..transport.events import Close, Event, Send, SendStream, StartTls
from ..transport.session import SansIOSession
from . import inline, listing, mailbox_names, special_use
from . import replies as R
from .command_parser import (
    Command,
    CommandError,
    CommandParser,
    CommandReady,
    LiteralRequest,
    RawLine,
    RawLineTooLong,
)
from .command_results import Continue, Done, Failure, bad, no, status_line
from .message_commands import MessageCommands
from .parsed_message import ParsedCache
from .response_encoding import (
    list_mailbox,
    mailbox,
    string,
)
from .selection import Selection
from .tokens import Atom, Literal8, Token

CRLF = b"\r\n"
log = logging.getLogger("mailspec.reference_server.imap")
# Parsed messages kept per session (a BODYSTRUCTURE then a BODY[1] parse once).
PARSED_CACHE_BYTES = 8 * 1024 * 1024


class State(enum.Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


_N = frozenset({State.NOT_AUTHENTICATED})
_A = frozenset({State.AUTHENTICATED})
_S = frozenset({State.SELECTED})
_AS = _A | _S
_ANY = _N | _AS

# The one transition table: command -> the states in which it is legal.
COMMANDS: dict[str, frozenset[State]] = {
    # RFC 3501 §6.1: any state.
    "CAPABILITY": _ANY,
    "NOOP": _ANY,
    "LOGOUT": _ANY,
    "ID": _ANY,  # RFC 2971 §3.1: "any state"
    # RFC 3501 §6.2: not authenticated.
    "STARTTLS": _N,
    "AUTHENTICATE": _N,
    "LOGIN": _N,
    # RFC 3501 §6.3: authenticated (and selected, RFC 3501 §3.3).
    "SELECT": _AS,
    "EXAMINE": _AS,
    "CREATE": _AS,
    "DELETE": _AS,
    "RENAME": _AS,
    "SUBSCRIBE": _AS,
    "UNSUBSCRIBE": _AS,
    "LIST": _AS,
    "LSUB": _AS,
    "STATUS": _AS,
    "APPEND": _AS,
    "NAMESPACE": _AS,  # RFC 2342 §5
    "IDLE": _AS,  # RFC 2177 §3
    "ENABLE": _A,  # RFC 5161 §3.1: "only valid in the authenticated state"
    # RFC 3501 §6.4: selected.
    "CHECK": _S,
    "CLOSE": _S,
    "UNSELECT": _S,  # RFC 3691 §2
    "EXPUNGE": _S,
    "SEARCH": _S,
    "FETCH": _S,
    "STORE": _S,
    "COPY": _S,
    "MOVE": _S,  # RFC 6851 §3.1
    "UID": _S,
}

# RFC 3501 §7.4.1: "An EXPUNGE response MUST NOT be sent ... while responding to a
# FETCH, STORE, or SEARCH command." The UID forms are held to the same rule.
NO_EXPUNGE_DURING = frozenset({"FETCH", "STORE", "SEARCH"})


class Authenticator(Protocol):
    def check_password(self, user: str, password: str) -> bool: ...


@dataclass
class ImapConfig:
    hostname: str = "localhost"
    tls_available: bool = False  # the transport can do STARTTLS
    tls_active: bool = False  # implicit TLS, or after STARTTLS
    # False: LOGINDISABLED and no AUTH=PLAIN until TLS is active (RFC 3501 §6.2.3,
    # RFC 2595 §3.2 / RFC 9051 §6.2.3).
    plaintext_login: bool = True
    implementation: str = "mailspec reference"
    version: str = "0.1.0"
    max_line: int = 8192
    max_literal: int = 64 * 1024 * 1024
    extra_capabilities: tuple[str, ...] = field(default_factory=tuple)


class _Mode(enum.Enum):
    COMMAND = "command"
    SASL = "sasl"  # the next line is the client's SASL response
    IDLE = "idle"  # the next line must be DONE


def _full_name(command: Command) -> str:
    """ "UID FETCH" for the UID forms, else the command name."""
    if command.name == "UID" and command.args and isinstance(command.args[0], Atom):
        return f"UID {command.args[0].upper()}"
    return command.name


class ImapSession(MessageCommands, SansIOSession):
    def __init__(
        self,
        store: FolderStore,
        authenticator: Authenticator,
        config: ImapConfig | None = None,
    ) -> None:
        self.store = store
        self.authenticator = authenticator
        self.config = config or ImapConfig()
        self.state = State.NOT_AUTHENTICATED
        self.user: str | None = None
        self.selection: Selection | None = None
        self.selected_name: str | None = None
        self.commands_received = 0
        self.parser = CommandParser(
            max_line=self.config.max_line, max_literal=self.config.max_literal
        )
        self._mode = _Mode.COMMAND
        self._pending: Command | None = None  # the command a SASL/IDLE line belongs to
        self._out: list[bytes | SendStream] = []
        self._after: list[Event] = []
        self._unwatch: Callable[[], None] | None = None
        # RFC 5182: the saved search result (UIDs); parsed messages for FETCH/SEARCH.
        self.saved_uids: set[int] = set()
        self.parsed_cache = ParsedCache(PARSED_CACHE_BYTES)

    # -- the transport's interface ---------------------------------------------------
    def greeting(self) -> bytes:
        # RFC 3501 §7.1.1: OK greeting; the CAPABILITY code saves clients a round trip.
        return status_line("*", "OK", R.GREETING, self._capability_code())

    def feed(self, data: bytes) -> None:
        if self.state is not State.LOGOUT:
            self.parser.feed(data)

    def next_blocks(self) -> bool:
        # Everything after login may wait for folder locks or fsync, except the few
        # reads of the selected folder that inline.py lets run on the event loop.
        if self.state not in _AS:
            return False
        if self._mode is not _Mode.COMMAND:
            return True
        return not inline.runs_inline(self.parser.peek_line(), self.selection)

    def next_events(self) -> list[Event]:
        if self.state is State.LOGOUT:
            return []
        if self._mode is not _Mode.COMMAND:
            return self._next_line_events()
        event = self.parser.next_event()
        if event is None:
            return []
        self.commands_received += 1
        if isinstance(event, LiteralRequest):
            return self._literal_decision(event)
        if isinstance(event, CommandError):
            tag = event.tag or "*"
            return [Send(status_line(tag, "BAD", event.text, event.code))]
        assert isinstance(event, CommandReady)
        return self._run(event.command)

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed ``data`` and answer every complete unit in it (tests, simple callers)."""
        self.feed(data)
        events: list[Event] = []
        while True:
            before = self.commands_received
            step = self.next_events()
            events.extend(step)
            if any(isinstance(e, (StartTls, Close)) for e in step):
                return events
            if not step and self.commands_received == before:
                return events

    def pending_output(self) -> list[Event]:
        """IDLE (RFC 2177): what changed in the selected mailbox, pushed now."""
        if self._mode is _Mode.IDLE and self.selection is not None:
            lines = self._refresh(allow_expunge=True)
            if lines:
                return [Send(b"".join(line + CRLF for line in lines))]
        return []

    def timeout_events(self) -> list[Event]:
        # RFC 3501 §5.4: the autologout timer; BYE says why the connection closes.
        return [Send(status_line("*", "BYE", R.BYE_AUTOLOGOUT))]

    def tls_started(self) -> None:
        self.config.tls_active = True

    def connection_lost(self) -> None:
        self._deselect()
        self.state = State.LOGOUT

    # -- output helpers --------------------------------------------------------------
    def untagged(self, line: bytes) -> None:
        """Queue ``* ...`` (given without "* " and CRLF) for the current command."""
        self._out.append(b"* " + line + CRLF)

    def stream(self, chunks: SendStream) -> None:
        self._out.append(chunks)

    def _flush(self, tagged: bytes) -> list[Event]:
        events: list[Event] = []
        pending = bytearray()
        for item in self._out:
            if isinstance(item, SendStream):
                if pending:
                    events.append(Send(bytes(pending)))
                    pending.clear()
                events.append(item)
            else:
                pending += item
        pending += tagged
        events.append(Send(bytes(pending)))
        self._out = []
        events += self._after
        self._after = []
        return events

    # -- capabilities ------------------------------------------------------------------
    def _login_allowed(self) -> bool:
        return self.config.plaintext_login or self.config.tls_active

    def capabilities(self) -> list[str]:
        caps = ["IMAP4rev1"]
        if self.state is State.NOT_AUTHENTICATED:
            # RFC 3501 §6.2.1 / RFC 2595 §3.1: STARTTLS only where it can be used now.
            if self.config.tls_available and not self.config.tls_active:
                caps.append("STARTTLS")
            if self._login_allowed():
                caps += ["AUTH=PLAIN", "SASL-IR"]
            else:
                # RFC 3501 §6.2.3 / §7.2.1: LOGIN is refused, so clients must not try.
                caps.append("LOGINDISABLED")
        caps += [
            "LITERAL+",
            "IDLE",
            "NAMESPACE",
            "UNSELECT",
            "ENABLE",
            "ID",
            "CHILDREN",
            "LIST-EXTENDED",
            "LIST-STATUS",
            "SPECIAL-USE",
            "CREATE-SPECIAL-USE",
            "STATUS=SIZE",
        ]
        caps += self.extra_capabilities()
        caps += list(self.config.extra_capabilities)
        return caps

    def extra_capabilities(self) -> list[str]:
        """Capabilities of the message commands (message_commands.py)."""
        return self.message_capabilities()

    def _capability_code(self) -> str:
        return "CAPABILITY " + " ".join(self.capabilities())

    # -- dispatch ----------------------------------------------------------------------
    def _literal_decision(self, request: LiteralRequest) -> list[Event]:
        tag = request.tag or "*"
        states = COMMANDS.get(request.name)
        if not request.tag or states is None or self.state not in states:
            self.parser.reject_literal()
            text = R.BAD_UNKNOWN if states is None else self._state_text(request.name)
            return [Send(status_line(tag, "BAD", text))]
        self.parser.accept_literal()
        # RFC 3501 §7.5: "+" asks for the literal's octets.
        return [Send(b"+ " + R.CONTINUE_LITERAL.encode() + CRLF)]

    def _state_text(self, name: str) -> str:
        return R.BAD_STATE.format(name=name, state=self.state.value)

    def _run(self, command: Command) -> list[Event]:
        self._out = []
        self._after = []
        states = COMMANDS.get(command.name)
        if states is None:
            return [Send(status_line(command.tag, "BAD", R.BAD_UNKNOWN))]
        if self.state not in states:
            return [Send(status_line(command.tag, "BAD", self._state_text(command.name)))]
        handler = getattr(self, f"cmd_{command.name}")
        try:
            result = handler(command)
        except Failure as failure:
            self._updates_after(command)
            return self._flush(status_line(command.tag, failure.status, failure.text, failure.code))
        except Exception:
            # A bug (ours or the message library's) answers this one command NO
            # [SERVERBUG] and keeps the connection; what it had queued is dropped.
            log.exception("IMAP %s failed", command.name)
            self._out = []
            self._after = []
            self._mode = _Mode.COMMAND
            return [Send(status_line(command.tag, "NO", R.NO_SERVERBUG, "SERVERBUG"))]
        if isinstance(result, Continue):
            self._pending = command
            return self._flush(b"+ " + result.text.encode() + CRLF)
        self._updates_after(command)
        text = (
            result.text if result.text is not None else R.OK_DONE.format(name=_full_name(command))
        )
        return self._flush(status_line(command.tag, "OK", text, result.code))

    def _updates_after(self, command: Command) -> None:
        if self.state is not State.SELECTED or self.selection is None:
            return
        name = command.name
        if name == "UID" and command.args and isinstance(command.args[0], Atom):
            name = command.args[0].upper()
        for line in self._refresh(allow_expunge=name not in NO_EXPUNGE_DURING):
            self._out.append(line + CRLF)

    def _refresh(self, *, allow_expunge: bool) -> list[bytes]:
        assert self.selection is not None
        try:
            return self.selection.refresh(allow_expunge=allow_expunge)
        except (FolderError, StorageError):
            # The folder went away under us (deleted by another session): nothing to
            # report now; the next command on it fails with NO.
            return []

    def _next_line_events(self) -> list[Event]:
        line = self.parser.read_line()
        if line is None:
            return []
        self.commands_received += 1
        command, self._pending = self._pending, None
        mode, self._mode = self._mode, _Mode.COMMAND
        assert command is not None
        self._out = []
        self._after = []
        try:
            if isinstance(line, RawLineTooLong):
                raise bad(R.BAD_AUTH_LINE if mode is _Mode.SASL else R.BAD_IDLE_DONE)
            assert isinstance(line, RawLine)
            if mode is _Mode.SASL:
                result = self._sasl_response(line.data, initial=False)
            else:
                result = self._idle_done(line.data)
        except Failure as failure:
            return self._flush(status_line(command.tag, failure.status, failure.text, failure.code))
        self._updates_after(command)
        text = result.text if result.text is not None else R.OK_DONE.format(name=command.name)
        return self._flush(status_line(command.tag, "OK", text, result.code))

    # -- argument helpers ----------------------------------------------------------------
    @staticmethod
    def _argc(command: Command, low: int, high: int | None = None) -> list[Token]:
        args = command.args
        if not low <= len(args) <= (low if high is None else high):
            raise bad(R.BAD_ARGS.format(name=command.name))
        return args

    @staticmethod
    def _astring(token: Token, command: Command) -> bytes:
        # astring = 1*ASTRING-CHAR / string (RFC 3501 §9)
        if isinstance(token, (Literal8, list)):
            raise bad(R.BAD_ARGS.format(name=command.name))
        if isinstance(token, Atom):
            if any(c in token for c in "*%\\"):
                raise bad(R.BAD_ARGS.format(name=command.name))
            return token.encode("ascii")
        return bytes(token)

    def _mailbox_arg(self, token: Token, command: Command) -> str:
        return self._decode_mailbox(self._astring(token, command))

    @staticmethod
    def _decode_mailbox(raw: bytes) -> str:
        # RFC 3501 §5.1: "INBOX" is case-insensitive.
        if raw.upper() == b"INBOX":
            return "INBOX"
        try:
            name = mailbox_names.decode(raw)
        except mailbox_names.InvalidName as exc:
            raise no(R.NO_BAD_NAME.format(reason=exc), "CANNOT") from None
        return "INBOX" if name.upper() == "INBOX" else name

    @staticmethod
    def _folder_failure(exc: FolderError | StorageError) -> Failure:
        if isinstance(exc, FolderError):
            return no(str(exc) or R.NO_NONEXISTENT, exc.code)
        # RFC 5530: UNAVAILABLE is temporary, SERVERBUG is not.
        code = "UNAVAILABLE" if exc.temporary else "SERVERBUG"
        return no(R.NO_STORAGE.format(reason=str(exc)[:200]), code)

    def _user(self) -> str:
        assert self.user is not None
        return self.user

    # -- any state (RFC 3501 §6.1) ---------------------------------------------------------
    def cmd_CAPABILITY(self, command: Command) -> Done:
        self._argc(command, 0)
        self.untagged(("CAPABILITY " + " ".join(self.capabilities())).encode())
        return Done()

    def cmd_NOOP(self, command: Command) -> Done:
        # RFC 3501 §6.1.2: NOOP is the polling command; the updates follow it.
        self._argc(command, 0)
        return Done()

    def cmd_LOGOUT(self, command: Command) -> Done:
        self._argc(command, 0)
        # RFC 3501 §6.1.3: BYE first, then the tagged OK, then the server closes.
        self.untagged(b"BYE " + R.BYE_LOGOUT.encode())
        self._deselect()
        self.state = State.LOGOUT
        self._after.append(Close())
        return Done()

    def cmd_ID(self, command: Command) -> Done:
        (params,) = self._argc(command, 1)
        # RFC 2971 §3.3: NIL or a list of field/value string pairs.
        if isinstance(params, Atom):
            if params.upper() != "NIL":
                raise bad(R.BAD_ID.format(detail="expected NIL or a list"))
        elif isinstance(params, list):
            if len(params) % 2 or len(params) > 60:
                raise bad(R.BAD_ID.format(detail="expected up to 30 field/value pairs"))
            for i, item in enumerate(params):
                if isinstance(item, Atom) and i % 2 and item.upper() == "NIL":
                    continue
                if not isinstance(item, bytes) or isinstance(item, Literal8):
                    raise bad(R.BAD_ID.format(detail="fields and values are strings"))
                if i % 2 == 0 and len(item) > 30:
                    raise bad(R.BAD_ID.format(detail="a field name is over 30 octets"))
        else:
            raise bad(R.BAD_ID.format(detail="expected NIL or a list"))
        fields = (b"name", self.config.implementation.encode(), b"version",
                  self.config.version.encode())  # fmt: skip
        self.untagged(b"ID (" + b" ".join(string(f) for f in fields) + b")")
        return Done()

    # -- not authenticated (RFC 3501 §6.2) ---------------------------------------------------
    def cmd_STARTTLS(self, command: Command) -> Done:
        self._argc(command, 0)
        if self.config.tls_active:
            raise bad(R.BAD_TLS_ACTIVE)
        if not self.config.tls_available:
            raise no(R.NO_TLS_UNAVAILABLE)
        # RFC 3501 §6.2.1 / RFC 9051 §6.2.1: anything pipelined after STARTTLS was sent
        # in plaintext and is discarded, never run inside TLS.
        self.parser.discard_input()
        self._after.append(StartTls())
        return Done(R.OK_STARTTLS)

    def cmd_AUTHENTICATE(self, command: Command) -> Done | Continue:
        args = self._argc(command, 1, 2)
        mechanism = args[0]
        if not isinstance(mechanism, Atom):
            raise bad(R.BAD_ARGS.format(name=command.name))
        if mechanism.upper() != "PLAIN":
            raise no(R.NO_AUTH_MECHANISM)
        if not self._login_allowed():
            raise no(R.NO_PRIVACY, "PRIVACYREQUIRED")
        if len(args) == 2:
            # RFC 4959 §3: an initial response; "=" is an empty one.
            initial = args[1]
            if not isinstance(initial, Atom):
                raise bad(R.BAD_AUTH_BASE64)
            return self._sasl_response(initial.encode("ascii"), initial=True)
        self._mode = _Mode.SASL
        # RFC 3501 §6.2.2: an empty challenge for PLAIN.
        return Continue("")

    def _sasl_response(self, data: bytes, *, initial: bool) -> Done:
        if data == b"*" and not initial:
            # RFC 3501 §6.2.2: the client cancels with "*"; the server answers BAD.
            raise bad(R.BAD_AUTH_CANCELLED)
        if initial and data == b"=":
            decoded = b""
        else:
            try:
                decoded = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise bad(R.BAD_AUTH_BASE64) from None
        # RFC 4616 §2: message = [authzid] NUL authcid NUL passwd
        fields = decoded.split(b"\0")
        if len(fields) != 3:
            raise no(R.NO_AUTH_MALFORMED)
        try:
            authzid, authcid, password = (f.decode("utf-8") for f in fields)
        except UnicodeDecodeError:
            raise no(R.NO_AUTH_MALFORMED) from None
        if authzid and authzid != authcid:
            raise no(R.NO_AUTH_FAILED, "AUTHORIZATIONFAILED")
        return self._login(authcid, password)

    def cmd_LOGIN(self, command: Command) -> Done:
        user_token, password_token = self._argc(command, 2)
        user = self._astring(user_token, command)
        password = self._astring(password_token, command)
        if not self._login_allowed():
            # RFC 3501 §6.2.3: LOGINDISABLED; RFC 5530 PRIVACYREQUIRED.
            raise no(R.NO_PRIVACY, "PRIVACYREQUIRED")
        try:
            return self._login(user.decode("utf-8"), password.decode("utf-8"))
        except UnicodeDecodeError:
            raise no(R.NO_AUTH_FAILED, "AUTHENTICATIONFAILED") from None

    def _login(self, user: str, password: str) -> Done:
        if not self.authenticator.check_password(user, password):
            raise no(R.NO_AUTH_FAILED, "AUTHENTICATIONFAILED")
        self.user = user
        self.state = State.AUTHENTICATED
        # RFC 3501 §7.1: the CAPABILITY code, as the capabilities changed.
        return Done(R.OK_LOGGED_IN, self._capability_code())

    # -- authenticated (RFC 3501 §6.3) ---------------------------------------------------
    def _deselect(self) -> None:
        if self._unwatch is not None:
            unwatch, self._unwatch = self._unwatch, None
            unwatch()
        # RFC 5182 §2.1: the saved result is reset when the mailbox changes.
        self.saved_uids = set()
        if self.selection is not None:
            self.parsed_cache = ParsedCache(PARSED_CACHE_BYTES)
            selection, self.selection = self.selection, None
            self.selected_name = None
            # Closing is best effort: nothing of the client's depends on it.
            with contextlib.suppress(FolderError, StorageError):
                selection.folder.close()
        if self.state is State.SELECTED:
            self.state = State.AUTHENTICATED

    def _select(self, command: Command, *, read_only: bool) -> Done:
        (token,) = self._argc(command, 1)
        name = self._mailbox_arg(token, command)
        # RFC 3501 §6.3.1: "If the client ... SELECT[s] a mailbox that does not exist
        # ..., the currently selected mailbox is deselected" -- even on failure.
        self._deselect()
        try:
            folder = self.store.open_folder(self._user(), name)
            selection = Selection(folder, read_only=read_only)
            uidnext = folder.uidnext()
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        flags_line, permanent_line = selection.flags_response()
        # RFC 3501 §6.3.1: FLAGS, EXISTS, RECENT, OK [UNSEEN], [PERMANENTFLAGS],
        # [UIDNEXT], [UIDVALIDITY]. (§6.3.2: EXAMINE reports no permanent flags.)
        self.untagged(flags_line)
        self.untagged(b"%d EXISTS" % len(selection))
        self.untagged(b"%d RECENT" % selection.recent_count())
        unseen = selection.first_unseen()
        if unseen is not None:
            self.untagged(b"OK [UNSEEN %d] " % unseen + R.OK_UNSEEN.format(number=unseen).encode())
        self.untagged(permanent_line)
        self.untagged(b"OK [UIDNEXT %d] " % uidnext + R.OK_UIDNEXT.encode())
        self.untagged(b"OK [UIDVALIDITY %d] " % selection.uidvalidity + R.OK_UIDVALIDITY.encode())
        self.selection = selection
        self.selected_name = name
        self.state = State.SELECTED
        self._unwatch = self.store.watch(self._user(), name, self.wakeup)
        return Done(code="READ-ONLY" if read_only else "READ-WRITE")

    def cmd_SELECT(self, command: Command) -> Done:
        return self._select(command, read_only=False)

    def cmd_EXAMINE(self, command: Command) -> Done:
        return self._select(command, read_only=True)

    def cmd_CREATE(self, command: Command) -> Done:
        token, *params = self._argc(command, 1, 2)
        name = self._mailbox_arg(token, command)
        uses: frozenset[str] = frozenset()
        if params:
            # RFC 4466 create-params; RFC 6154 §3 CREATE-SPECIAL-USE: a use that cannot
            # be given means NO [USEATTR] and no mailbox (checked before creating).
            try:
                uses = special_use.create_uses(params[0])
            except special_use.CreateParamError as exc:
                raise bad(R.BAD_CREATE_PARAMS.format(reason=exc)) from None
            except special_use.UseRefused as exc:
                raise no(R.NO_USEATTR.format(reason=exc), "USEATTR") from None
        # RFC 3501 §6.3.3: a trailing delimiter only declares the intent to create
        # inferiors; the name is created without it.
        if name.endswith(listing.DELIMITER) and len(name) > 1:
            name = name[:-1]
        if name == "INBOX":
            raise no(R.NO_ALREADYEXISTS, "ALREADYEXISTS")
        try:
            if uses:
                self.store.create_folder(self._user(), name, uses)
            else:
                self.store.create_folder(self._user(), name)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def cmd_DELETE(self, command: Command) -> Done:
        (token,) = self._argc(command, 1)
        name = self._mailbox_arg(token, command)
        try:
            self.store.delete_folder(self._user(), name)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def cmd_RENAME(self, command: Command) -> Done:
        old_token, new_token = self._argc(command, 2)
        old = self._mailbox_arg(old_token, command)
        new = self._mailbox_arg(new_token, command)
        if new == "INBOX":
            raise no(R.NO_ALREADYEXISTS, "ALREADYEXISTS")
        try:
            self.store.rename_folder(self._user(), old, new)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def cmd_SUBSCRIBE(self, command: Command) -> Done:
        (token,) = self._argc(command, 1)
        name = self._mailbox_arg(token, command)
        try:
            # RFC 3501 §6.3.6: "A server MAY validate the mailbox argument"; this one
            # does, so that LSUB lists only names that existed when subscribed.
            if not any(e.name == name for e in self.store.list_folders(self._user())):
                raise no(R.NO_NONEXISTENT, "NONEXISTENT")
            self.store.subscribe(self._user(), name)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def cmd_UNSUBSCRIBE(self, command: Command) -> Done:
        (token,) = self._argc(command, 1)
        name = self._mailbox_arg(token, command)
        try:
            if name not in self.store.subscriptions(self._user()):
                # RFC 3501 §6.3.7: NO - "can't unsubscribe that name".
                raise no(R.NO_NOT_SUBSCRIBED, "NONEXISTENT")
            self.store.unsubscribe(self._user(), name)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def _pattern(self, token: Token, command: Command) -> str:
        # list-mailbox = 1*list-char / string: atoms may carry "%" and "*".
        if isinstance(token, Atom):
            raw = token.encode("ascii")
            if "\\" in token:
                raise bad(R.BAD_ARGS.format(name=command.name))
        elif isinstance(token, bytes) and not isinstance(token, Literal8):
            raw = bytes(token)
        else:
            raise bad(R.BAD_ARGS.format(name=command.name))
        try:
            return mailbox_names.decode(raw)
        except mailbox_names.InvalidName:
            # A pattern that is not valid modified UTF-7 matches no stored name, but
            # is not an error (RFC 3501 §6.3.8 only asks that it match nothing).
            return "\0"

    def _reference(self, token: Token, command: Command) -> str:
        raw = self._astring(token, command) if not isinstance(token, Atom) else token.encode()
        try:
            return mailbox_names.decode(raw)
        except mailbox_names.InvalidName:
            return "\0"

    def cmd_LIST(self, command: Command) -> Done:
        args = list(command.args)
        select_opts: list[str] = []
        extended = False
        if args and isinstance(args[0], list):
            # RFC 5258 §3: list-select-opts.
            extended = True
            options = args.pop(0)
            assert isinstance(options, list)
            select_opts = [self._option(o, command) for o in options]
        return_opts: list[Token] = []
        if len(args) == 4 and isinstance(args[2], Atom) and args[2].upper() == "RETURN":
            extended = True
            if not isinstance(args[3], list):
                raise bad(R.BAD_ARGS.format(name=command.name))
            return_opts = args[3]
            args = args[:2]
        if len(args) != 2:
            raise bad(R.BAD_ARGS.format(name=command.name))
        reference = self._reference(args[0], command)
        if isinstance(args[1], list):
            extended = True
            if not args[1]:
                raise bad(R.BAD_ARGS.format(name=command.name))
            patterns = [self._pattern(p, command) for p in args[1]]
        else:
            patterns = [self._pattern(args[1], command)]
        for option in select_opts:
            if option not in ("SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"):
                raise bad(R.BAD_LIST_OPTION.format(option=option))
        if "RECURSIVEMATCH" in select_opts and not set(select_opts) - {"RECURSIVEMATCH", "REMOTE"}:
            # RFC 5258 §3: RECURSIVEMATCH alone (or only with REMOTE) is a syntax error.
            raise bad(R.BAD_LIST_RECURSIVEMATCH)
        return_subscribed = False
        status_items: list[str] = []
        i = 0
        while i < len(return_opts):
            option = self._option(return_opts[i], command)
            if option == "SUBSCRIBED":
                return_subscribed = True
            elif option == "CHILDREN":
                pass  # \HasChildren / \HasNoChildren are always returned (RFC 3348)
            elif option == "SPECIAL-USE":
                pass  # RFC 6154 §2: special uses are always returned (the MAY)
            elif option == "STATUS" and i + 1 < len(return_opts):
                # RFC 5819 §2: STATUS (items) as a return option.
                i += 1
                items = return_opts[i]
                if not isinstance(items, list) or not items:
                    raise bad(R.BAD_ARGS.format(name=command.name))
                status_items = self._status_items(items, command)
            else:
                raise bad(R.BAD_LIST_OPTION.format(option=option))
            i += 1
        if not extended and patterns == [""]:
            # RFC 3501 §6.3.8: the empty pattern asks for the delimiter and the root.
            root = listing.root_of(reference)
            self.untagged(b'LIST (\\Noselect) "/" ' + list_mailbox(root))
            return Done()
        request = listing.ListRequest(
            patterns=tuple(listing.canonical(reference, p) for p in patterns if p),
            subscribed_only="SUBSCRIBED" in select_opts,
            recursive_match="RECURSIVEMATCH" in select_opts,
            return_subscribed=return_subscribed,
            special_use_only="SPECIAL-USE" in select_opts,
            extended=extended,
            status_items=tuple(status_items),
        )
        try:
            entries = self.store.list_folders(self._user())
            subscriptions = self.store.subscriptions(self._user())
            uses = self.store.special_uses(self._user())
            items = listing.list_items(request, entries, subscriptions, uses)
            # "* LIST (attributes) "/" " once per distinct attribute set, not per name:
            # at 1,000 folders building the lines was a fifth of LIST's time.
            heads: dict[tuple[str, ...], bytes] = {}
            lines: list[bytes] = []
            for item in items:
                head = heads.get(item.attributes)
                if head is None:
                    head = b"* LIST (" + " ".join(item.attributes).encode() + b') "/" '
                    heads[item.attributes] = head
                tail = b""
                if item.childinfo:
                    # RFC 5258 §3.5: ("CHILDINFO" ("SUBSCRIBED"))
                    tail = b' ("CHILDINFO" (' + b" ".join(
                        b'"' + c.encode() + b'"' for c in item.childinfo) + b"))"  # fmt: skip
                lines.append(head + list_mailbox(item.name) + tail + CRLF)
                if status_items and item.selectable:
                    # RFC 5819 §2: the STATUS response follows the LIST response.
                    self._out.append(b"".join(lines))
                    lines.clear()
                    self._status_response(item.name, status_items)
            if lines:
                self._out.append(b"".join(lines))
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    @staticmethod
    def _option(token: Token, command: Command) -> str:
        if not isinstance(token, Atom):
            raise bad(R.BAD_ARGS.format(name=command.name))
        return token.upper()

    def cmd_LSUB(self, command: Command) -> Done:
        ref_token, pattern_token = self._argc(command, 2)
        reference = self._reference(ref_token, command)
        pattern = self._pattern(pattern_token, command)
        if not pattern:
            root = listing.root_of(reference)
            self.untagged(b'LSUB (\\Noselect) "/" ' + list_mailbox(root))
            return Done()
        try:
            entries = self.store.list_folders(self._user())
            subscriptions = self.store.subscriptions(self._user())
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        for item in listing.lsub_items([listing.canonical(reference, pattern)], entries,
                                       subscriptions):  # fmt: skip
            self.untagged(b"LSUB (" + " ".join(item.attributes).encode() + b') "/" '
                          + list_mailbox(item.name))  # fmt: skip
        return Done()

    STATUS_ITEMS = ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE")

    def _status_items(self, tokens: list[Token], command: Command) -> list[str]:
        items = []
        for token in tokens:
            if not isinstance(token, Atom) or token.upper() not in self.STATUS_ITEMS:
                raise bad(R.BAD_STATUS_ITEM.format(item=token))
            items.append(token.upper())
        return items

    def cmd_STATUS(self, command: Command) -> Done:
        token, items_token = self._argc(command, 2)
        name = self._mailbox_arg(token, command)
        if not isinstance(items_token, list) or not items_token:
            raise bad(R.BAD_ARGS.format(name=command.name))
        items = self._status_items(items_token, command)
        try:
            self._status_response(name, items)
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        return Done()

    def _status_response(self, name: str, items: Iterable[str]) -> None:
        folder = self.store.open_folder(self._user(), name)
        try:
            messages = folder.messages()
            values: list[bytes] = []
            for item in items:
                if item == "MESSAGES":
                    value = len(messages)
                elif item == "RECENT":
                    value = self._status_recent(name, folder)
                elif item == "UIDNEXT":
                    value = folder.uidnext()
                elif item == "UIDVALIDITY":
                    value = folder.uidvalidity
                elif item == "UNSEEN":
                    value = sum(1 for m in messages if "\\Seen" not in m.flags)
                else:  # SIZE, RFC 8438 §2: the total of the messages' RFC822.SIZE
                    value = sum(m.size for m in messages)
                values.append(b"%s %d" % (item.encode(), value))
        finally:
            folder.close()
        self.untagged(b"STATUS " + mailbox(name) + b" (" + b" ".join(values) + b")")

    def _status_recent(self, name: str, folder: Folder) -> int:
        # RFC 3501 §6.3.10: the messages with \Recent. For this session's own mailbox
        # that is what it was told; otherwise, what the next SELECT would get -- peeked
        # without claiming, so STATUS never steals \Recent from that session (§2.3.2).
        if self.selection is not None and self.selected_name == name:
            return self.selection.recent_count()
        return len(folder.recent_uids())

    def cmd_NAMESPACE(self, command: Command) -> Done:
        self._argc(command, 0)
        # RFC 2342 §5: one personal namespace, rooted at "", delimiter "/".
        self.untagged(b'NAMESPACE (("" "/")) NIL NIL')
        return Done()

    def cmd_ENABLE(self, command: Command) -> Done:
        args = self._argc(command, 1, 1000)
        if not all(isinstance(a, Atom) for a in args):
            raise bad(R.BAD_ARGS.format(name=command.name))
        # RFC 5161 §3.1: the ENABLED response lists what was enabled -- nothing here:
        # this server has no extension that needs enabling.
        self.untagged(b"ENABLED")
        return Done()

    def cmd_IDLE(self, command: Command) -> Continue:
        self._argc(command, 0)
        self._mode = _Mode.IDLE
        if self.selection is not None:
            # RFC 2177 §3: updates may be sent at once while idling.
            for line in self._refresh(allow_expunge=True):
                self._out.append(line + CRLF)
        return Continue(R.CONTINUE_IDLE)

    def _idle_done(self, data: bytes) -> Done:
        # RFC 2177 §3: the client ends IDLE with "DONE" (any case).
        if data.upper() != b"DONE":
            raise bad(R.BAD_IDLE_DONE)
        return Done(R.OK_IDLE)

    # -- selected (RFC 3501 §6.4) --------------------------------------------------------
    def _selection(self) -> Selection:
        assert self.selection is not None
        return self.selection

    def cmd_CHECK(self, command: Command) -> Done:
        self._argc(command, 0)
        return Done()

    def _deleted_uids(self) -> list[int]:
        return [m.uid for m in self._selection().folder.messages() if "\\Deleted" in m.flags]

    def cmd_CLOSE(self, command: Command) -> Done:
        self._argc(command, 0)
        selection = self._selection()
        result = Done()
        if not selection.read_only:
            try:
                # RFC 3501 §6.4.2: expunge silently (no untagged EXPUNGE), then close.
                selection.folder.expunge(self._deleted_uids())
            except FolderError as exc:
                if exc.code != "INUSE":
                    self._deselect()
                    raise self._folder_failure(exc) from None
                result = Done(R.OK_CLOSE_INUSE)
            except StorageError as exc:
                self._deselect()
                raise self._folder_failure(exc) from None
        self._deselect()
        return result

    def cmd_UNSELECT(self, command: Command) -> Done:
        self._argc(command, 0)
        # RFC 3691 §2: like CLOSE, without the expunge.
        self._deselect()
        return Done()

    def cmd_EXPUNGE(self, command: Command) -> Done:
        self._argc(command, 0)
        selection = self._selection()
        if selection.read_only:
            raise no(R.NO_READ_ONLY, "READ-ONLY")
        try:
            selection.folder.expunge(self._deleted_uids())
        except (FolderError, StorageError) as exc:
            raise self._folder_failure(exc) from None
        # The EXPUNGE responses come from the refresh that follows every command.
        return Done()
