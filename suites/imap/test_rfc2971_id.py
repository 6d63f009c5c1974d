"""RFC 2971: ID — the client and server identify themselves (any state)."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_bad, expect_ok, run

pytestmark = pytest.mark.imap_capability("ID")

CLIENT_ID = [Quoted("name"), Quoted("mailspec"), Quoted("version"), Quoted("0.1")]


def _id(client, *args):
    result = expect_ok(run(client, "ID", *args), "ID")
    answers = result.data_of("ID")
    expect_equal(len(answers), 1, "untagged ID responses to one ID command")
    return answers[0]


@pytest.mark.rfc(2971, "3.1", "MUST")
@pytest.mark.parametrize("state", ["not-authenticated", "authenticated"])
@pytest.mark.parametrize("argument", ["NIL", "list"])
def test_id_answers_in_any_state(imap, state, argument):
    """ID is valid in any state, with NIL or a field list: one untagged ID response
    (NIL or field/value pairs), then OK."""
    client = imap.open() if state == "not-authenticated" else imap.login()
    _id(client, *([None] if argument == "NIL" else [CLIENT_ID]))


@pytest.mark.rfc(2971, "3.3", "MUST")
def test_id_field_limits(imap):
    """Field strings are at most 30 octets, values at most 1024 octets, and there are at
    most 30 field/value pairs."""
    client = imap.open()
    params = _id(client, None) or {}
    expect(len(params) <= 30, "field/value pairs", expected="<= 30", actual=len(params))
    long_fields = [k for k in params if len(k.encode()) > 30]
    long_values = [k for k, v in params.items() if v is not None and len(v.encode()) > 1024]
    expect(
        not long_fields and not long_values,
        "ID field and value lengths",
        expected="fields <= 30, values <= 1024",
        actual=(long_fields, long_values),
    )


@pytest.mark.rfc(2971, "3.3", "MUST")
def test_id_fields_are_not_repeated(imap):
    """A field name occurs only once in an ID response (fields are not repeated)."""
    client = imap.open()
    result = expect_ok(run(client, "ID", None), "ID NIL")
    for response in result.untagged_of("ID"):
        raw = response.raw.decode("utf-8", "replace")
        data = response.data or {}
        # The parsed dict merges duplicates; the raw line shows them (each key quoted).
        repeated = [k for k in data if raw.lower().count(f'"{k.lower()}"') > 1]
        expect(not repeated, "repeated ID fields", expected="none", actual=repeated)


@pytest.mark.rfc(2971, "3.1", "MUST")
def test_id_does_not_change_the_state(imap):
    """ID changes nothing: LOGIN still works after it."""
    client = imap.open()
    _id(client, CLIENT_ID)
    imap.login(client)
    expect_ok(run(client, "LIST", Quoted(""), Quoted("")), "LIST after ID and login")


@pytest.mark.rfc(2971, "4", "SHOULD")
@pytest.mark.parametrize(
    "args",
    [[], [[Quoted("name")]], ["name"]],
    ids=["no-argument", "odd-list", "atom-instead-of-list"],
)
def test_id_with_malformed_argument_is_bad(imap, args):
    """ID takes NIL or a list of field/value string pairs; anything else is a syntax
    error, answered BAD (lenient servers accept it: SHOULD)."""
    client = imap.open()
    expect_bad(run(client, "ID", *args), "ID with a malformed argument")
