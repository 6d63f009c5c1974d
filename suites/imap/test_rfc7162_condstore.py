"""RFC 7162 CONDSTORE / QRESYNC: mod-sequences, conditional STORE, VANISHED."""

import pytest
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import fetches, new_box, search

# Gated per test, not per module: imap_capability marks add up, and RFC 7162 §3.2.3 has
# QRESYNC imply CONDSTORE (a server may announce QRESYNC alone), so the QRESYNC test
# must not also require CONDSTORE to be listed.
CONDSTORE = pytest.mark.imap_capability("CONDSTORE")


def _box(imap, imap_sandbox, count=3):
    box = new_box(imap, imap_sandbox, stem="condstore")
    for _ in range(count):
        box.add("plain")
    result = box.client.command("SELECT", Astring(box.name), ["CONDSTORE"])
    expect_equal(result.status, "OK", "SELECT ... (CONDSTORE)")
    box.learn_uids(box.client)
    return box, result


def _modseqs(box):
    data = fetches(box.client.command("FETCH", "1:*", "(MODSEQ)"))
    return {n: d["MODSEQ"] for n, d in data.items()}


def _value(modseq):
    return modseq[0] if isinstance(modseq, (list, tuple)) else modseq


@pytest.mark.rfc(7162, "3.1.2.1", "MUST")
@CONDSTORE
def test_select_condstore_reports_highestmodseq(imap, imap_sandbox):
    """SELECT with CONDSTORE: the server sends [HIGHESTMODSEQ n] (or NOMODSEQ)."""
    _, result = _box(imap, imap_sandbox)
    expect(result.code_of("HIGHESTMODSEQ") is not None or result.code_of("NOMODSEQ") is not None,
           "an OK [HIGHESTMODSEQ n] response", expected="[HIGHESTMODSEQ n]", actual=result)


@pytest.mark.rfc(7162, "3.1.3", "MUST")
@CONDSTORE
def test_store_raises_the_modseq(imap, imap_sandbox):
    """Every change of a message's metadata gives it a new, higher mod-sequence."""
    box, _ = _box(imap, imap_sandbox)
    before = _modseqs(box)
    box.client.command("STORE", "2", "+FLAGS", ["\\Flagged"])
    after = _modseqs(box)
    expect(_value(after[2]) > max(_value(v) for v in before.values()),
           "message 2's MODSEQ after STORE", expected=f"> {before}", actual=after)
    expect_equal(_value(after[1]), _value(before[1]), "message 1's MODSEQ (unchanged)")


@pytest.mark.rfc(7162, "3.1.3", "MUST")
@CONDSTORE
def test_unchangedsince_refuses_a_stale_store(imap, imap_sandbox):
    """STORE (UNCHANGEDSINCE m) does not change a message whose mod-sequence is above m
    and names it in [MODIFIED set]."""
    box, _ = _box(imap, imap_sandbox)
    # The highest mod-sequence now: every message is unchanged since it, until the
    # STORE below raises message 1 above it.
    stale = max(_value(v) for v in _modseqs(box).values())
    box.client.command("STORE", "1", "+FLAGS", ["\\Seen"])
    result = box.client.command("STORE", "1:2", ["UNCHANGEDSINCE", stale], "+FLAGS", ["\\Answered"])
    code = result.code_of("MODIFIED")
    expect(code is not None and 1 in list(code.value), "[MODIFIED 1]", expected="[MODIFIED 1]",
           actual=result)
    flags = fetches(box.client.command("FETCH", "1:2", "(FLAGS)"))
    expect("\\Answered" not in flags[1]["FLAGS"], "message 1 unchanged", expected="no \\Answered",
           actual=flags)
    expect("\\Answered" in flags[2]["FLAGS"], "message 2 stored", expected="\\Answered",
           actual=flags)


@pytest.mark.rfc(7162, "3.1.5", "MUST")
@CONDSTORE
def test_search_modseq(imap, imap_sandbox):
    """SEARCH MODSEQ m finds the messages whose mod-sequence is m or higher."""
    box, _ = _box(imap, imap_sandbox)
    mark = max(_value(v) for v in _modseqs(box).values()) + 1
    box.client.command("STORE", "3", "+FLAGS", ["\\Draft"])
    _, got = search(box.client, "MODSEQ", str(mark))
    expect_equal(got, [3], f"SEARCH MODSEQ {mark}")


@pytest.mark.rfc(7162, "3.2.5.1", "MUST")
@pytest.mark.imap_capability("QRESYNC")
def test_qresync_select_reports_vanished(imap, imap_sandbox):
    """SELECT with QRESYNC (uidvalidity modseq) reports messages expunged since then as
    VANISHED (EARLIER)."""
    box = new_box(imap, imap_sandbox, stem="qresync")
    for _ in range(3):
        box.add("plain")
    client = box.client
    expect_equal(client.command("ENABLE", "QRESYNC").status, "OK", "ENABLE QRESYNC")
    first = client.command("SELECT", Astring(box.name))
    uidvalidity = first.code_of("UIDVALIDITY").value
    highest = first.code_of("HIGHESTMODSEQ").value
    box.learn_uids(client)
    client.command("STORE", "2", "+FLAGS.SILENT", ["\\Deleted"])
    client.command("EXPUNGE")
    client.command("UNSELECT") if client.has_capability("UNSELECT") else client.command("CLOSE")
    again = client.command("SELECT", Astring(box.name), ["QRESYNC", [uidvalidity, highest]])
    vanished = again.data_of("VANISHED")
    gone = [u for v in vanished if v.earlier for u in v.uids]
    expect_equal(gone, [box.messages[1].uid], "VANISHED (EARLIER) after the expunge")
