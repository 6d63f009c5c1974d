"""A model of one folder tree, kept by the test, that LIST / LSUB / STATUS answers are
checked against (test_folder_model.py drives it with Hypothesis).

Names here are relative to the model's root folder and use "/" between levels; the
machine maps them to the server's delimiter and modified UTF-7. The RFC leaves some
choices to the server, so the model records what the server chose where a choice is
allowed and checks only what follows from it:

- CREATE of "a/b" SHOULD create "a" (RFC 3501 §6.3.3), as a mailbox or as a \\Noselect
  level: the machine looks, and records "a" as a mailbox or as a placeholder.
- DELETE of a mailbox with inferiors MAY succeed (it then becomes \\Noselect) or fail.
- Whether RENAME carries subscriptions along is not specified: after a RENAME the
  subscription of the old and new names (and their inferiors) is "uncertain".
- A level that lost its last inferior may disappear or stay as a \\Noselect name
  (Mailutils keeps the directory): it becomes a "stale level", which LIST may show
  (only as \\Noselect) and CREATE / DELETE may or may not accept.
- A server whose mailboxes cannot have inferiors marks them \\Noinferiors; CREATE of a
  name under one fails, and the machine accepts that.

Everything else is exact: a mailbox that exists is listed, once, without \\Noselect;
a name that does not exist is not; DELETE never removes inferiors; RENAME moves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def parent_names(name: str) -> list[str]:
    """'a/b/c' -> ['a', 'a/b']."""
    parts = name.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def is_inferior(name: str, of: str) -> bool:
    return name.startswith(of + "/")


@dataclass
class Mailbox:
    messages: int = 0
    # The highest UID this name's mailboxes have used (None before any message).
    uidvalidity: int | None = None
    uidnext_floor: int = 1


@dataclass
class FolderModel:
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    # Levels of hierarchy that exist only because an inferior exists (\Noselect).
    placeholders: set[str] = field(default_factory=set)
    stale_levels: set[str] = field(default_factory=set)
    subscribed: set[str] = field(default_factory=set)
    uncertain_subscriptions: set[str] = field(default_factory=set)
    # Per name: (UIDVALIDITY, UIDNEXT) last seen, so a re-created name can be checked
    # for UID reuse (RFC 3501 §6.3.4 / §6.3.5: the highest UID is preserved unless
    # UIDVALIDITY changes).
    last_uids: dict[str, tuple[int, int]] = field(default_factory=dict)

    # -- what exists -------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return name in self.mailboxes

    def has_inferiors(self, name: str) -> bool:
        return any(is_inferior(other, name) for other in self.mailboxes)

    def known_names(self) -> set[str]:
        return set(self.mailboxes) | self.placeholders

    def tidy_placeholders(self) -> None:
        """A placeholder lives only while it has an inferior mailbox; one that lost its
        inferiors becomes a stale level (it may or may not still be listed)."""
        keep = {p for p in self.placeholders if p not in self.mailboxes and self.has_inferiors(p)}
        self.stale_levels |= self.placeholders - keep - set(self.mailboxes)
        self.stale_levels -= keep | set(self.mailboxes)
        self.placeholders = keep

    # -- operations (called after the server answered) ----------------------------

    def created(self, name: str, *, selectable_parents: set[str]) -> None:
        """CREATE name answered OK; ``selectable_parents`` are the superiors the server
        made real mailboxes (the others became \\Noselect levels)."""
        self.mailboxes[name] = Mailbox()
        self.placeholders.discard(name)
        self.stale_levels.discard(name)
        for parent in parent_names(name):
            if parent in self.mailboxes:
                continue
            self.stale_levels.discard(parent)
            if parent in selectable_parents:
                self.mailboxes[parent] = Mailbox()
                self.placeholders.discard(parent)
            else:
                self.placeholders.add(parent)

    def level_deleted(self, name: str) -> None:
        """DELETE of a stale level answered OK: it is gone."""
        self.stale_levels.discard(name)

    def deleted(self, name: str) -> None:
        """DELETE name answered OK: the mailbox goes, its inferiors stay."""
        self.mailboxes.pop(name, None)
        if self.has_inferiors(name):
            self.placeholders.add(name)
        else:
            self.placeholders.discard(name)
        self.tidy_placeholders()

    def renamed(self, old: str, new: str, *, selectable_parents: set[str]) -> None:
        """RENAME old new answered OK: old and every inferior move under new."""
        moving = {n: m for n, m in self.mailboxes.items() if n == old or is_inferior(n, old)}
        moved_placeholders = {p for p in self.placeholders if is_inferior(p, old)}
        for name in moving:
            del self.mailboxes[name]
        self.placeholders -= moved_placeholders
        for name, box in moving.items():
            self.mailboxes[new + name[len(old) :]] = box
        for name in moved_placeholders:
            self.placeholders.add(new + name[len(old) :])
        for parent in parent_names(new):
            if parent in self.mailboxes:
                continue
            self.stale_levels.discard(parent)
            if parent in selectable_parents:
                self.mailboxes[parent] = Mailbox()
            else:
                self.placeholders.add(parent)
        if self.has_inferiors(old):
            self.placeholders.add(old)
        self.tidy_placeholders()
        touched = {
            n
            for n in self.subscribed | self.uncertain_subscriptions
            if n == old or is_inferior(n, old)
        }
        touched |= {new + n[len(old) :] for n in touched}
        self.uncertain_subscriptions |= touched
        self.subscribed -= touched

    def subscribed_to(self, name: str) -> None:
        self.subscribed.add(name)
        self.uncertain_subscriptions.discard(name)

    def unsubscribed_from(self, name: str) -> None:
        self.subscribed.discard(name)
        self.uncertain_subscriptions.discard(name)

    def appended(self, name: str) -> None:
        self.mailboxes[name].messages += 1

    # -- what LIST / LSUB must answer ----------------------------------------------

    def list_star(self) -> tuple[set[str], set[str]]:
        """LIST root/*: (names that must be listed as mailboxes, names that may be
        listed only as \\Noselect levels)."""
        return set(self.mailboxes), self.placeholders | self.stale_levels

    def list_percent(self, level: str = "") -> tuple[set[str], set[str], set[str]]:
        """LIST root/[level/]%: the direct children of ``level``: (selectable mailboxes,
        levels that must be listed with \\Noselect, stale levels that may be)."""
        prefix = level + "/" if level else ""
        selectable: set[str] = set()
        noselect: set[str] = set()
        for name in self.known_names():
            if not name.startswith(prefix) or name == level:
                continue
            child = prefix + name[len(prefix) :].split("/")[0]
            if child in self.mailboxes:
                selectable.add(child)
            else:
                noselect.add(child)
        optional = {
            n for n in self.stale_levels if n.startswith(prefix) and "/" not in n[len(prefix) :]
        }
        return selectable, noselect, optional - selectable - noselect

    def lsub_star(self) -> tuple[set[str], set[str]]:
        """LSUB root/*: (names that must be listed, names that may be listed)."""
        return set(self.subscribed), set(self.uncertain_subscriptions)
