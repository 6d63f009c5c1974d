"""APPEND's arguments as messages to append (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND).

    append          = "APPEND" SP mailbox 1*append-message        ; RFC 3502
    append-message  = [SP flag-list] [SP date-time] SP literal
    date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
                      SP time SP zone DQUOTE                       ; RFC 3501 §9

Only the grammar is checked here: each message is a literal (``tokens.Literal``; a
quoted string is not a message), a date-time is a quoted string (never a literal), and
each message has at most one flag list and one date, in that order. What the flags and
dates mean is the session's business (message_commands.py). A ``~{n}`` literal8 is the
BINARY extension's form (RFC 3516 §4.4), which this server does not announce.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tokens import Literal, Literal8, Token
from .wire import ArgumentError

BAD_NO_MESSAGE = "APPEND needs a mailbox and at least one message literal"
BAD_ORDER = "each APPEND message is [flag-list] [date-time] literal, in that order"
BAD_NOT_LITERAL = "an APPEND message must be sent as a literal"
BAD_LITERAL8 = "literal8 messages are BINARY's (not announced)"


@dataclass(frozen=True)
class AppendMessage:
    flags: list[Token] | None  # the flag-list's tokens, None when not given
    date: bytes | None  # the date-time's octets (unquoted), None when not given
    message: bytes


def split_messages(args: list[Token]) -> list[AppendMessage]:
    """The append-messages after the mailbox argument, in order; ArgumentError (BAD)
    for anything the grammar above does not allow."""
    messages: list[AppendMessage] = []
    flags: list[Token] | None = None
    date: bytes | None = None
    for token in args:
        if isinstance(token, Literal8):
            raise ArgumentError(BAD_LITERAL8)
        if isinstance(token, Literal):
            messages.append(AppendMessage(flags, date, bytes(token)))
            flags = date = None
        elif isinstance(token, list):
            if flags is not None or date is not None:
                raise ArgumentError(BAD_ORDER)  # a second list, or a list after the date
            flags = token
        elif isinstance(token, bytes):
            if date is not None:
                raise ArgumentError(BAD_NOT_LITERAL)  # "date" "message": quoted message
            date = bytes(token)
        else:
            raise ArgumentError(BAD_ORDER)  # an atom: not part of any append-message
    if flags is not None or date is not None or not messages:
        # Flags or a date with no literal after them, or no message at all.
        raise ArgumentError(BAD_NO_MESSAGE if not messages else BAD_NOT_LITERAL)
    return messages
