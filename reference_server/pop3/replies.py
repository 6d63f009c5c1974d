"""Every fixed POP3 reply line, named (aiosmtpd style), shared by the core and its tests.

Lines are given without CRLF; ``Pop3Session`` adds it. Templates use ``str.format``.
All of them stay far below the 512-octet response limit (RFC 1939 §3).
"""

from __future__ import annotations

GREETING = "+OK mailspec reference POP3 server ready {timestamp}"

# RFC 1939 §3: generic failures.
ERR_UNKNOWN_COMMAND = "-ERR unknown command"
ERR_WRONG_STATE = "-ERR command not valid in this state"
ERR_SYNTAX = "-ERR syntax error in arguments"
ERR_LINE_TOO_LONG = "-ERR line too long"
ERR_GARBAGE_CLOSE = "-ERR too much data without a line end, closing"
ERR_AUTOLOGOUT = "-ERR autologout: idle too long"

# RFC 1939 §7 USER / PASS / APOP; RFC 3206 [AUTH]; RFC 2449 [IN-USE]; RFC 3206 [SYS/*].
OK_USER = "+OK send PASS"
ERR_NEED_USER = "-ERR give USER first"
ERR_NOT_UTF8 = "-ERR non-ASCII argument requires the UTF8 command first"
ERR_BAD_UTF8 = "-ERR argument is not valid UTF-8"
ERR_AUTH_FAILED = "-ERR [AUTH] invalid user name or password"
ERR_IN_USE = "-ERR [IN-USE] maildrop is locked by another session"
ERR_SYS_TEMP = "-ERR [SYS/TEMP] {reason}"
ERR_SYS_PERM = "-ERR [SYS/PERM] {reason}"
OK_LOGGED_IN = "+OK maildrop locked and ready, {count} messages ({size} octets)"

# RFC 1939 §5 TRANSACTION.
OK_STAT = "+OK {count} {size}"
OK_LIST_ALL = "+OK {count} messages ({size} octets)"
OK_SCAN = "+OK {number} {size}"
OK_RETR = "+OK {size} octets"
OK_TOP = "+OK top of message follows"
OK_DELE = "+OK message {number} deleted"
OK_NOOP = "+OK"
OK_RSET = "+OK maildrop has {count} messages ({size} octets)"
OK_UIDL_ALL = "+OK unique-id listing follows"
OK_UIDL_ONE = "+OK {number} {uid}"
ERR_NO_SUCH_MESSAGE = "-ERR no such message"
ERR_DELETED = "-ERR message {number} already deleted"

# RFC 1939 §6 UPDATE.
OK_QUIT_AUTH = "+OK mailspec reference POP3 server signing off"
OK_QUIT = "+OK signing off ({count} messages left)"
ERR_QUIT_FAILED = "-ERR [SYS/TEMP] some deleted messages not removed"

# RFC 2449 CAPA.
OK_CAPA = "+OK capability list follows"

# RFC 2595 STLS.
OK_STLS = "+OK begin TLS negotiation"
ERR_TLS_ACTIVE = "-ERR TLS already active"
ERR_TLS_UNAVAILABLE = "-ERR TLS not available"
ERR_NEED_TLS = "-ERR plaintext login is disabled before TLS; use STLS"

# RFC 5034 AUTH.
OK_AUTH_LIST = "+OK supported SASL mechanisms follow"
CONTINUE_EMPTY = "+ "
ERR_AUTH_MECHANISM = "-ERR unsupported SASL mechanism"
ERR_AUTH_CANCELLED = "-ERR authentication cancelled"
ERR_AUTH_BASE64 = "-ERR invalid base64 in SASL response"
ERR_AUTH_MALFORMED = "-ERR malformed SASL PLAIN message"
OK_AUTH = OK_LOGGED_IN

# RFC 6856 UTF8.
OK_UTF8 = "+OK UTF8 enabled"
OK_LANG_LIST = "+OK language listing follows"
OK_LANG = "+OK {tag} language is now {name}"
ERR_LANG = "-ERR invalid language"
