"""The baseline gate, end to end with pytester: new, known, fixed, update."""

from __future__ import annotations

import tomllib

from mailspec.fixtures.reporting.baseline import dump_baseline, parse_baseline
from mailspec.fixtures.reporting.plugin import EXIT_BASELINE_STALE

STAT = "pop3/rfc1939/5/stat-counts"
PIPE = "pop3/rfc2449/6.6/pipelining-batch"


def write_baseline(path, entries: dict[str, str]) -> None:
    text = "version = 1\n" + "".join(
        f'\n[deviations."{identifier}"]\nverdict = "server deviates"\nreason = "{reason}"\n'
        for identifier, reason in entries.items()
    )
    path.write_text(text)


def test_without_baseline_a_must_failure_fails(sample):
    sample.breaks("stat")
    result = sample.run()
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"FAILED  {STAT}  RFC 1939 §5 (MUST)  STAT answers*"])


def test_new_failure_fails_the_run(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {"pop3/rfc1939/5/list-answers": "old LIST bug"})
    sample.breaks("stat")
    result = sample.run("--baseline", str(baseline))
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    assert result.ret == 1


def test_known_failure_does_not_fail_the_run(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {STAT: "counts the envelope line"})
    sample.breaks("stat")
    result = sample.run("--baseline", str(baseline), "-rx")
    result.assert_outcomes(passed=4, xfailed=1, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            f"KNOWN   {STAT}  RFC 1939 §5 (MUST)  known: counts the envelope line",
            "XFAIL*test_stat_counts*known deviation (server deviates): counts the envelope line",
        ]
    )


def test_fixed_failure_is_reported(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {STAT: "counts the envelope line"})
    result = sample.run("--baseline", str(baseline))
    result.assert_outcomes(passed=5, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"FIXED   {STAT}  listed in * but passes now*"])


def test_fixed_failure_fails_with_strict_baseline(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {STAT: "counts the envelope line"})
    result = sample.run("--baseline", str(baseline), "--strict-baseline")
    result.assert_outcomes(passed=5, skipped=1)
    assert result.ret == EXIT_BASELINE_STALE
    result.stdout.fnmatch_lines([f"FIXED   {STAT}*", "--strict-baseline: 1 listed deviation(s) now pass*"])


def test_intermittent_entry_that_passes_is_not_stale(sample):
    baseline = sample.path / "baseline.toml"
    baseline.write_text(
        f'version = 1\n\n[deviations."{STAT}"]\nverdict = "server deviates"\n'
        'intermittent = true\nreason = "only within one second of a DELETE"\n'
    )
    result = sample.run("--baseline", str(baseline), "--strict-baseline")
    result.assert_outcomes(passed=5, skipped=1)
    assert result.ret == 0
    assert "FIXED" not in result.stdout.str()
    # When it does show, it is known; --update-baseline keeps it either way.
    sample.breaks("stat")
    assert sample.run("--baseline", str(baseline), "--strict-baseline").ret == 0
    sample.heals("stat")
    assert sample.run("--baseline", str(baseline), "--update-baseline").ret == 0
    entry = tomllib.loads(baseline.read_text())["deviations"][STAT]
    assert entry["intermittent"] is True
    assert entry["reason"] == "only within one second of a DELETE"


def test_intermittent_must_be_a_boolean(sample):
    baseline = sample.path / "baseline.toml"
    baseline.write_text(f'[deviations."{STAT}"]\nintermittent = "sometimes"\n')
    result = sample.run("--baseline", str(baseline))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*intermittent must be true or false*"])


def test_strict_baseline_keeps_exit_1_for_new_failures(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {PIPE: "lost reply"})
    sample.breaks("stat")
    result = sample.run("--baseline", str(baseline), "--strict-baseline")
    assert result.ret == 1


