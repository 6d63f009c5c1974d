"""RFC 2342: NAMESPACE — the personal, other users' and shared namespaces."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import Quoted, expect_bad, expect_ok, expect_refused, listing, run, setup_ok

pytestmark = pytest.mark.imap_capability("NAMESPACE", state="authenticated")


def _namespace(client):
    result = expect_ok(run(client, "NAMESPACE"), "NAMESPACE")
    answers = result.data_of("NAMESPACE")
    expect_equal(len(answers), 1, "untagged NAMESPACE responses")
    return answers[0]


@pytest.mark.rfc(2342, "5", "MUST")
def test_namespace_answers_three_parts(imap):
    """NAMESPACE answers one untagged NAMESPACE response with the personal, other users'
    and shared namespaces (each NIL or a list)."""
    client = imap.login()
    data = _namespace(client)
    expect(
        hasattr(data, "personal"),
        "the NAMESPACE response",
        expected="three namespace lists",
        actual=data,
    )


@pytest.mark.rfc(2342, "4", "MUST")
def test_user_has_a_personal_namespace(imap):
    """A user with an INBOX has a personal namespace, where INBOX and the user's
    folders live."""
    client = imap.login()
    personal = _namespace(client).personal
    expect(bool(personal), "the personal namespaces", expected="at least one", actual=personal)


@pytest.mark.rfc(2342, "5", "MUST")
def test_personal_namespace_delimiter_agrees_with_list(imap):
    """The hierarchy delimiter given for the personal namespace is the one LIST answers
    for names in it."""
    client = imap.login()
    personal = _namespace(client).personal
    if not personal:
        pytest.skip("no personal namespace")
    first = personal[0]
    entries = listing(client, first.prefix, "")
    expect(
        entries and entries[0].delimiter == first.delimiter,
        'LIST "<prefix>" ""',
        expected=first.delimiter,
        actual=[e.delimiter for e in entries],
    )


@pytest.mark.rfc(2342, "5", "MUST")
def test_folders_created_in_personal_namespace_are_listed_there(imap, imap_sandbox):
    """A folder created with the personal namespace's prefix is listed under that prefix
    (the sandbox lives there)."""
    client = imap.login()
    personal = _namespace(client).personal
    if not personal:
        pytest.skip("no personal namespace")
    prefix = personal[0].prefix
    expect(
        imap_sandbox.root.startswith(prefix),
        "the sandbox under the personal prefix",
        expected=prefix,
        actual=imap_sandbox.root,
    )
    name = imap_sandbox.path("ns-check")
    setup_ok(run(client, "CREATE", Quoted(name)), "CREATE")
    names = [e.name for e in listing(client, "", prefix + "*")]
    expect(name in names, f'LIST "" "{prefix}*"', expected=name, actual=names[:30])


@pytest.mark.rfc(2342, "5", "SHOULD")
def test_non_empty_prefix_ends_with_delimiter(imap):
    """A non-empty namespace prefix ends with the namespace's hierarchy delimiter, so
    names are built by appending to it."""
    client = imap.login()
    data = _namespace(client)
    wrong = [
        (ns.prefix, ns.delimiter)
        for group in (data.personal, data.other, data.shared)
        for ns in group or ()
        if ns.prefix and ns.delimiter and not ns.prefix.endswith(ns.delimiter)
    ]
    expect(not wrong, "namespace prefixes", expected="each ends with its delimiter", actual=wrong)


@pytest.mark.rfc(2342, "5", "MUST")
def test_namespace_before_login_is_refused(imap):
    """NAMESPACE is an authenticated-state command: before login it is refused."""
    client = imap.open()
    expect_refused(run(client, "NAMESPACE"), "NAMESPACE before login")


@pytest.mark.rfc(2342, "5", "SHOULD")
def test_namespace_with_argument_is_bad(imap):
    """NAMESPACE takes no arguments; with one it is BAD (lenient servers accept: SHOULD)."""
    client = imap.login()
    expect_bad(run(client, "NAMESPACE", "x"), "NAMESPACE with an argument")
