"""RFC 4315 UIDPLUS: APPENDUID, COPYUID and UID EXPUNGE."""

import pytest
from mailspec.fixtures.imap.command_args import Astring
from mailspec.fixtures.requirements import expect, expect_equal

from ._message_helpers import append, ensure_flags, new_box, select, uid_map

pytestmark = pytest.mark.imap_capability("UIDPLUS")


@pytest.mark.rfc(4315, "3", "MUST")
@pytest.mark.parametrize("name", ["plain", "multipart"])
def test_append_answers_appenduid(imap, imap_sandbox, name):
    """APPENDUID: the UIDVALIDITY of the destination mailbox and the UID assigned to the
    appended message, in the tagged OK of APPEND."""
    box = new_box(imap, imap_sandbox, stem="uidplus")
    stored, result = append(box.client, box.name, name)
    code = result.code_of("APPENDUID")
    expect(code is not None, "APPEND answers [APPENDUID uidvalidity uid]", expected="APPENDUID",
           actual=result)
    uidvalidity, uids = code.value
    selected = select(box.client, box.name)
    expect_equal(uidvalidity, selected.uidvalidity, "APPENDUID's UIDVALIDITY")
    expect_equal(list(uids), [uid_map(box.client)[stored.marker][1]], "APPENDUID's UID")


@pytest.mark.rfc(4315, "3", "MUST")
def test_copy_answers_copyuid(imap, imap_sandbox):
    """COPYUID: the destination's UIDVALIDITY, the source UIDs in the order given, and
    the UIDs assigned in the destination, in the same order."""
    box = new_box(imap, imap_sandbox, stem="uidplus")
    for name in ("plain", "dot-lines", "numbered-lines"):
        box.add(name)
    box.select()
    target = imap_sandbox.create("copyuid")
    sources = [box.messages[2].uid, box.messages[0].uid]
    result = box.client.command("UID", "COPY", f"{sources[0]},{sources[1]}", Astring(target))
    code = result.code_of("COPYUID")
    expect(code is not None, "COPY answers [COPYUID ...]", expected="COPYUID", actual=result)
    uidvalidity, source_set, dest_set = code.value
    other = imap.login()
    selected = select(other, target, examine=True)
    expect_equal(uidvalidity, selected.uidvalidity, "COPYUID's UIDVALIDITY")
    expect_equal(sorted(source_set), sorted(sources), "COPYUID's source UIDs")
    mapping = uid_map(other)
    by_source = dict(zip(list(source_set), list(dest_set), strict=False))
    for stored in (box.messages[2], box.messages[0]):
        expect_equal(by_source.get(stored.uid), mapping[stored.marker][1],
                     f"the destination UID of source UID {stored.uid}")


@pytest.mark.rfc(4315, "2.1", "MUST")
def test_uid_expunge_removes_only_the_given_deleted_messages(imap, imap_sandbox):
    """UID EXPUNGE: only messages with \\Deleted AND a UID in the set are removed."""
    box = new_box(imap, imap_sandbox, stem="uidplus")
    layout = (["\\Deleted"], ["\\Deleted"], [], ["\\Deleted"])
    for flags in layout:
        box.add("plain", flags=flags)
    box.select()
    # APPEND setting the \\Deleted it was given is only a SHOULD (RFC 3501 §6.3.11).
    ensure_flags(box.client, dict(enumerate(layout, 1)))
    uids = [m.uid for m in box.messages]
    result = box.client.command("UID", "EXPUNGE", f"{uids[1]}:{uids[2]}")
    expect(result.ok, "UID EXPUNGE", expected="OK", actual=result)
    expect_equal([u.number for u in result.untagged_of("EXPUNGE")], [2], "the EXPUNGE responses")
    other = imap.login()
    select(other, box.name)
    left = sorted(uid for _, uid in uid_map(other).values())
    expect_equal(left, [uids[0], uids[2], uids[3]], "UIDs left after UID EXPUNGE")
