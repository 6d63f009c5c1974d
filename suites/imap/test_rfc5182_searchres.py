"""RFC 5182 SEARCHRES: SEARCH RETURN (SAVE) and the "$" variable."""

import pytest
from mailspec.fixtures.imap import search_oracle as so
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetches, search, search_arguments
from ._search_box import build

pytestmark = pytest.mark.imap_capability("SEARCHRES")


def _save(box, program, *, uid=False):
    args = ["SEARCH", "RETURN", ["SAVE"], *search_arguments(program)]
    result = box.client.command("UID", *args) if uid else box.client.command(*args)
    expect_equal(result.status, "OK", f"SEARCH RETURN (SAVE) {program}")
    return result


@pytest.mark.rfc(5182, "2.1", "MUST")
@pytest.mark.parametrize("program", ["FLAGGED", "SEEN UNDELETED", "KEYWORD $NeverSet"])
def test_saved_result_drives_fetch(imap, imap_sandbox, program):
    """SAVE stores the result in the "$" variable; FETCH $ fetches exactly those messages
    (an empty result makes "$" the empty set)."""
    box, model = build(imap, imap_sandbox)
    result = _save(box, program)
    expect(not result.untagged_of("SEARCH") and not result.untagged_of("ESEARCH"),
           "RETURN (SAVE) alone sends no search results", expected="no * SEARCH / * ESEARCH",
           actual=result)
    fetched = box.client.command("FETCH", "$", "(UID)")
    expect_equal(fetched.status, "OK", "FETCH $ (UID)")
    expect_equal(sorted(fetches(fetched)), so.search(so.parse_program(program), model),
                 "messages FETCH $ returns")


@pytest.mark.rfc(5182, "2.1", "MUST")
def test_saved_result_in_a_later_search(imap, imap_sandbox):
    """"$" may be used as a search key in a later SEARCH: SEARCH $ SEEN intersects."""
    box, model = build(imap, imap_sandbox)
    _save(box, "OR FLAGGED ANSWERED")
    _, got = search(box.client, "$", "SEEN")
    expected = so.search(so.parse_program("OR FLAGGED ANSWERED SEEN"), model)
    expect_equal(got, expected, "SEARCH $ SEEN")


@pytest.mark.rfc(5182, "2.1", "MUST")
def test_uid_search_save_with_uid_fetch(imap, imap_sandbox):
    """UID SEARCH RETURN (SAVE) saves UIDs; UID FETCH $ uses them."""
    box, model = build(imap, imap_sandbox)
    _save(box, "UNSEEN", uid=True)
    fetched = box.client.command("UID", "FETCH", "$", "(UID)")
    got = sorted(d["UID"] for d in fetches(fetched).values())
    expect_equal(got, so.search_uids(so.parse_program("UNSEEN"), model), "UIDs UID FETCH $ returns")
