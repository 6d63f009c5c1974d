"""``mailspec compare`` run for real, against the reference target (docs/reports.md)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from .conftest import (
    FEW_TESTS,
    NOOP_REFUSED,
    NOOP_TESTS,
    clean_env,
    compare_command,
)


def test_two_targets_give_two_results_files_and_one_matrix(compare):
    result = compare("reference", "ref2=reference", "--", *FEW_TESTS)

    assert result.code == 0, result.stdout + result.stderr
    for name in ("reference", "ref2"):
        assert result.results(name)["run"]["exitstatus"] == 0
        assert (result.out / f"{name}.xml").read_text().startswith("<?xml")
        assert "--target reference" in result.command_of(name)
        assert result.row(name)["exit"] == "0"
    matrix = (result.out / "matrix.html").read_text(encoding="utf-8")
    assert "2 target(s): reference, ref2" in matrix
    assert f"matrix: {result.out / 'matrix.html'} (2 target(s))" in result.stdout
    assert "exit 0 (ok)" in result.stdout.splitlines()[-1]
    # No progress files are left behind.
    assert sorted(p.name for p in result.out.iterdir() if p.name.startswith(".")) == []


def test_summary_counts_are_the_results_files_counts(compare, tmp_path):
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    (baselines / "noop.toml").write_text(
        'version = 1\n\n[deviations."pop3/rfc1939/5/noop-answers-ok"]\n'
        'reason = "known for this test"\n'
    )
    env = clean_env(MAILSPEC_REFERENCE_LAUNCHER=NOOP_REFUSED)
    result = compare(
        "noop=reference",
        "--baseline-dir",
        str(baselines),
        "--",
        *NOOP_TESTS,
        *FEW_TESTS,
        "-k",
        "not case_insensitive",
        env=env,
    )

    summary = result.results("noop")["summary"]
    assert summary == {"passed": 7, "known": 1, "failed": 1}
    row = result.row("noop")
    assert row["passed"] == "7"
    assert row["failed"] == "1"
    assert row["known"] == "1"
    assert row["SHOULD/MAY"] == row["skipped"] == row["errors"] == "0"
    assert row["exit"] == "1"
    assert result.code == 1, "a target with failures makes compare exit 1"


def test_unusable_target_exits_4_and_the_other_targets_still_run(compare):
    result = compare("--jobs", "1", "pop3://u:secret@127.0.0.1:1", "reference", "--", *FEW_TESTS)

    assert result.code == 4, result.stdout + result.stderr
    # The name comes from the spec without the credentials.
    unusable = "pop3-127.0.0.1-1"
    assert not any("secret" in path.name for path in result.out.iterdir())
    assert "pop3://u:***@127.0.0.1:1" in result.command_of(unusable)
    assert "secret" not in (result.out / "compare.json").read_text()
    row = result.row(unusable)
    assert row["exit"] == "4"
    assert row["passed"] == row["failed"] == "-"
    assert not (result.out / f"{unusable}.json").exists()
    assert f"{unusable}: exit 4 (target not usable)" in result.stdout
    assert "ERROR: mailspec: pop3://127.0.0.1:1: cannot connect" in result.stdout
    # The next target ran to the end, and the matrix shows it alone.
    assert result.results("reference")["summary"] == {"passed": 11}
    assert result.row("reference")["exit"] == "0"
    assert "(1 target(s))" in result.stdout


def test_baseline_dir_gives_each_target_its_own_file_and_strict_baseline_only_with_one(
    compare, tmp_path
):
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    # A listed deviation that passes: with --strict-baseline that run exits 6.
    (baselines / "reference.toml").write_text(
        'version = 1\n\n[deviations."pop3/rfc2449/5/capa-does-not-change-state"]\n'
        'reason = "fixed since"\n'
    )
    (baselines / "other.toml").write_text("version = 1\n")

    result = compare(
        "reference",
        "ref2=reference",
        "--baseline-dir",
        str(baselines),
        "--strict-baseline",
        "--",
        *FEW_TESTS,
    )

    assert f"--baseline={baselines / 'reference.toml'} --strict-baseline" in result.command_of(
        "reference"
    )
    assert "--baseline" not in result.command_of("ref2")
    assert result.results("reference")["baseline"]["fixed"] == [
        "pop3/rfc2449/5/capa-does-not-change-state"
    ]
    assert result.results("ref2")["baseline"] is None
    assert result.row("reference")["exit"] == "6"
    assert result.row("ref2")["exit"] == "0"
    assert result.code == 6


def test_progress_appears_as_plain_lines_without_a_terminal(compare):
    result = compare("--progress-interval", "0.5", "reference", "--", *FEW_TESTS)

    assert result.code == 0
    assert "\x1b[" not in result.stdout
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert re.search(r"^\[\s*[\d.]+s\] reference\s+starting", progress[0])
    assert any(re.search(r"reference\s+\d+/11 ", line) for line in progress)
    assert re.search(r"reference\s+11/11 .*exit 0 \(ok\)", progress[-1])
    # Lines only when something changed: a handful for 8 tests, not one per redraw.
    assert len(progress) < 20


def test_progress_counts_each_test_once_with_xdist(compare):
    result = compare("--progress-interval", "60", "reference", "--", *FEW_TESTS, "-n", "2")

    assert result.code == 0, result.stdout + result.stderr
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    # The total comes from the workers' collection, each test from the controller.
    assert re.search(r"reference\s+11/11 .*exit 0 \(ok\)", progress[-1]), progress
    assert result.row("reference")["passed"] == "11"


def _descendants(pid: int) -> dict[int, str]:
    """Every process below pid, with its start time (to tell a reused pid apart)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def _alive(pid: int, start: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


def test_ctrl_c_stops_every_child_run_and_exits_2(tmp_path):
    out = tmp_path / "out"
    log = tmp_path / "compare.out"
    with log.open("w") as stdout:
        process = subprocess.Popen(
            compare_command(
                "--output", str(out), "--progress-interval", "0.5", "reference", "ref2=reference"
            ),
            cwd=tmp_path,
            env=clean_env(),
            stdout=stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # Wait until both runs are under way (their servers started, tests running).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log.read_text()
            if re.search(r"reference\s+\d+/\d+", text) and re.search(r"ref2\s+\d+/\d+", text):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"the runs did not start:\n{log.read_text()}")
        children = _descendants(process.pid)
        assert len(children) >= 4, children  # two pytest runs, two reference servers

        os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

    text = log.read_text()
    assert code == 2, text
    assert "interrupted: stopping 2 run(s)" in text
    assert "exit 2 (interrupted)" in text.splitlines()[-1]
    time.sleep(0.5)
    assert [pid for pid, start in children.items() if _alive(pid, start)] == []
    # Each run was interrupted (exit 2), not killed, and wrote what it had.
    for name in ("reference", "ref2"):
        assert re.search(rf"^{name}\s.*\s2\s+[\d.]+s$", text, re.MULTILINE), text
