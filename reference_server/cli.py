"""``python -m mailspec.reference_server``: run the reference server standalone.

``main(argv, session_factory=..., imap_session_factory=...)`` is also the hook for
deliberately broken variants: a launcher script subclasses ``Pop3Session`` (or
``ImapSession``), overrides one ``cmd_*`` method and calls
``main(sys.argv[2:], session_factory=BrokenSession)`` (or ``imap_session_factory=``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .delivery import DEFAULT_MAX_MESSAGE_SIZE, DeliveryHandler
from .delivery import start_listener as start_delivery_listener
from .imap.transport import ImapServer, ImapTransportConfig
from .imap.transport import SessionFactory as ImapSessionFactory
from .pop3.transport import Pop3Server, SessionFactory, TransportConfig
from .storage import MboxStore
from .tls import auto_certificate, server_context
from .transport import ConnectionLimits
from .users import UserDb, UsersFileError

log = logging.getLogger("mailspec.reference_server")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mailspec.reference_server",
        description="The mailspec reference POP3 and IMAP server with SMTP/LMTP delivery. "
        "A port of 0 picks a free port; a listener whose port is not given is off "
        "(except --pop3-port 1110 and --smtp-port 2525).",
    )
    p.add_argument("--data", required=True, type=Path, help="storage folder (created)")
    p.add_argument("--users", required=True, type=Path, help="file of user:password lines")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--hostname", default="localhost", help="name used in greetings/headers")
    p.add_argument("--pop3-port", type=int, default=1110)
    p.add_argument("--pop3s-port", type=int, default=None, help="implicit TLS (needs TLS)")
    p.add_argument("--imap-port", type=int, default=None, help="IMAP (STARTTLS if TLS)")
    p.add_argument("--imaps-port", type=int, default=None, help="implicit TLS (needs TLS)")
    p.add_argument("--smtp-port", type=int, default=2525)
    p.add_argument("--lmtp-port", type=int, default=None)
    p.add_argument("--tls-cert", type=Path)
    p.add_argument("--tls-key", type=Path)
    p.add_argument("--tls-auto", action="store_true", help="make a CA + cert with trustme")
    p.add_argument("--ready-file", type=Path, help="JSON with the ports, once listening")
    p.add_argument("--idle-timeout", type=float, default=600.0, help="autologout seconds")
    p.add_argument(
        "--imap-idle-timeout",
        type=float,
        default=1800.0,
        help="IMAP autologout seconds (RFC 3501 §5.4: at least 30 minutes)",
    )
    p.add_argument("--write-timeout", type=float, default=30.0)
    p.add_argument("--lock-timeout", type=float, default=10.0)
    p.add_argument(
        "--no-plaintext-login",
        action="store_true",
        help="hide and refuse USER/PASS and AUTH PLAIN until TLS is active (RFC 2595)",
    )
    p.add_argument(
        "--no-trace-headers",
        action="store_true",
        help="do not add Return-Path:/Received: at delivery",
    )
    p.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
    )
    add_limit_options(p)
    return p


def add_limit_options(p: argparse.ArgumentParser) -> None:
    """Connection limits and the SMTP/LMTP timeout (see docs/transport.md)."""
    p.add_argument(
        "--max-connections",
        type=int,
        default=0,
        help="open connections per listener; 0 (default): derived from the fd limit, "
        "so that all listeners together stay below it",
    )
    p.add_argument(
        "--max-connections-per-address",
        type=int,
        default=0,
        help="open connections per listener from one client address; 0 (default): "
        "half of --max-connections",
    )
    p.add_argument(
        "--smtp-timeout",
        type=float,
        default=300.0,
        help="SMTP/LMTP: seconds without a complete command before 421 and close",
    )
    p.add_argument(
        "--max-message-size",
        type=_positive_int,
        default=DEFAULT_MAX_MESSAGE_SIZE,
        help="SMTP/LMTP: largest message in octets, announced as EHLO SIZE; a larger "
        "one gets 552 and nothing is stored (default: %(default)s)",
    )


def connection_limits(args: argparse.Namespace, listeners: int) -> ConnectionLimits:
    return ConnectionLimits.default(
        listeners,
        max_connections=args.max_connections or None,
        max_per_address=args.max_connections_per_address or None,
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(server: Any) -> int | None:
    if server is None:
        return None
    return int(server.sockets[0].getsockname()[1])


def _write_ready(path: Path, content: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(content))
    os.replace(tmp, path)


async def serve(
    args: argparse.Namespace,
    session_factory: SessionFactory | None,
    imap_session_factory: ImapSessionFactory | None = None,
) -> None:
    data: Path = args.data
    data.mkdir(parents=True, exist_ok=True)
    users = UserDb.load(args.users)
    store = MboxStore(data, lock_timeout=args.lock_timeout)
    ssl_context = None
    ca_file: Path | None = None
    if args.tls_auto:
        cert, key, ca_file = auto_certificate(data)
        ssl_context = server_context(cert, key)
    elif args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise SystemExit("--tls-cert and --tls-key go together")
        ssl_context = server_context(args.tls_cert, args.tls_key)
    if args.pop3s_port is not None and ssl_context is None:
        raise SystemExit("--pop3s-port needs --tls-auto or --tls-cert/--tls-key")
    if args.imaps_port is not None and ssl_context is None:
        raise SystemExit("--imaps-port needs --tls-auto or --tls-cert/--tls-key")

    enabled = [args.pop3_port, args.pop3s_port, args.imap_port, args.imaps_port,
               args.smtp_port, args.lmtp_port]  # fmt: skip
    limits = connection_limits(args, sum(port is not None for port in enabled))
    pop3 = Pop3Server(
        store,
        users,
        session_factory=session_factory,
        ssl_context=ssl_context,
        config=TransportConfig(
            idle_timeout=args.idle_timeout,
            write_timeout=args.write_timeout,
            hostname=args.hostname,
            plaintext_login=not args.no_plaintext_login,
            limits=limits,
        ),
    )
    imap = ImapServer(
        store,
        users,
        session_factory=imap_session_factory,
        ssl_context=ssl_context,
        config=ImapTransportConfig(
            idle_timeout=args.imap_idle_timeout,
            write_timeout=args.write_timeout,
            hostname=args.hostname,
            plaintext_login=not args.no_plaintext_login,
            limits=limits,
        ),
    )
    handler = DeliveryHandler(
        store, users, hostname=args.hostname, trace_headers=not args.no_trace_headers
    )
    loop = asyncio.get_running_loop()
    servers: dict[str, Any] = {
        "pop3": None,
        "pop3s": None,
        "imap": None,
        "imaps": None,
        "smtp": None,
        "lmtp": None,
    }
    if args.pop3_port is not None:
        servers["pop3"] = await pop3.start(args.host, args.pop3_port)
    if args.pop3s_port is not None:
        servers["pop3s"] = await pop3.start(args.host, args.pop3s_port, implicit_tls=True)
    if args.imap_port is not None:
        servers["imap"] = await imap.start(args.host, args.imap_port)
    if args.imaps_port is not None:
        servers["imaps"] = await imap.start(args.host, args.imaps_port, implicit_tls=True)
    if args.smtp_port is not None:
        servers["smtp"] = await start_delivery_listener(
            handler, args.host, args.smtp_port, lmtp=False, hostname=args.hostname,
            limits=limits, timeout=args.smtp_timeout, max_message_size=args.max_message_size,
        )  # fmt: skip
    if args.lmtp_port is not None:
        servers["lmtp"] = await start_delivery_listener(
            handler, args.host, args.lmtp_port, lmtp=True, hostname=args.hostname,
            limits=limits, timeout=args.smtp_timeout, max_message_size=args.max_message_size,
        )  # fmt: skip

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ports = {name: _port(server) for name, server in servers.items()}
    log.info("listening on %s: %s", args.host, ports)
    if args.ready_file:
        _write_ready(
            args.ready_file,
            {"pid": os.getpid(), **ports, "ca_file": str(ca_file) if ca_file else None},
        )
    await stop.wait()
    log.info("shutting down")
    for server in servers.values():
        if server is not None:
            server.close()
    await pop3.close_connections()
    await imap.close_connections()
    for server in servers.values():
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)


def main(
    argv: Sequence[str] | None = None,
    *,
    session_factory: SessionFactory | None = None,
    imap_session_factory: ImapSessionFactory | None = None,
) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format=f"%(asctime)s {socket.gethostname()} %(name)s[{os.getpid()}] "
        "%(levelname)s %(message)s",
    )
    try:
        asyncio.run(serve(args, session_factory, imap_session_factory))
    except UsersFileError as exc:
        log.error("%s", exc)
        return 2
    except OSError as exc:
        log.error("cannot start: %s", exc)
        return 1
    return 0