def test_should_deviation_is_xfail_unless_strict(sample):
    sample.breaks("pipe")
    result = sample.run()
    result.assert_outcomes(passed=4, xfailed=1, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"SHOULD  {PIPE}  RFC 2449 §6.6 (SHOULD)*"])


def test_update_round_trips(sample):
    baseline = sample.path / "baseline.toml"
    sample.breaks("stat")
    # 1. No file yet: --update-baseline writes this run's failures and exits 0.
    result = sample.run("--baseline", str(baseline), "--update-baseline")
    assert result.ret == 0, result.stdout.str()
    written = tomllib.loads(baseline.read_text())
    assert list(written["deviations"]) == [STAT]
    entry = written["deviations"][STAT]
    assert entry["rfc"] == "RFC 1939 §5 (MUST)"
    assert entry["verdict"] == "server deviates"
    assert entry["reason"].startswith("unreviewed: STAT of a maildrop")
    # 2. A reviewer writes the reason; the file parses back to the same entries.
    text = baseline.read_text().replace(entry["reason"], "counts the envelope line")
    baseline.write_text(text)
    assert dump_baseline(parse_baseline(text)) == text
    # 3. The gate now passes, and another update keeps the reviewer's reason.
    assert sample.run("--baseline", str(baseline)).ret == 0
    assert sample.run("--baseline", str(baseline), "--update-baseline").ret == 0
    assert baseline.read_text() == text
    # 4. The server is fixed: the update drops the entry.
    sample.heals("stat")
    assert sample.run("--baseline", str(baseline), "--update-baseline").ret == 0
    assert tomllib.loads(baseline.read_text()).get("deviations", {}) == {}


def test_update_keeps_the_reviewers_header_comment(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {STAT: "counts the envelope line"})
    header = "# Made with: mailspec --target x --update-baseline\n#\n# SHOULD deviations: none.\n"
    baseline.write_text(header + "\n" + baseline.read_text())
    sample.breaks("stat")
    assert sample.run("--baseline", str(baseline), "--update-baseline").ret == 0
    text = baseline.read_text()
    assert text.startswith(header + "\nversion = 1\n")
    assert tomllib.loads(text)["deviations"][STAT]["reason"] == "counts the envelope line"


def test_update_keeps_entries_of_tests_that_did_not_run(sample):
    baseline = sample.path / "baseline.toml"
    write_baseline(baseline, {PIPE: "lost reply", STAT: "counts"})
    result = sample.run("--baseline", str(baseline), "--update-baseline", "--spec", "rfc1939:5")
    assert result.ret == 0
    # STAT ran and passed: dropped. PIPE was not selected: kept with its reason.
    assert tomllib.loads(baseline.read_text())["deviations"] == {
        PIPE: {"verdict": "server deviates", "reason": "lost reply"}
    }


def test_bad_baseline_is_one_usage_error(sample):
    baseline = sample.path / "baseline.toml"
    baseline.write_text('[deviations."x"]\nverdict = "maybe"\n')
    result = sample.run("--baseline", str(baseline))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*verdict 'maybe' is not one of server deviates*"])


def test_missing_baseline_is_a_usage_error(sample):
    result = sample.run("--baseline", str(sample.path / "nope.toml"))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*nope.toml does not exist (create it with --update-baseline)*"])


def test_gate_and_update_under_xdist(sample):
    """The workers apply the baseline; the controller writes the file and decides."""
    baseline = sample.path / "baseline.toml"
    sample.breaks("stat")
    assert sample.run("--baseline", str(baseline), "--update-baseline", workers=2).ret == 0
    assert list(tomllib.loads(baseline.read_text())["deviations"]) == [STAT]
    result = sample.run("--baseline", str(baseline), workers=2)
    result.assert_outcomes(passed=4, xfailed=1, skipped=1)
    assert result.ret == 0
    sample.heals("stat")
    assert sample.run("--baseline", str(baseline), "--strict-baseline", workers=2).ret == EXIT_BASELINE_STALE
