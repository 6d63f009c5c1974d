"""The ``mailspec`` command: pytest with the installed suites and the plugin.

mailspec [pytest options]                 run the suites (default target: reference)
mailspec --target host:port -n 2          any pytest option works
mailspec compare reference dovecot ...    the suites against several targets, and the matrix
mailspec serve [server options]           run the reference server standalone
mailspec servers install cyrus            prepare a private copy of a third-party server
"""

from __future__ import annotations

import os
import sys

import pytest

from mailspec import INSTALLED_SUITES_ENV


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from .reference_server.__main__ import main as serve

        return int(serve(args[1:]) or 0)
    if args[:1] == ["compare"]:
        from .compare import main as compare

        return int(compare(args[1:]))
    if args[:1] == ["servers"]:
        from .servers_cli import main as servers

        return int(servers(args[1:]) or 0)
    # The plugin runs the installed suites when no test is named (decided after pytest
    # parsed the options: fixtures/plugin.py). An environment variable, so that xdist
    # workers, which re-parse the original command line, decide the same way.
    os.environ[INSTALLED_SUITES_ENV] = "1"
    return int(pytest.main(args))


if __name__ == "__main__":
    raise SystemExit(main())
