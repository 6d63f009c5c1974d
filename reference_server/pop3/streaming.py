"""A large POP3 multi-line body, byte-stuffed and cut into chunks on the fly.

``Maildrop.read`` returns a whole message; the storage API has no ranged read yet. The
transport's ``SendStream`` pulls one chunk at a time, only once the previous one has
drained, so what a large RETR costs in memory is the message once plus one chunk,
never the whole stuffed reply next to it (let alone one per pipelined command). A
``Maildrop.read_range(index, offset, size)`` in storage would bring that down to one
chunk, read by ``stuffed_chunks``'s caller piece by piece instead of whole.
"""

from __future__ import annotations

from collections.abc import Iterator

CHUNK = 64 * 1024
# Replies to bodies at most this large are built whole: one write, least overhead.
STREAM_THRESHOLD = 64 * 1024


def stuffed_chunks(wire: bytes, size: int = CHUNK) -> Iterator[bytes]:
    """RFC 1939 §3 byte-stuffing of ``wire`` (CRLF lines), in pieces of about ``size``.

    Pieces end at a line end where one falls within the piece, so a line that starts
    with "." is seen whole; a piece cut inside a long line never splits its CRLF.
    """
    pos, end_of_wire = 0, len(wire)
    at_line_start = True
    while pos < end_of_wire:
        end = min(pos + size, end_of_wire)
        if end < end_of_wire:
            nl = wire.rfind(b"\n", pos, end)
            if nl >= 0:
                end = nl + 1
            elif wire[end - 1 : end] == b"\r":
                end += 1
        piece = wire[pos:end]
        if at_line_start and piece.startswith(b"."):
            piece = b"." + piece
        yield piece.replace(b"\r\n.", b"\r\n..")
        at_line_start = piece.endswith(b"\n")
        pos = end


def multiline_chunks(status: bytes, wire: bytes, size: int = CHUNK) -> Iterator[bytes]:
    """A whole multi-line response (status line with CRLF, body, terminator) in chunks."""
    yield status
    yield from stuffed_chunks(wire, size)
    yield b".\r\n"
