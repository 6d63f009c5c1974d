"""Generated search programs over flags, sizes and sets agree with a direct model."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.imap.search import SearchContext, parse_search, search
from reference_server.imap.tokens import Atom
from reference_server.imap.views import SimpleMessageView

from .helpers import WHEN

Predicate = Callable[[SimpleMessageView], bool]
Program = tuple[list[object], Predicate]

_SYSTEM = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent"]
_FLAG_KEYS = {
    "SEEN": "\\Seen", "ANSWERED": "\\Answered", "FLAGGED": "\\Flagged",
    "DELETED": "\\Deleted", "DRAFT": "\\Draft", "RECENT": "\\Recent",
}  # fmt: skip


def _flag_key(name: str, negate: bool) -> Program:
    flag = _FLAG_KEYS[name]
    if negate:
        return [Atom("UN" + name)], lambda m: flag not in m.flags
    return [Atom(name)], lambda m: flag in m.flags


_flag_keys = st.builds(_flag_key, st.sampled_from(sorted(_FLAG_KEYS)), st.booleans()).filter(
    lambda p: p[0][0] != Atom("UNRECENT")
)
_keyword = st.sampled_from(["k1", "K1", "other"]).map(
    lambda k: ([Atom("KEYWORD"), Atom(k)], lambda m, k=k: k.lower() in {f.lower() for f in m.flags})
)
_size = st.tuples(st.booleans(), st.integers(min_value=0, max_value=200)).map(
    lambda t: (
        [Atom("LARGER" if t[0] else "SMALLER"), Atom(str(t[1]))],
        lambda m, t=t: m.size > t[1] if t[0] else m.size < t[1],
    )
)
_range = st.tuples(st.integers(1, 8), st.integers(1, 8))
_seq = _range.map(lambda r: ([Atom(f"{r[0]}:{r[1]}")], lambda m, r=r: min(r) <= m.seq <= max(r)))
_uid = _range.map(
    lambda r: (
        [Atom("UID"), Atom(f"{r[0] * 10}:{r[1] * 10}")],
        lambda m, r=r: min(r) * 10 <= m.uid <= max(r) * 10,
    )
)
_special = st.sampled_from(
    [
        ([Atom("ALL")], lambda m: True),
        ([Atom("NEW")], lambda m: "\\Recent" in m.flags and "\\Seen" not in m.flags),
        ([Atom("OLD")], lambda m: "\\Recent" not in m.flags),
    ]
)
_leaf = st.one_of(_flag_keys, _keyword, _size, _seq, _uid, _special)


def _not(p: Program) -> Program:
    return [Atom("NOT"), *p[0]], lambda m: not p[1](m)


def _or(a: Program, b: Program) -> Program:
    return [Atom("OR"), *a[0], *b[0]], lambda m: a[1](m) or b[1](m)


def _group(parts: list[Program]) -> Program:
    tokens: list[object] = [t for p in parts for t in p[0]]
    return [tokens], lambda m: all(p[1](m) for p in parts)


_program = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        inner.map(_not),
        st.builds(_or, inner, inner),
        st.lists(inner, min_size=1, max_size=3).map(_group),
    ),
    max_leaves=10,
)
_message = st.tuples(
    st.sets(st.sampled_from([*_SYSTEM, "k1", "other"])),
    st.integers(min_value=20, max_value=180),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_message, min_size=0, max_size=8), st.lists(_program, min_size=1, max_size=3))
def test_programs_agree_with_the_model(
    messages: list[tuple[set[str], int]], programs: list[Program]
) -> None:
    views = [
        SimpleMessageView(
            seq, seq * 10, b"S: x\r\n\r\n" + b"x" * (size - 9), WHEN, frozenset(flags)
        )
        for seq, (flags, size) in enumerate(messages, start=1)
    ]
    tokens = [t for p in programs for t in p[0]]
    context = SearchContext(count=len(views), largest_uid=len(views) * 10 or 1)
    found = [v.seq for v in search(parse_search(tokens), views, context)]
    expected = [v.seq for v in views if all(p[1](v) for p in programs)]
    assert found == expected, " ".join(map(repr, tokens))
