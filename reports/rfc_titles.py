"""Section titles for the matrix rows (only sections whose titles are certain; others
show the number alone)."""

from __future__ import annotations

TITLES: dict[tuple[str, str], str] = {
    ("1939", "3"): "Basic Operation",
    ("1939", "4"): "The AUTHORIZATION State",
    ("1939", "5"): "The TRANSACTION State",
    ("1939", "6"): "The UPDATE State",
    ("1939", "7"): "Optional POP3 Commands",
    ("2449", "3"): "General Command and Response Grammar",
    ("2449", "4"): "Parameter and Response Lengths",
    ("2449", "5"): "The CAPA Command",
    ("2449", "6"): "Initial Set of Capabilities",
    ("2449", "6.1"): "TOP capability",
    ("2449", "6.2"): "USER capability",
    ("2449", "6.3"): "SASL capability",
    ("2449", "6.4"): "RESP-CODES capability",
    ("2449", "6.5"): "LOGIN-DELAY capability",
    ("2449", "6.6"): "PIPELINING capability",
    ("2449", "6.7"): "EXPIRE capability",
    ("2449", "6.8"): "UIDL capability",
    ("2449", "6.9"): "IMPLEMENTATION capability",
    ("2449", "8"): "Extended POP3 Response Codes",
    ("2449", "8.1.1"): "The LOGIN-DELAY response code",
    ("2449", "8.1.2"): "The IN-USE response code",
    ("2449", "9"): "Formal Syntax",
    ("2595", "2.1"): "Cipher Suite Requirements",
    ("2595", "2.3"): "Clear-Text Password Requirements",
    ("2595", "4"): "POP3 STARTTLS extension",
}


def section_title(document: str, section: str) -> str:
    return TITLES.get((document, section), "")
