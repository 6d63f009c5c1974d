"""Generated MIME trees: every part is found again, byte for byte, by its part number."""

from __future__ import annotations

import base64
import binascii
import itertools
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.imap.bodystructure import body_structure
from reference_server.imap.parsed_message import MAX_DEPTH, Entity, parse_message
from reference_server.imap.sections import extract, parse_section, resolve


@dataclass
class Leaf:
    content: bytes
    encoding: str

    def encoded(self) -> bytes:
        if self.encoding == "base64":
            return base64.encodebytes(self.content).replace(b"\n", b"\r\n").rstrip(b"\r\n")
        if self.encoding == "quoted-printable":
            return binascii.b2a_qp(self.content, istext=False).replace(b"\n", b"\r\n")
        return self.content


@dataclass
class Multi:
    subtype: str
    children: list[Node]
    boundary: str = ""


@dataclass
class Wrapped:
    inner: Node


Node = Leaf | Multi | Wrapped

_line = st.text(alphabet="abcdefghij XYZ.,=-", min_size=0, max_size=20).filter(
    lambda s: not s.startswith("--")
)
_content = st.lists(_line, max_size=4).map(lambda lines: "\r\n".join(lines).encode())
_leaf = st.builds(Leaf, _content, st.sampled_from(["7bit", "base64", "quoted-printable"]))
_tree = st.recursive(
    _leaf,
    lambda children: st.one_of(
        st.builds(
            Multi,
            st.sampled_from(["mixed", "alternative"]),
            st.lists(children, min_size=1, max_size=3),
        ),
        st.builds(Wrapped, children),
    ),
    max_leaves=8,
)


@dataclass
class _Writer:
    counter: itertools.count = field(default_factory=itertools.count)

    def entity(self, node: Node) -> bytes:
        """Header lines + blank line + body for one node."""
        if isinstance(node, Leaf):
            return (
                b"Content-Type: text/plain\r\nContent-Transfer-Encoding: %s\r\n\r\n"
                % node.encoding.encode()
                + node.encoded()
            )
        if isinstance(node, Wrapped):
            return b"Content-Type: message/rfc822\r\n\r\nSubject: wrapped\r\n" + self.entity(
                node.inner
            )
        node.boundary = f"b{next(self.counter)}"
        body = b"".join(
            b"--%s\r\n%s\r\n" % (node.boundary.encode(), self.entity(child))
            for child in node.children
        )
        return (
            b"Content-Type: multipart/%s; boundary=%s\r\n\r\n"
            % (node.subtype.encode(), node.boundary.encode())
            + body
            + b"--%s--" % node.boundary.encode()
        )


Numbered = list[tuple[tuple[int, ...], Leaf]]


def _numbered(node: Node, number: tuple[int, ...]) -> Numbered:
    """Leaves under the part numbered ``number`` (RFC 3501 §6.4.5)."""
    if isinstance(node, Leaf):
        return [(number, node)]
    if isinstance(node, Multi):
        return [
            pair
            for index, child in enumerate(node.children, start=1)
            for pair in _numbered(child, (*number, index))
        ]
    return _message_content(node.inner, number)  # message/rfc822: numbering goes on inside


def _message_content(content: Node, prefix: tuple[int, ...]) -> Numbered:
    """A message's content: a multipart's children are its parts; otherwise the content
    itself is part 1."""
    if isinstance(content, Multi):
        return _numbered(content, prefix)
    return _numbered(content, (*prefix, 1))


def _count_parts(node: Node) -> int:
    if isinstance(node, Leaf):
        return 1
    if isinstance(node, Multi):
        return sum(_count_parts(c) for c in node.children)
    return _count_parts(node.inner)


@settings(max_examples=150, deadline=None)
@given(_tree)
def test_every_leaf_is_found_by_its_part_number(tree: Node) -> None:
    data = b"From: a@b\r\n" + _Writer().entity(tree)
    root = parse_message(data)
    paths = _message_content(tree, ())
    assert len(paths) == _count_parts(tree)
    for path, leaf in paths:
        node = resolve(root, path)
        assert isinstance(node, Entity), path
        assert node.body_bytes() == leaf.encoded(), path
        assert node.decoded_body() == leaf.content, path
        assert extract(root, parse_section(".".join(map(str, path)))) == leaf.encoded()
    structure = body_structure(root, extensible=True)
    assert structure.count(b'"TEXT" "PLAIN"') == _count_parts(tree)
    assert structure.count(b"(") - structure.count(b")") == 0


def test_nesting_beyond_the_limit_is_not_parsed() -> None:
    depth = MAX_DEPTH + 20
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=l%d\r\n\r\n--l%d\r\n" % (n, n)
        for n in range(depth)
    )
    closing = b"".join(b"\r\n--l%d--" % n for n in reversed(range(depth)))
    root = parse_message(opening + b"\r\ndeep" + closing)
    structure = body_structure(root, extensible=True)  # no RecursionError
    assert structure.count(b'"MIXED"') == MAX_DEPTH + 1
    wrapped = b"Content-Type: message/rfc822\r\n\r\n" * depth + b"\r\nx"
    assert (
        body_structure(parse_message(wrapped), extensible=False).count(b'"RFC822"') == MAX_DEPTH + 1
    )
