"""Launch a deliberately broken reference server: ``python refsrv_broken_demo.py VARIANT ARGS``.

The pattern the sensitivity tests use: subclass ``Pop3Session``, break one command,
hand the subclass to ``main(..., session_factory=...)``. Point the reference provider at
it with ``MAILSPEC_REFERENCE_LAUNCHER="python .../refsrv_broken_demo.py VARIANT"``.
"""

from __future__ import annotations

import sys

from mailspec.reference_server.cli import main
from mailspec.reference_server.pop3.protocol import Pop3Session


class StatSizeOffByOne(Pop3Session):
    def cmd_STAT(self, arg: bytes | None) -> bytes:
        count, size = self._totals()
        return b"+OK %d %d\r\n" % (count, size + 1)


class NoByteStuffing(Pop3Session):
    def cmd_RETR(self, arg: bytes | None) -> bytes:
        (token,) = self._args(arg, 1, 1)
        i = self._message(token)
        wire = self._read(i)
        return b"+OK %d octets\r\n" % len(wire) + wire + b".\r\n"


VARIANTS: dict[str, type[Pop3Session]] = {
    "stat-size-off-by-one": StatSizeOffByOne,
    "no-byte-stuffing": NoByteStuffing,
}

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[2:], session_factory=VARIANTS[sys.argv[1]]))
