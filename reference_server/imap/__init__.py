"""The reference server's IMAP4rev1 side (RFC 3501, with IMAP4rev2 RFC 9051 pieces):
a sans-IO core (command parser, states, one ``cmd_<NAME>`` per command), the message
library it uses for FETCH/SEARCH (envelope, bodystructure, sections, search), and its
asyncio transport. See docs/imap-architecture.md."""
