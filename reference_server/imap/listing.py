"""LIST and LSUB answers, as pure functions over the folder list, the subscriptions and
the special uses (RFC 3501 §6.3.8-§6.3.9, RFC 5258 LIST-EXTENDED, RFC 3348 CHILDREN,
RFC 6154 SPECIAL-USE).

Names here are Unicode with "/" as the hierarchy delimiter (the store's form); the
session decodes patterns from modified UTF-7 before calling in and encodes the names
it gets back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from ..storage.interface import FolderEntry

DELIMITER = "/"


class ListItem(NamedTuple):
    # A tuple, not a dataclass: LIST makes one per name (1,000 and more).
    name: str
    attributes: tuple[str, ...]
    # RFC 5258 §3.5 CHILDINFO extended data: ("SUBSCRIBED",) when a descendant matched.
    childinfo: tuple[str, ...] = ()
    selectable: bool = True


@dataclass(frozen=True)
class ListRequest:
    patterns: tuple[str, ...]  # reference + pattern, already joined and decoded
    subscribed_only: bool = False  # selection option SUBSCRIBED
    recursive_match: bool = False  # selection option RECURSIVEMATCH
    return_subscribed: bool = False  # return option SUBSCRIBED
    special_use_only: bool = False  # selection option SPECIAL-USE (RFC 6154 §2)
    extended: bool = False  # any LIST-EXTENDED syntax was used
    status_items: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=256)
def _compile(pattern: str, fold: bool) -> re.Pattern[str]:
    # RFC 3501 §6.3.8: "*" matches zero or more characters at this position; "%" is
    # like "*" but does not match a hierarchy delimiter.
    parts = []
    for char in pattern.upper() if fold else pattern:
        if char == "*":
            parts.append(".*")
        elif char == "%":
            parts.append(f"[^{re.escape(DELIMITER)}]*")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    if _compile(pattern, False).fullmatch(name):
        return True
    # RFC 3501 §5.1: INBOX is case-insensitive; no other name is.
    return name == "INBOX" and bool(_compile(pattern, True).fullmatch(name))


def canonical(reference: str, pattern: str) -> str:
    """RFC 3501 §6.3.8: the reference and the pattern are joined; a pattern that starts
    with the delimiter is taken as it is when the reference ends with it too."""
    if reference.endswith(DELIMITER) and pattern.startswith(DELIMITER):
        return reference + pattern[1:]
    return reference + pattern


def root_of(reference: str) -> str:
    """RFC 3501 §6.3.8: an empty pattern asks for the delimiter and the root name of the
    reference (``#news.comp.mail.misc`` -> ``#news.``); our one namespace is rooted at
    "", so the root is the reference's first level, with its delimiter, or ""."""
    head, sep, _ = reference.partition(DELIMITER)
    return head + sep if sep else ""


def _sort_key(name: str) -> tuple[int, str]:
    return (0 if name == "INBOX" else 1, name)


def _with_superiors(entries: Iterable[FolderEntry]) -> tuple[dict[str, bool], set[str]]:
    """name -> selectable, adding any superior level the store did not list itself; and
    the names that have inferiors (the same pass finds both)."""
    names = {entry.name: entry.selectable for entry in entries}
    parents = _superiors(list(names))
    for superior in parents:
        names.setdefault(superior, False)
    return names, parents


def _superiors(names: Iterable[str]) -> set[str]:
    """Every name that has an inferior among ``names`` (one pass, not one per name)."""
    found: set[str] = set()
    for name in names:
        head, sep, _ = name.rpartition(DELIMITER)
        # Walk up until a level already seen: its superiors are in ``found`` already.
        while sep and head not in found:
            found.add(head)
            head, sep, _ = head.rpartition(DELIMITER)
    return found


def _matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """One test for all the patterns: a single alternation, compiled once per request
    (LIST over 1,000 names would otherwise run a regex per name and pattern)."""
    patterns = tuple(patterns)
    if "*" in patterns:
        return lambda name: True
    if not patterns:
        return lambda name: False
    exact = _compile_any(patterns, False).fullmatch
    folded = _compile_any(patterns, True).fullmatch
    # RFC 3501 §5.1: INBOX is case-insensitive; no other name is.
    return lambda name: bool(exact(name)) or (name == "INBOX" and bool(folded(name)))


@lru_cache(maxsize=256)
def _compile_any(patterns: tuple[str, ...], fold: bool) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{_compile(p, fold).pattern})" for p in patterns), re.DOTALL)


