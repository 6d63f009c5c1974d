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
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from .storage.interface import MailStore, StorageError
from .users import UserDb

log = logging.getLogger("mailspec.reference_server.delivery")


class _SMTP(SMTP):
    # RFC 5321 allows 1000; the suite's corpus has longer lines on purpose.
    line_length_limit = 1 << 16


class _LMTP(LMTP):
    line_length_limit = 1 << 16


class DeliveryHandler:
    def __init__(
        self,
        store: MailStore,
        users: UserDb,
        *,
        hostname: str = "localhost",
        trace_headers: bool = True,
    ) -> None:
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
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

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
                await asyncio.to_thread(
                    self.store.deliver, user, message, envelope_from=envelope.mail_from or ""
                )
            except StorageError as exc:
                log.warning("delivery to %s failed: %s", user, exc)
                code = "451 4.3.0" if exc.temporary else "554 5.3.0"
                statuses.append(f"{code} <{rcpt}> delivery failed: {exc}")
            else:
                statuses.append(f"250 2.0.0 <{rcpt}> delivered")
        if isinstance(server, LMTP):
            # RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
            return "\r\n".join(statuses)
        failed = [s for s in statuses if not s.startswith("250")]
        return failed[0] if failed else "250 2.0.0 OK delivered"


def smtp_factory(handler: DeliveryHandler, *, lmtp: bool, hostname: str) -> Any:
    cls = _LMTP if lmtp else _SMTP

    def make() -> SMTP:
        return cls(
            handler,
            hostname=hostname,
            ident="mailspec reference",
            enable_SMTPUTF8=True,
            decode_data=False,
            loop=asyncio.get_running_loop(),
        )

    return make
