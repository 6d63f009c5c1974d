"""The POP3 side of the reference server: a sans-IO core and its asyncio transport."""

from .protocol import (
    COMMANDS,
    Close,
    CommandError,
    Pop3Session,
    Send,
    SessionConfig,
    StartTls,
    State,
)

__all__ = [
    "COMMANDS",
    "Close",
    "CommandError",
    "Pop3Session",
    "Send",
    "SessionConfig",
    "StartTls",
    "State",
]
