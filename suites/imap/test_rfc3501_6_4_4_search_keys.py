"""RFC 3501 §6.4.4: every search key on its own, and under NOT.

The mailbox is ``_search_box.LAYOUT``; each expected answer is the suite's own oracle
applied to the messages as appended. ``@n`` in a program is message n's UID.

Found with these tests (checked by hand, see the report): Dovecot 2.3.19.1 evaluates
an OR of two negated flag keys as their AND — ``OR UNSEEN UNANSWERED`` misses a
message that is \\Seen but not \\Answered, and ``NOT (SEEN FLAGGED)`` misses a \\Seen,
un-\\Flagged one — against §6.4.4 "OR <search-key1> <search-key2>: Messages that
match either search key". The differential oracle test found a second one: two
size keys in one program are merged wrongly — ``NOT LARGER 300 NOT LARGER 307``
matches a 307-octet message (expected: only messages of at most 300 octets).
"""

import pytest

from ._search_box import build, check

# One program per search key of §6.4.4 (35 with NOT, OR, the sequence set and the
# parenthesised list), each with a few arguments where the key takes one.
KEYS = {
    "ALL": ["ALL"],
    "ANSWERED": ["ANSWERED"],
    "BCC": ["BCC hidden", 'BCC "example.org"'],
    "BEFORE": ["BEFORE 10-Nov-2025", "BEFORE 1-Nov-2025", "BEFORE 1-Jan-2026"],
    "BODY": ["BODY budget", 'BODY "secret word"', "BODY nothing-like-this"],
    "CC": ["CC oscar", "CC Dave"],
    "DELETED": ["DELETED"],
    "DRAFT": ["DRAFT"],
    "FLAGGED": ["FLAGGED"],
    "FROM": ["FROM announce", 'FROM "Late Night"', "FROM example.org"],
    "HEADER": ['HEADER In-Reply-To thread', 'HEADER Reply-To ""', 'HEADER X-Mailspec-Seed ""',
               'HEADER Message-ID "mailspec.invalid"'],
    "KEYWORD": ["KEYWORD $Work", "KEYWORD $Later", "KEYWORD $NeverSet"],
    "LARGER": ["LARGER 600", "LARGER 1500"],
    "NEW": ["NEW"],
    "NOT": ["NOT SEEN", "NOT NOT SEEN", "NOT LARGER 500 NOT LARGER 700"],
    "OLD": ["OLD"],
    "ON": ["ON 15-Nov-2025", "ON 16-Nov-2025"],
    "OR": ["OR SEEN DRAFT", "OR DELETED OR DRAFT ANSWERED", "OR KEYWORD $Work FLAGGED",
           "OR UNSEEN UNANSWERED", "OR KEYWORD $NeverSet NOT (KEYWORD $NeverSet)"],
    "RECENT": ["RECENT"],
    "SEEN": ["SEEN"],
    "SENTBEFORE": ["SENTBEFORE 5-Nov-2026", "SENTBEFORE 12-Nov-2026"],
    "SENTON": ["SENTON 13-Nov-2026", "SENTON 5-Nov-2026"],
    "SENTSINCE": ["SENTSINCE 12-Nov-2026", "SENTSINCE 1-Jan-2027"],
    "SINCE": ["SINCE 20-Nov-2025", "SINCE 5-Dec-2025"],
    "SMALLER": ["SMALLER 600", "SMALLER 1500", "SMALLER 700 SMALLER 500"],
    "SUBJECT": ["SUBJECT groups", 'SUBJECT "plain text"', "SUBJECT minutes"],
    "TEXT": ["TEXT minutes", "TEXT zanzibar", "TEXT Secretary"],
    "TO": ["TO john.doe", "TO taro", 'TO "Bob Example"'],
    "UID": ["UID @2:@4", "UID @4:@2", "UID @9", "UID 1:*"],
    "UNANSWERED": ["UNANSWERED"],
    "UNDELETED": ["UNDELETED"],
    "UNDRAFT": ["UNDRAFT"],
    "UNFLAGGED": ["UNFLAGGED"],
    "UNKEYWORD": ["UNKEYWORD $Work", "UNKEYWORD $NeverSet"],
    "UNSEEN": ["UNSEEN"],
    "sequence-set": ["2:4,7", "*", "4:2", "8:*"],
    "group": ["(SEEN FLAGGED)", "(OR SEEN DRAFT) UNDELETED", "((SEEN))"],
}
CASES = [(key, program) for key, programs in KEYS.items() for program in programs]


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(("key", "program"), CASES, ids=[f"{k}:{p}" for k, p in CASES])
def test_search_key(imap, imap_sandbox, key, program):
    """SEARCH returns the message sequence numbers of exactly the messages that match
    the search key, as §6.4.4 defines it."""
    box, model = build(imap, imap_sandbox)
    check(box, model, program)


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize(("key", "program"), CASES, ids=[f"{k}:{p}" for k, p in CASES])
def test_search_key_under_not(imap, imap_sandbox, key, program):
    """NOT <search-key>: messages that do not match the specified search key — exactly
    the complement of the key's answer."""
    box, model = build(imap, imap_sandbox)
    inner = f"({program})" if " " in program and not program.startswith("(") else program
    check(box, model, f"NOT {inner}")


@pytest.mark.rfc(3501, "6.4.8", "MUST")
@pytest.mark.parametrize("program", ["SEEN", "UID @3:*", "2:5 UNSEEN", "OR FLAGGED KEYWORD $Work",
                                     "NOT (SEEN OR ANSWERED DRAFT)"])
def test_uid_search(imap, imap_sandbox, program):
    """UID SEARCH returns unique identifiers instead of message sequence numbers; the
    keys (including a sequence set) are the same as SEARCH's."""
    box, model = build(imap, imap_sandbox)
    check(box, model, program, uid=True)


@pytest.mark.rfc(3501, "6.4.4", "MUST")
@pytest.mark.parametrize("program", ["SEEN FLAGGED", "UNSEEN UNDELETED SMALLER 900",
                                     "OR SEEN (FLAGGED ANSWERED) NOT DRAFT",
                                     "OR (OR SEEN DRAFT) (NOT (OR FLAGGED DELETED))"])
def test_search_conjunctions_and_nested_groups(imap, imap_sandbox, program):
    """Multiple search keys are the intersection (AND) of all the messages that match
    those keys; OR and parenthesised lists nest."""
    box, model = build(imap, imap_sandbox)
    check(box, model, program)
