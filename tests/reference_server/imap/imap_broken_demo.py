"""Launch a deliberately broken reference IMAP server: ``python imap_broken_demo.py VARIANT ARGS``.

The pattern for IMAP sensitivity variants: subclass ``ImapSession``, break one
``cmd_<NAME>``, hand the subclass to ``main(..., imap_session_factory=...)``. Point the
reference provider at it with
``MAILSPEC_REFERENCE_LAUNCHER="python .../imap_broken_demo.py VARIANT"``.
"""

from __future__ import annotations

import sys

from mailspec.reference_server.cli import main
from mailspec.reference_server.imap.command_parser import Command
from mailspec.reference_server.imap.command_results import Done, Failure
from mailspec.reference_server.imap.protocol import ImapSession


class CreateExistingOk(ImapSession):
    """CREATE of an existing name answers OK (RFC 3501 §6.3.3 requires NO)."""

    def cmd_CREATE(self, command: Command) -> Done:
        try:
            return super().cmd_CREATE(command)
        except Failure as failure:
            if failure.code != "ALREADYEXISTS":
                raise
            return Done()


VARIANTS: dict[str, type[ImapSession]] = {"create-existing-ok": CreateExistingOk}

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[2:], imap_session_factory=VARIANTS[sys.argv[1]]))
