"""mailspec: a conformance suite for POP3 and IMAP servers."""

__version__ = "0.1.0"
