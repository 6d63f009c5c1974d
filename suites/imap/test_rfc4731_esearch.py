"""RFC 4731 ESEARCH: SEARCH RETURN (MIN MAX COUNT ALL), answered by * ESEARCH."""

import pytest
from mailspec.fixtures.imap import search_oracle as so
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import search_arguments
from ._search_box import build, resolve

pytestmark = pytest.mark.imap_capability("ESEARCH")


def _esearch(box, program, options, *, uid=False):
    args = ["SEARCH", "RETURN", list(options), *search_arguments(program)]
    result = box.client.command("UID", *args) if uid else box.client.command(*args)
    expect_equal(result.status, "OK", f"{'UID ' if uid else ''}SEARCH RETURN {options} {program}")
    answers = result.data_of("ESEARCH")
    expect_equal(len(answers), 1, "one * ESEARCH response")
    return result, answers[0]


@pytest.mark.rfc(4731, "3.1", "MUST")
@pytest.mark.parametrize("program", ["SEEN", "UNSEEN", "OR FLAGGED DRAFT", "KEYWORD $Work",
                                     "LARGER 1", "UID @2:@5"])
@pytest.mark.parametrize("uid", [False, True], ids=["SEARCH", "UID SEARCH"])
def test_return_min_max_count_all(imap, imap_sandbox, program, uid):
    """MIN, MAX, COUNT and ALL return the lowest and highest matching number, the number
    of matches and all of them as a sequence set; UID SEARCH marks the answer UID."""
    box, model = build(imap, imap_sandbox)
    text = resolve(program, model)
    matched = (so.search_uids if uid else so.search)(so.parse_program(text), model)
    result, data = _esearch(box, text, ["MIN", "MAX", "COUNT", "ALL"], uid=uid)
    expect_equal(data.uid, uid, "the UID indicator of * ESEARCH")
    expect(data.tag is not None and data.tag == result.tag, "the search correlator names the tag",
           expected=f'(TAG "{result.tag}")', actual=result)
    items = data.items
    expect_equal(items.get("COUNT"), len(matched), "COUNT")
    if matched:
        expect_equal((items.get("MIN"), items.get("MAX")), (min(matched), max(matched)), "MIN, MAX")
        expect_equal(sorted(set(items["ALL"])), matched, "ALL")
    else:
        expect("MIN" not in items and "MAX" not in items and "ALL" not in items,
               "no MIN, MAX or ALL when nothing matches", expected="COUNT 0 only", actual=result)


@pytest.mark.rfc(4731, "3.1", "MUST")
def test_nothing_matches(imap, imap_sandbox):
    """When no message matches, MIN, MAX and ALL are omitted ("the server MUST NOT
    include ... "); COUNT is 0."""
    box, _ = build(imap, imap_sandbox)
    result, data = _esearch(box, "KEYWORD $NeverSetAnywhere", ["MIN", "MAX", "COUNT", "ALL"])
    expect_equal(data.items.get("COUNT"), 0, "COUNT")
    expect(not {"MIN", "MAX", "ALL"} & set(data.items), "MIN/MAX/ALL omitted",
           expected="COUNT 0 only", actual=result)


@pytest.mark.rfc(4731, "3.1", "MUST")
def test_empty_return_list_means_all(imap, imap_sandbox):
    """RETURN () is equivalent to RETURN (ALL)."""
    box, model = build(imap, imap_sandbox)
    matched = so.search(so.parse_program("SEEN"), model)
    _, data = _esearch(box, "SEEN", [])
    expect_equal(sorted(set(data.items.get("ALL", ()))), matched, "ALL of RETURN ()")