def list_items(
    request: ListRequest,
    entries: Iterable[FolderEntry],
    subscriptions: Iterable[str],
    special_uses: Mapping[str, Collection[str]] | None = None,
) -> list[ListItem]:
    folders, parents = _with_superiors(entries)
    subscribed = set(subscriptions)
    uses = special_uses or {}
    selected: Iterable[str] = subscribed if request.subscribed_only else folders
    if request.special_use_only:
        # RFC 6154 §2: "the LIST command MUST return only those mailboxes that have a
        # special-use attribute set" (existing, selectable folders are the only ones).
        selected = {n for n in selected if folders.get(n) and uses.get(n)}
    # RFC 5258 §3.5: with RECURSIVEMATCH a name that does not meet the selection
    # criteria but has a descendant that does is returned too, with CHILDINFO. Only
    # SUBSCRIBED defines CHILDINFO; RFC 6154 defines none for SPECIAL-USE.
    recursive = request.recursive_match and request.subscribed_only
    selected_parents = _superiors(selected) if recursive else set()
    show_subscribed = request.subscribed_only or request.return_subscribed
    match = _matcher(request.patterns)
    names = sorted(filter(match, set(selected) | selected_parents))
    if names and names[0] != "INBOX" and "INBOX" in names:
        names.remove("INBOX")
        names.insert(0, "INBOX")  # INBOX first, then by name
    # Most names share one of a few attribute sets: build each tuple once.
    attribute_sets: dict[tuple[object, ...], tuple[str, ...]] = {}
    items = []
    for name in names:
        selectable = folders.get(name)  # None: not a mailbox (\NonExistent)
        key = (
            selectable,
            name in parents,
            frozenset(uses[name]) if selectable and name in uses else None,
            show_subscribed and name in subscribed,
        )
        attributes = attribute_sets.get(key)
        if attributes is None:
            attributes = attribute_sets[key] = _attributes(*key)
        childinfo: tuple[str, ...] = ("SUBSCRIBED",) if name in selected_parents else ()
        items.append(ListItem(name, attributes, childinfo, bool(selectable)))
    return items


def _attributes(
    selectable: bool | None,
    has_children: bool,
    uses: Collection[str] | None,
    subscribed: bool,
) -> tuple[str, ...]:
    attributes: list[str] = []
    if selectable is None:
        # RFC 5258 §3: \NonExistent implies \Noselect.
        attributes.append("\\NonExistent")
    elif not selectable:
        attributes.append("\\Noselect")
    # RFC 3348 §4 / RFC 5258 §4: children are existing mailboxes below this name.
    attributes.append("\\HasChildren" if has_children else "\\HasNoChildren")
    if uses:
        # RFC 6154 §2: returned with the SPECIAL-USE options, and (MAY) always.
        attributes.extend(sorted(uses))
    if subscribed:
        attributes.append("\\Subscribed")
    return tuple(attributes)


def lsub_items(
    patterns: Iterable[str], entries: Iterable[FolderEntry], subscriptions: Iterable[str]
) -> list[ListItem]:
    """RFC 3501 §6.3.9: subscribed names that match. A "%" that matches an unsubscribed
    superior of a subscribed name returns that superior with \\Noselect."""
    folders, _ = _with_superiors(entries)
    subscribed = set(subscriptions)
    patterns = list(patterns)
    items: dict[str, ListItem] = {}
    for name in sorted(subscribed, key=_sort_key):
        if any(matches(p, name) for p in patterns):
            selectable = folders.get(name, False)
            attributes = () if selectable else ("\\Noselect",)
            items[name] = ListItem(name, attributes, (), selectable)
    for name in subscribed:
        parts = name.split(DELIMITER)
        for depth in range(1, len(parts)):
            superior = DELIMITER.join(parts[:depth])
            if superior in items or superior in subscribed:
                continue
            if any(matches(p, superior) for p in patterns if "%" in p):
                items[superior] = ListItem(superior, ("\\Noselect",), (), False)
    return [items[n] for n in sorted(items, key=_sort_key)]
