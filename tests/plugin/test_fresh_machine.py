"""What a newcomer hits in the first minutes (issue 7): help, option values that look
like test paths, options that would be silently ignored, runs that test nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .fake_pop3 import FakeBehaviour, fake_pop3


def _run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize("command", [["-m", "mailspec"], ["-m", "pytest"]], ids=["mailspec", "pytest"])
def test_help_works_with_the_plugin_installed(command: list[str], tmp_path: Path) -> None:
    # argparse formats help with %: an unescaped '%d' in a help string crashed both.
    result = _run(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "--target=SPEC" in result.stdout or "--target SPEC" in result.stdout
    assert "test%d" in result.stdout


def test_an_option_value_that_is_an_existing_folder_is_not_a_test_path(tmp_path: Path) -> None:
    # The README's report command, run a second time: out/allure-results exists.
    (tmp_path / "out" / "allure-results").mkdir(parents=True)
    result = _run(
        "-m", "mailspec", "--co", "-q", "--alluredir", "out/allure-results", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "list-size-matches-retr" in result.stdout or "list_size_matches_retr" in result.stdout


def test_named_tests_replace_the_installed_suites(tmp_path: Path) -> None:
    (tmp_path / "test_own.py").write_text("def test_own():\n    pass\n")
    result = _run("-m", "mailspec", "--co", "-q", "test_own.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_own.py::test_own" in result.stdout
    assert "1 test collected" in result.stdout


@pytest.mark.parametrize(
    "options",
    [["--user", "nobody", "--password", "x"], ["--seed", "smtp://127.0.0.1:25"]],
    ids=["account", "seed"],
)
def test_account_options_with_a_started_server_are_refused(pytester, options) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--target", "reference", *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and "started by the suite" in errors[0], result.errlines
    result.stdout.no_fnmatch_line("*passed*")


def test_a_run_that_tests_nothing_says_so_and_fails(pytester) -> None:
    # Every test skips (here: none may run against a POP3 target): exit 5, one line.
    pytester.makepyfile(
        """
        import pytest

        def test_a():
            pytest.skip("the target has no IMAP endpoint")

        def test_b():
            pytest.skip("the target has no IMAP endpoint")
        """
    )
    with fake_pop3(FakeBehaviour()) as port:
        result = pytester.runpytest("--target", f"pop3://alice:wonderland@127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(
        ["*mailspec: nothing was tested: all 2 selected tests skipped*no IMAP endpoint*"]
    )


def test_a_run_with_one_test_that_ran_exits_as_usual(pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_a():
            pytest.skip("not announced")

        def test_b():
            pass
        """
    )
    with fake_pop3(FakeBehaviour()) as port:
        result = pytester.runpytest("--target", f"pop3://alice:wonderland@127.0.0.1:{port}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*nothing was tested*")
