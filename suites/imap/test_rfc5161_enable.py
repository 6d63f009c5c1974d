"""RFC 5161: ENABLE — turning on extensions that change the server's responses."""

import pytest
from mailspec.fixtures.requirements import expect, expect_equal

from ._imap_helpers import expect_malformed, expect_ok, run, strictness

pytestmark = pytest.mark.imap_capability("ENABLE", state="authenticated")


def _enabled(result):
    return {name.upper() for data in result.data_of("ENABLED") for name in data or ()}


@pytest.mark.rfc(5161, "3.1", "MUST")
def test_enable_of_unknown_extension_is_ignored(imap):
    """The server MUST ignore capability names it does not recognise: ENABLE of an
    unknown name answers OK and enables nothing."""
    client = imap.login()
    result = expect_ok(
        run(client, "ENABLE", "X-MAILSPEC-UNKNOWN"), "ENABLE of an unknown extension"
    )
    expect_equal(_enabled(result), set(), "the names in * ENABLED")


@pytest.mark.rfc(5161, "3.1", "MUST")
@pytest.mark.parametrize("extension", ["CONDSTORE", "QRESYNC", "UTF8=ACCEPT"])
def test_enable_of_announced_extension(imap, imap_capabilities, extension):
    """ENABLE of an extension the server announces and that can be enabled: the
    untagged ENABLED response lists it."""
    if not imap_capabilities.has(extension, "authenticated"):
        pytest.skip(f"{extension} is not announced")
    client = imap.login()
    result = expect_ok(run(client, "ENABLE", extension), f"ENABLE {extension}")
    expect(extension in _enabled(result), "* ENABLED", expected=extension, actual=result)


@pytest.mark.rfc(5161, "3.1", "MUST")
def test_enabled_lists_only_what_was_asked(imap, imap_capabilities):
    """The ENABLED response lists only extensions named in this ENABLE command."""
    client = imap.login()
    result = expect_ok(run(client, "ENABLE", "X-MAILSPEC-UNKNOWN", "CONDSTORE"), "ENABLE")
    stray = _enabled(result) - {"X-MAILSPEC-UNKNOWN", "CONDSTORE"}
    expect(not stray, "* ENABLED", expected="nothing not asked for", actual=result)


@pytest.mark.rfc(5161, "3.1", "MUST")
@pytest.mark.parametrize(
    "names", [["X-MAILSPEC-UNKNOWN"], ["CONDSTORE"]], ids=["unknown", "condstore"]
)
def test_successful_enable_sends_enabled(imap, names):
    """If the ENABLE command is successful, the server MUST send an untagged ENABLED
    response, also when it enabled nothing (RFC 9051 §6.3.1 spells that out: "The
    ENABLED response is sent even if no extensions were enabled")."""
    client = imap.login()
    result = expect_ok(run(client, "ENABLE", *names), "ENABLE")
    expect_equal(len(result.untagged_of("ENABLED")), 1, "untagged ENABLED responses")


@pytest.mark.parametrize("how", strictness(5161, "4"))
def test_enable_without_arguments_is_bad(imap, how):
    """ENABLE takes one or more capability names ("ENABLE" 1*(SP capability)): with
    none it is refused (MUST: never OK) with "BAD - command unknown or arguments
    invalid" (SHOULD: the RFC gives that result, not a MUST)."""
    client = imap.login()
    expect_malformed(run(client, "ENABLE"), how, "ENABLE without arguments")
