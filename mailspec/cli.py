"""The ``mailspec`` command: pytest with the installed suites and the plugin.

mailspec [pytest options]                 run the suites (default target: reference)
mailspec --target host:port -n 2          any pytest option works
mailspec compare reference dovecot ...    the suites against several targets, and the matrix
mailspec serve [server options]           run the reference server standalone
mailspec servers install cyrus            prepare a private copy of a third-party server
"""

from __future__ import annotations

import sys

import pytest


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
    return int(pytest.main(args, plugins=[InstalledSuites()]))


class InstalledSuites:
    """Run the installed suites when the command line names no test.

    Decided after pytest has parsed the command line (``args_source``), so an option's
    value — ``--alluredir out/allure-results``, an existing folder — is never taken for
    a test path, whatever the option. Named tests (paths, node ids, ``--pyargs`` module
    names) run as given. xdist workers receive the adjusted arguments from the controller.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        if config.args_source != pytest.Config.ArgsSource.ARGS:
            config.args = ["mailspec.suites"]
            config.option.pyargs = True


if __name__ == "__main__":
    raise SystemExit(main())
