"""A model-based test of the folder commands (RFC 3501 §6.3.3-§6.3.10): Hypothesis
generates sequences of CREATE / DELETE / RENAME / SUBSCRIBE / UNSUBSCRIBE / APPEND on a
small name space under the test's folder, and every LIST / LSUB / STATUS answer is
checked against the folder model kept by the test (_folder_model.py).

Each example talks to the real server, so examples are few and short; shrinking is off
(it would replay many sequences against the server), and Hypothesis prints the steps
of a failing sequence.
"""

import itertools

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from mailspec.fixtures.requirements import Deviation, expect

from ._folder_model import FolderModel, is_inferior, parent_names
from ._imap_helpers import Literal, Quoted, list_data, message_bytes, run, status
from ._sandbox_api import new_area

# Few components and two levels (12 names), so that generated names collide, nest and
# get reused. "c&-d" is the modified UTF-7 form of "c&d", "b e" needs quoting; the
# letters differ by more than case (servers may fold the case of names other than
# INBOX, RFC 3501 §5.1).
COMPONENTS = ["a", "b e", "c&-d"]
names = st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=2).map("/".join)

# derandomize: the same sequences every run, so a random draw never decides a verdict.
LIVE = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class FolderMachine(RuleBasedStateMachine):
    """One example: a fresh root folder, a fresh connection, an empty model."""

    imap = None
    area = None
    counter = itertools.count(1)
    # The steps of the example running now (shrinking is off: a failure is the last).
    log: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        FolderMachine.log = []
        self.tearing_down = False
        self.client = self.imap.login()
        self.root = self.area.name(f"m{next(self.counter)}")
        self.delimiter = self.area.delimiter
        self.model = FolderModel()
        # With the trailing delimiter: names will be created under it (RFC 3501 §6.3.3).
        result = run(self.client, "CREATE", Quoted(self.root + self.area.delimiter))
        expect(result.ok, "CREATE of the example's root folder", expected="OK", actual=result)

    # -- names ---------------------------------------------------------------------

    def full(self, name: str) -> str:
        return self.delimiter.join([self.root, *name.split("/")])

    def relative(self, full: str) -> str | None:
        prefix = self.root + self.delimiter
        if not full.startswith(prefix):
            return None
        return "/".join(full[len(prefix) :].split(self.delimiter))

    def command(self, *args):
        result = run(self.client, *args)
        if not self.tearing_down:
            shown = " ".join(_show(a, self.root) for a in args)
            FolderMachine.log.append(f"    {shown} -> {result.status}")
        return result

    def selectable_parents(self, name: str) -> set[str]:
        """Which superiors of ``name`` the server made real mailboxes (STATUS works)."""
        found = set()
        for parent in parent_names(name):
            if parent in self.model.mailboxes:
                continue
            if self.command("STATUS", Quoted(self.full(parent)), ["MESSAGES"]).ok:
                found.add(parent)
        return found

    # -- operations ----------------------------------------------------------------

    def under_noinferiors(self, name: str) -> bool:
        """Is a superior of ``name`` a mailbox the server lists as \\Noinferiors?"""
        for parent in parent_names(name):
            if parent in self.model.mailboxes:
                listed = list_data(self.command("LIST", Quoted(""), Quoted(self.full(parent))))
                if any(e.has("\\Noinferiors") for e in listed):
                    return True
        return False

    @rule(name=names)
    def create(self, name: str) -> None:
        result = self.command("CREATE", Quoted(self.full(name)))
        if self.model.exists(name):
            expect(
                result.status == "NO",
                f"CREATE of the existing {name}",
                expected="NO",
                actual=result,
            )
            return
        levels = self.model.placeholders | self.model.stale_levels
        if not result.ok and (name in levels or self.under_noinferiors(name)):
            return  # a level that cannot become a mailbox here, or no inferiors allowed
        expect(result.ok, f"CREATE of the new name {name}", expected="OK", actual=result)
        self.model.created(name, selectable_parents=self.selectable_parents(name))

    @rule(name=names)
    def delete(self, name: str) -> None:
        result = self.command("DELETE", Quoted(self.full(name)))
        if name in self.model.stale_levels and not self.model.exists(name):
            if result.ok:
                self.model.level_deleted(name)
            return  # a level without inferiors: the RFC does not say (see §6.3.4's example)
        if not self.model.exists(name):
            what = "a \\Noselect level" if name in self.model.placeholders else "a missing name"
            expect(result.status == "NO", f"DELETE of {what} {name}", expected="NO", actual=result)
            return
        if self.model.has_inferiors(name) and result.status == "NO":
            return  # permitted: the server keeps mailboxes that have inferiors
        expect(result.ok, f"DELETE of the mailbox {name}", expected="OK", actual=result)
        self.model.deleted(name)

    @rule(old=names, new=names)
    def rename(self, old: str, new: str) -> None:
        model = self.model
        if (
            not model.exists(old)
            or new == old
            or is_inferior(new, old)
            or new in model.known_names() | model.stale_levels
        ):
            return  # only the well-defined case: an existing mailbox to a free name
        result = self.command("RENAME", Quoted(self.full(old)), Quoted(self.full(new)))
        if not result.ok and self.under_noinferiors(new):
            return
        expect(result.ok, f"RENAME {old} {new}", expected="OK", actual=result)
        moved = {n: v for n, v in model.last_uids.items() if n == old or is_inferior(n, old)}
        model.renamed(old, new, selectable_parents=self.selectable_parents(new))
        for name, uids in moved.items():
            model.last_uids[new + name[len(old) :]] = uids

    @rule(name=names)
    def subscribe(self, name: str) -> None:
        result = self.command("SUBSCRIBE", Quoted(self.full(name)))
        if self.model.exists(name):
            expect(result.ok, f"SUBSCRIBE {name}", expected="OK", actual=result)
        if result.ok:
            self.model.subscribed_to(name)

    @rule(name=names)
    def unsubscribe(self, name: str) -> None:
        result = self.command("UNSUBSCRIBE", Quoted(self.full(name)))
        if name in self.model.subscribed:
            expect(result.ok, f"UNSUBSCRIBE of the subscribed {name}", expected="OK", actual=result)
        if result.ok:
            self.model.unsubscribed_from(name)

    @precondition(lambda self: bool(self.model.mailboxes))
    @rule(data=st.data())
    def append(self, data) -> None:
        name = data.draw(st.sampled_from(sorted(self.model.mailboxes)))
        result = self.command("APPEND", Quoted(self.full(name)), Literal(message_bytes("model")))
        expect(result.ok, f"APPEND to {name}", expected="OK", actual=result)
        self.model.appended(name)

    # -- checks --------------------------------------------------------------------

    @invariant()
    def list_star_agrees(self) -> None:
        result = self.command("LIST", Quoted(""), Quoted(self.root + self.delimiter + "*"))
        expect(result.ok, "LIST root/*", expected="OK", actual=result)
        entries = [(self.relative(e.name), e) for e in list_data(result)]
        listed = [n for n, _ in entries if n is not None]
        must, may = self.model.list_star()
        twice = sorted({n for n in listed if listed.count(n) > 1})
        expect(not twice, "LIST root/*: each name once", expected="no duplicates", actual=twice)
        expect(
            must <= set(listed),
            "LIST root/*: every mailbox",
            expected=sorted(must),
            actual=sorted(listed),
        )
        stray = set(listed) - must - may
        expect(
            not stray,
            "LIST root/*: nothing that does not exist",
            expected="no other names",
            actual=sorted(stray),
        )
        wrong = [n for n, e in entries if n in must and e.has("\\Noselect")]
        expect(
            not wrong,
            "LIST root/*: mailboxes are selectable",
            expected="no \\Noselect",
            actual=wrong,
        )
        levels = [n for n, e in entries if n in may and n not in must and not e.has("\\Noselect")]
        expect(
            not levels,
            "LIST root/*: bare levels carry \\Noselect",
            expected="\\Noselect",
            actual=levels,
        )

    @rule()
    def list_percent_agrees(self) -> None:
        result = self.command("LIST", Quoted(""), Quoted(self.root + self.delimiter + "%"))
        expect(result.ok, "LIST root/%", expected="OK", actual=result)
        entries = {self.relative(e.name): e for e in list_data(result)}
        selectable, noselect, optional = self.model.list_percent()
        expect(
            set(entries) - optional == selectable | noselect,
            "LIST root/%: the first level",
            expected=sorted(selectable | noselect),
            actual=sorted(n for n in entries if n),
        )
        levels = noselect | (optional & set(entries))
        wrong = [n for n in levels if not entries[n].has("\\Noselect")]
        expect(
            not wrong,
            "LIST root/%: levels without a mailbox carry \\Noselect",
            expected="\\Noselect",
            actual=wrong,
        )

    @rule()
    def lsub_agrees(self) -> None:
        result = self.command("LSUB", Quoted(""), Quoted(self.root + self.delimiter + "*"))
        expect(result.ok, "LSUB root/*", expected="OK", actual=result)
        entries = {self.relative(e.name): e for e in list_data(result, "LSUB")}
        listed = set(entries)
        must, may = self.model.lsub_star()
        # A \Noselect superior of a subscribed name is a hierarchy hint (required for
        # "%", RFC 3501 §6.3.9), tolerated for "*".
        hints = {p for n in must | may for p in parent_names(n)}
        listed -= {n for n in hints if n in entries and entries[n].has("\\Noselect")}
        expect(
            must <= listed,
            "LSUB root/*: every subscribed name",
            expected=sorted(must),
            actual=sorted(n for n in listed if n),
        )
        stray = listed - must - may
        expect(
            not stray,
            "LSUB root/*: only subscribed names",
            expected="nothing else",
            actual=sorted(n for n in stray if n),
        )

    @rule(name=names)
    def status_agrees(self, name: str) -> None:
        if not self.model.exists(name):
            if name not in self.model.placeholders | self.model.stale_levels:
                result = self.command("STATUS", Quoted(self.full(name)), ["MESSAGES"])
                expect(
                    result.status == "NO",
                    f"STATUS of the missing {name}",
                    expected="NO",
                    actual=result,
                )
            return
        items = status(self.client, self.full(name), ["MESSAGES", "UIDNEXT", "UIDVALIDITY"])
        expected = self.model.mailboxes[name].messages
        expect(
            items["MESSAGES"] == expected,
            f"STATUS {name} MESSAGES",
            expected=expected,
            actual=items,
        )
        last = self.model.last_uids.get(name)
        if last is not None and last[0] == items["UIDVALIDITY"]:
            expect(
                items["UIDNEXT"] >= last[1],
                f"STATUS {name} UIDNEXT never goes back (same UIDVALIDITY)",
                expected=f">= {last[1]}",
                actual=items,
            )
        self.model.last_uids[name] = (items["UIDVALIDITY"], items["UIDNEXT"])

    def teardown(self) -> None:
        # Leave nothing for the next example: unsubscribe and delete deepest first. The
        # sandbox clean-up after the test removes whatever this could not.
        self.tearing_down = True
        prefix = self.root + self.delimiter + "*"
        try:
            for entry in list_data(self.command("LSUB", Quoted(""), Quoted(prefix)), "LSUB"):
                self.command("UNSUBSCRIBE", Quoted(entry.name))
            found = [e.name for e in list_data(self.command("LIST", Quoted(""), Quoted(prefix)))]
            for name in sorted(found, key=lambda n: -n.count(self.delimiter)):
                self.command("DELETE", Quoted(name))
        except AssertionError:  # a broken connection: the verdict came from the steps
            pass
        finally:
            self.client.close()


def _show(arg, root: str) -> str:
    text = arg.text if isinstance(arg, Quoted) else arg
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if isinstance(text, str):
        return '"' + text.replace(root, "<root>") + '"' if isinstance(arg, Quoted) else text
    return f"({' '.join(_show(a, root) for a in text)})" if isinstance(text, list) else repr(text)


@pytest.mark.rfc(3501, "6.3", "MUST")
def test_folder_operations_agree_with_the_model(imap, imap_sandbox):
    """Across any sequence of CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and APPEND,
    LIST shows every existing mailbox once and nothing else (levels without a mailbox
    only as \\Noselect), "%" shows exactly the first level, LSUB the subscribed names,
    and STATUS the right message count, never reusing UIDs under one UIDVALIDITY."""
    client = imap.login()
    area = new_area(imap_sandbox, client)

    class Machine(FolderMachine):
        pass

    Machine.imap = imap
    Machine.area = area
    try:
        run_state_machine_as_test(Machine, settings=LIVE)
    except Deviation as exc:
        steps = "\n".join(FolderMachine.log[-40:])
        raise Deviation(
            f"{exc.what}\n  after these commands:\n{steps}",
            expected=exc.expected,
            actual=exc.actual,
        ) from None
