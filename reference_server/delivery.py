"""Mail delivery over SMTP and LMTP (aiosmtpd), appending to the recipient's INBOX.

A recipient is accepted when its local part is a known user and its domain is one of
ours (``localhost`` and the configured host name, case-insensitive); anything else gets
550 at RCPT time. Like real MTAs/LDAs, delivery prepends two trace header lines::

    Return-Path: <envelope-sender>
    Received: from <helo> ([<peer-ip>])
    \tby <hostname> (mailspec reference) with ESMTP|SMTP|LMTP for <rcpt>;
    \t<RFC 5322 date>

Everything after them is the DATA content byte for byte, with line endings normalised
to CRLF; the stored size, LIST and RETR all include the two header lines.
Start the server with ``--no-trace-headers`` to store the content alone.

Bounded like the other protocols (see ``transport/``): the listeners are the generic
``transport.Listener`` (connection limits; ``421`` to a connection over the limit),
a connection times out ``timeout`` seconds after its last *complete* command (aiosmtpd
restarts its timer per command, not per byte; we answer ``421`` before closing,
RFC 5321 §4.5.3.2), and appends run on a small thread pool of their own, so deliveries
waiting for a mailbox lock never hold up POP3 or IMAP. A reply never echoes an address
raw: 8-bit bytes and controls are shown escaped (``\\xff``), so any bad address gets
its 5xx, not an encoding error.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from .storage.interface import MailStore, StorageError
from .transport import ConnectionLimits, Listener
from .users import UserDb

log = logging.getLogger("mailspec.reference_server.delivery")

DEFAULT_TIMEOUT = 300.0  # RFC 5321 §4.5.3.2.7: the server timeout is 5 minutes
# aiosmtpd's own default; announced as EHLO SIZE (RFC 1870), and a DATA over it gets
# 552 with nothing stored (RFC 1870 §6.3; aiosmtpd discards the rest of the data).
DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024
S421_TIMEOUT = b"421 4.4.2 timeout waiting for a command, closing connection\r\n"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def shown(address: str, limit: int = 200) -> str:
    """An address as a reply may show it: ASCII, 8-bit bytes and controls escaped.

    aiosmtpd decodes arguments as UTF-8 with surrogateescape; a raw byte such as
    0xFF becomes a surrogate that no reply can encode (it used to end in a traceback
    and ``500 Error: (UnicodeEncodeError)``)."""
    raw = address.encode("utf-8", "surrogateescape")
    text = raw.decode("ascii", "backslashreplace")
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[:limit] + "..."


class _Bounded:
    """What our SMTP and LMTP add to aiosmtpd's: a 421 before a timeout closes the
    connection, and the listener's slot released when the connection ends."""

    on_close: Callable[[], None] | None = None

    def _timeout_cb(self) -> None:
        writer = getattr(self, "_writer", None)
        if writer is not None:
            try:
                writer.write(S421_TIMEOUT)
            except Exception:  # the connection is closing anyway
                log.debug("could not send the timeout reply")
        super()._timeout_cb()  # type: ignore[misc]

    def connection_lost(self, error: Exception | None) -> None:
        try:
            super().connection_lost(error)  # type: ignore[misc]
        finally:
            if self.on_close is not None:
                callback, self.on_close = self.on_close, None
                callback()


class _SMTP(_Bounded, SMTP):
    # RFC 5321 allows 1000; the suite's corpus has longer lines on purpose.
    line_length_limit = 1 << 16


class _LMTP(_Bounded, LMTP):
    line_length_limit = 1 << 16


