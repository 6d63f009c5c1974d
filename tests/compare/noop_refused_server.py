"""The reference server with one deviation: NOOP answers -ERR (a MUST of RFC 1939 §5).

    MAILSPEC_REFERENCE_LAUNCHER="python tests/compare/noop_refused_server.py"

gives ``mailspec compare`` a target with failures. Test code: it may import the server.
"""

from __future__ import annotations

import sys

from mailspec.reference_server.cli import main
from mailspec.reference_server.pop3.protocol import Pop3Session, line


class NoopRefused(Pop3Session):
    def cmd_NOOP(self, arg: bytes | None) -> bytes:
        return line("-ERR NOOP is not implemented")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], session_factory=NoopRefused))
