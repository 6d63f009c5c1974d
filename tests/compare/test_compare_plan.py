"""``mailspec compare`` without running anything: names, command lines, exit codes,
the progress display."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from mailspec.compare import (
    Child,
    Display,
    UsageError,
    overall_exit,
    parse_targets,
    plan,
    progress_line,
    redact,
    safe_name,
)

from .conftest import clean_env, compare_command


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("reference", "reference"),
        ("pop3://u:p@127.0.0.1:1100", "pop3-127.0.0.1-1100"),
        ("imaps://alice:s3cr@t@mail.example.org", "imaps-mail.example.org"),
        ("mail.example.org:110", "mail.example.org-110"),
        ("docker:dovecot:2.4.1", "docker-dovecot-2.4.1"),
        ("dovecot --server-variant mbox", "dovecot-server-variant-mbox"),
        ("://", "target"),
    ],
)
def test_target_names_are_safe_file_names_without_credentials(spec, name):
    assert safe_name(spec) == name


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("--target pop3://alice:secret@h:110 -x", "--target pop3://alice:***@h:110 -x"),
        ("imaps://alice:s3cr@t@h", "imaps://alice:***@h"),
        ("imaps://alice@h", "imaps://alice@h"),
        ("reference", "reference"),
    ],
)
def test_passwords_are_not_shown_in_logs_and_summaries(text, shown):
    assert redact(text) == shown


def test_name_equals_spec_names_a_target_and_the_rest_are_its_own_pytest_options():
    first, second, third = parse_targets(
        ["ref2=reference", "mbox=dovecot --server-variant mbox", "pop3://u:p@h:1100"]
    )
    assert (first.name, first.spec, first.options) == ("ref2", "reference", [])
    assert (second.name, second.spec, second.options) == (
        "mbox",
        "dovecot",
        ["--server-variant", "mbox"],
    )
    assert (third.name, third.spec) == ("pop3-h-1100", "pop3://u:p@h:1100")


def test_the_same_spec_twice_gets_numbered_names():
    names = [t.name for t in parse_targets(["reference", "reference", "reference-2=reference"])]
    assert names == ["reference", "reference-3", "reference-2"]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["a=reference", "a=dovecot"], "two targets are named 'a'"),
        (["b@d=reference"], "not a usable name"),
        (["matrix=reference"], "reserved"),
        (["x="], "no target spec"),
    ],
)
def test_bad_target_names_are_usage_errors(targets, message):
    with pytest.raises(UsageError, match=message):
        parse_targets(targets)


def test_reserved_derived_names_are_renamed():
    assert [t.name for t in parse_targets(["matrix"])] == ["matrix-target"]


def test_each_run_is_pytest_on_the_installed_suites_with_its_own_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "ref2.toml").write_text("version = 1\n")
    targets = parse_targets(["reference", "ref2=reference", "mbox=dovecot --server-variant mbox"])
    children = plan(
        targets, tmp_path / "out", ["-k", "capa"], baseline_dir=tmp_path / "b", strict_baseline=True
    )
    reference, ref2, mbox = (child.argv for child in children)
    assert reference[:3] == [sys.executable, "-m", "mailspec"]
    assert reference[3:5] == ["--target", "reference"]
    for option in ("no:cacheprovider", "mailspec.compare_progress"):
        assert reference[reference.index(option) - 1] == "-p"
    assert f"--results-json={tmp_path / 'out/reference.json'}" in reference
    assert f"--junitxml={tmp_path / 'out/reference.xml'}" in reference
    # `python -m mailspec` adds the installed suites itself when no test is named.
    assert reference[-2:] == ["-k", "capa"]
    assert not any(arg.startswith("--baseline") for arg in reference)
    assert "--strict-baseline" not in reference, "pytest refuses it without --baseline"
    assert f"--baseline={tmp_path / 'b/ref2.toml'}" in ref2
    assert "--strict-baseline" in ref2
    assert mbox[3:7] == ["--target", "dovecot", "--server-variant", "mbox"]
    assert children[2].log == tmp_path / "out/mbox.log"


def test_tests_named_after_the_double_dash_replace_the_installed_suites(tmp_path):
    (child,) = plan(
        parse_targets(["reference"]),
        tmp_path,
        ["suites/pop3/test_x.py::test_y"],
        baseline_dir=None,
        strict_baseline=False,
    )
    assert child.argv[-1] == "suites/pop3/test_x.py::test_y"
    assert "--pyargs" not in child.argv


def _finished(code: int | None) -> Child:
    (child,) = plan(parse_targets(["t"]), Path("."), [], baseline_dir=None, strict_baseline=False)
    child.returncode = code
    return child


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0], 0),
        ([0, 1], 1),
        ([1, 4, 0], 4),
        ([1, 6], 1),
        ([6, 0], 6),
        ([5, 1], 1),
        ([1, 2], 2),
        ([4, 3], 3),
        ([0, -9], 3),  # killed by a signal: not a pytest exit code
    ],
)
def test_compare_exits_with_the_most_relevant_code_of_its_runs(codes, expected):
    assert overall_exit([_finished(code) for code in codes], interrupted=False) == expected


def test_compare_exits_2_when_interrupted_whatever_the_runs_gave():
    assert overall_exit([_finished(0)], interrupted=True) == 2


def test_terminal_progress_redraws_the_lines_in_place():
    children = [_finished(None), _finished(None)]
    children[1].target.name = "other"
    for child in children:
        child.state, child.started, child.total = "running", 1.0, 10
    children[0].counts = {"passed": 3, "failed": 1}
    stream = io.StringIO()
    display = Display(children, stream, "tty", 10.0)
    display.update()
    display.update()
    first, second = stream.getvalue().split("\x1b[2F")
    assert first.count("\n") == 2
    assert "\x1b[2K" in second
    assert "   4/10    1 failed" in progress_line(children[0], 5)


def test_pytest_options_before_the_double_dash_are_refused_with_a_hint(tmp_path):
    result = subprocess.run(
        compare_command("reference", "-n", "2"),
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 4
    assert "pytest options go after --" in result.stderr
