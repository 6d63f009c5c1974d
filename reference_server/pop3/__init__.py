"""The POP3 side of the reference server: a sans-IO core and its asyncio transport."""

from ..transport.events import Close, Send, SendStream, StartTls
from .protocol import COMMANDS, CommandError, Pop3Session, SessionConfig, State

__all__ = [
    "COMMANDS",
    "Close",
    "CommandError",
    "Pop3Session",
    "Send",
    "SendStream",
    "SessionConfig",
    "StartTls",
    "State",
]