class DeliveryHandler:
    def __init__(
        self,
        store: MailStore,
        users: UserDb,
        *,
        hostname: str = "localhost",
        trace_headers: bool = True,
        executor: Executor | None = None,
    ) -> None:
        self.executor = executor or ThreadPoolExecutor(8, thread_name_prefix="delivery")
        self.store = store
        self.users = users
        self.hostname = hostname
        self.domains = {"localhost", hostname.lower(), "[127.0.0.1]"}
        self.trace_headers = trace_headers

    def local_user(self, address: str) -> str | None:
        local, at, domain = address.rpartition("@")
        if not at or domain.lower() not in self.domains or local not in self.users:
            return None
        return local

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.local_user(address) is None:
            return f"550 5.1.1 <{shown(address)}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def _deliver(self, user: str, message: bytes, envelope_from: str) -> None:
        # If the client goes away meanwhile, the append still completes (or not) as one
        # piece in its thread: storage makes it atomic.
        await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: self.store.deliver(user, message, envelope_from=envelope_from)
        )

    def _trace(self, server: SMTP, session: Session, envelope: Envelope, rcpt: str) -> bytes:
        protocol = (
            "LMTP" if isinstance(server, LMTP) else ("ESMTP" if session.extended_smtp else "SMTP")
        )
        peer: Any = session.peer
        ip = peer[0] if isinstance(peer, tuple) else "unknown"
        helo = session.host_name or "unknown"
        text = (
            f"Return-Path: <{envelope.mail_from or ''}>\r\n"
            f"Received: from {helo} ([{ip}])\r\n"
            f"\tby {self.hostname} (mailspec reference) with {protocol} for <{rcpt}>;\r\n"
            f"\t{email.utils.format_datetime(datetime.now(UTC))}\r\n"
        )
        return text.encode("utf-8", "surrogateescape")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        statuses: list[str] = []
        for rcpt in envelope.rcpt_tos:
            user = self.local_user(rcpt)
            assert user is not None
            message = content
            if self.trace_headers:
                message = self._trace(server, session, envelope, rcpt) + content
            try:
                await self._deliver(user, message, envelope.mail_from or "")
            except StorageError as exc:
                log.warning("delivery to %s failed: %s", user, exc)
                code = "451 4.3.0" if exc.temporary else "554 5.3.0"
                statuses.append(f"{code} <{shown(rcpt)}> delivery failed: {exc}")
            else:
                statuses.append(f"250 2.0.0 <{shown(rcpt)}> delivered")
        if isinstance(server, LMTP):
            # RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
            return "\r\n".join(statuses)
        failed = [s for s in statuses if not s.startswith("250")]
        return failed[0] if failed else "250 2.0.0 OK delivered"


def smtp_factory(
    handler: DeliveryHandler,
    *,
    lmtp: bool,
    hostname: str,
    timeout: float = DEFAULT_TIMEOUT,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Any:
    cls = _LMTP if lmtp else _SMTP

    def make() -> SMTP:
        return cls(
            handler,
            hostname=hostname,
            ident="mailspec reference",
            enable_SMTPUTF8=True,
            decode_data=False,
            timeout=timeout,
            data_size_limit=max_message_size,
            loop=asyncio.get_running_loop(),
        )

    return make


async def start_listener(
    handler: DeliveryHandler,
    host: str,
    port: int,
    *,
    lmtp: bool,
    hostname: str,
    limits: ConnectionLimits,
    timeout: float = DEFAULT_TIMEOUT,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> Listener:
    """An SMTP or LMTP listener on the generic transport's accept loop and limits."""
    make_smtp = smtp_factory(
        handler, lmtp=lmtp, hostname=hostname, timeout=timeout,
        max_message_size=max_message_size,
    )  # fmt: skip

    def make(on_close: Callable[[], None]) -> asyncio.Protocol:
        protocol = make_smtp()
        protocol.on_close = on_close
        return protocol  # type: ignore[no-any-return]

    # RFC 5321 §3.8 / RFC 2033 §4.2: 421, service not available, closing the channel.
    refusal = f"421 4.7.0 {hostname} too many connections, try again later\r\n".encode()
    name = "lmtp" if lmtp else "smtp"
    return await Listener(name, make, limits=limits, refusal=refusal).start(host, port)
