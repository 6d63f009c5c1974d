"""Every fixed IMAP reply text, named (aiosmtpd style), shared by the core and its tests.

Texts are the human-readable part after the status and the optional ``[code]``;
``ImapSession`` adds tag, status, code and CRLF. Templates use ``str.format``.
"""

from __future__ import annotations

# RFC 3501 §7.1.1 / §7.1.4 greeting and BYE.
GREETING = "mailspec reference IMAP4rev1 server ready"
BYE_LOGOUT = "mailspec reference IMAP4rev1 server logging out"
BYE_AUTOLOGOUT = "autologout: idle for too long"
BYE_TOO_MUCH = "too many invalid commands, closing"

# Generic completions.
OK_DONE = "{name} completed"
BAD_UNKNOWN = "unknown command"
BAD_STATE = "{name} is not valid in the {state} state"
BAD_ARGS = "{name}: invalid arguments"
BAD_SYNTAX = "{name}: {detail}"
NO_SERVERBUG = "internal server error (logged)"
NO_STORAGE = "storage failed: {reason}"
BAD_NOT_IMPLEMENTED = "{name} is not implemented by this server yet"

# RFC 3501 §7.5 command continuation requests.
CONTINUE_LITERAL = "Ready for literal data"
CONTINUE_IDLE = "idling"

# RFC 3501 §6.2.1 STARTTLS.
OK_STARTTLS = "Begin TLS negotiation now"
BAD_TLS_ACTIVE = "TLS is already active"
NO_TLS_UNAVAILABLE = "TLS is not available"

# RFC 3501 §6.2.2 AUTHENTICATE, RFC 4959 SASL-IR, RFC 4616 PLAIN, RFC 5530 codes.
BAD_AUTH_CANCELLED = "AUTHENTICATE cancelled"
BAD_AUTH_BASE64 = "invalid base64 in the SASL response"
BAD_AUTH_LINE = "SASL response line too long"
NO_AUTH_MECHANISM = "unsupported SASL mechanism"
NO_AUTH_MALFORMED = "malformed SASL PLAIN message"
NO_AUTH_FAILED = "invalid user name or password"
NO_PRIVACY = "plaintext authentication is disabled before TLS; use STARTTLS"
OK_LOGGED_IN = "logged in"

# RFC 3501 §6.3.1 / §6.3.2 SELECT / EXAMINE.
OK_UNSEEN = "message {number} is the first unseen"
OK_PERMANENTFLAGS = "flags that can be changed permanently"
OK_PERMANENTFLAGS_NONE = "no permanent flags: read-only"
OK_UIDNEXT = "predicted next UID"
OK_UIDVALIDITY = "UIDs valid"
NO_NONEXISTENT = "no such mailbox"
NO_NOSELECT = "mailbox cannot be selected (\\Noselect)"

# RFC 3501 §6.3.3-§6.3.7 CREATE / DELETE / RENAME / SUBSCRIBE / UNSUBSCRIBE.
NO_ALREADYEXISTS = "mailbox already exists"
NO_BAD_NAME = "mailbox name is not valid modified UTF-7: {reason}"
NO_NOT_SUBSCRIBED = "not subscribed to that name"
BAD_CREATE_PARAMS = "CREATE parameters: {reason}"  # RFC 4466 create-params
NO_USEATTR = "{reason}; nothing created"  # RFC 6154 §3

# RFC 3501 §6.3.8 LIST, RFC 5258 LIST-EXTENDED.
BAD_LIST_RECURSIVEMATCH = "RECURSIVEMATCH needs another selection option"
BAD_LIST_OPTION = "unknown LIST option {option}"

# RFC 3501 §6.3.10 STATUS.
BAD_STATUS_ITEM = "unknown STATUS item {item}"

# RFC 3501 §6.3.11 APPEND.
NO_TRYCREATE = "no such mailbox; create it first"
BAD_APPEND_FLAG = "\\Recent and unknown system flags cannot be appended"
NO_APPEND_EMPTY = "an empty message cannot be appended"

# RFC 3501 §6.4 selected state.
NO_READ_ONLY = "mailbox is read-only (EXAMINE)"
NO_INUSE = "{reason}"
OK_CLOSE_INUSE = "mailbox closed; deleted messages kept while POP3 holds the maildrop"

# RFC 3501 §6.4.4-§6.4.8 FETCH / STORE / SEARCH / COPY / UID; RFC 5530 EXPUNGEISSUED.
BAD_SEQUENCE_SET = "expected a sequence set"
BAD_SEQUENCE_RANGE = "message sequence number out of range"
BAD_FETCH_BINARY = "BINARY is not supported (not announced)"
BAD_STORE_ITEM = "unknown STORE data item {item}"
BAD_STORE_FLAG = "\\Recent and unknown system flags cannot be stored"
BAD_UID_COMMAND = "UID {sub} is not a UID command"
NO_EXPUNGEISSUED = "some of the messages were expunged meanwhile"
OK_MOVED = "moved"

# RFC 2177 IDLE.
OK_IDLE = "IDLE terminated"
BAD_IDLE_DONE = "expected DONE to end IDLE"

# RFC 5161 ENABLE, RFC 2971 ID, RFC 2342 NAMESPACE, RFC 3691 UNSELECT.
BAD_ID = "ID: {detail}"
