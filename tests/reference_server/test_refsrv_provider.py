"""The ``reference`` provider: launch, Target shape, broken-variant launcher, failures."""

from __future__ import annotations

import poplib
import shlex
import smtplib
import ssl
import sys
from pathlib import Path

import pytest
from mailspec.fixtures.core.target import Target
from mailspec.fixtures.providers.base import ProviderFailed, ProviderSettings
from mailspec.fixtures.providers.reference import LAUNCHER_ENV, provide

DEMO = Path(__file__).with_name("refsrv_broken_demo.py")


def login(target: Target, n: int = 0) -> poplib.POP3:
    assert target.pop3 is not None
    client = poplib.POP3(target.pop3.host, target.pop3.port, timeout=5)
    client.user(target.accounts[n].user)
    client.pass_(target.accounts[n].password)
    return client


def seed(target: Target, message: bytes, n: int = 0) -> None:
    assert target.seed is not None and target.seed.kind == "smtp"
    with smtplib.SMTP(target.seed.host, target.seed.port, timeout=5) as smtp:
        smtp.sendmail("seed@example.org", [target.accounts[n].address], message)


def test_provide_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAUNCHER_ENV, raising=False)
    with provide(ProviderSettings(workdir=tmp_path, accounts=2)) as target:
        assert target.name == "reference"
        assert [a.user for a in target.accounts] == ["mailspec1", "mailspec2"]
        assert target.accounts[1].address == "mailspec2@localhost"
        assert target.pop3 is not None and target.pop3.tls == "plain"
        assert target.pop3s is not None and target.pop3s.tls == "implicit"
        assert target.ca_file and Path(target.ca_file).exists()
        assert ("server", "mailspec reference") in target.info
        seed(target, b"Subject: s\r\n\r\nbody\r\n", 1)
        client = login(target, 1)
        assert client.stat()[0] == 1
        client.quit()
        ctx = ssl.create_default_context(cafile=target.ca_file)
        tls = poplib.POP3_SSL(target.pop3s.host, target.pop3s.port, context=ctx, timeout=5)
        tls.quit()
        pid_file = tmp_path / "ready.json"
        assert pid_file.exists()
    with pytest.raises(OSError):
        poplib.POP3(target.pop3.host, target.pop3.port, timeout=2)


def test_provide_without_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAUNCHER_ENV, raising=False)
    with provide(ProviderSettings(workdir=tmp_path, accounts=1, tls=False)) as target:
        assert target.pop3s is None and target.ca_file is None
        client = login(target)
        assert "STLS" not in client.capa()
        client.quit()


def test_launcher_runs_broken_variant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(DEMO))} stat-size-off-by-one"
    monkeypatch.setenv(LAUNCHER_ENV, command)
    with provide(ProviderSettings(workdir=tmp_path, accounts=1)) as target:
        seed(target, b"Subject: s\r\n\r\nbody\r\n")
        client = login(target)
        count, size = client.stat()
        listed = sum(int(x.split()[1]) for x in client.list()[1])
        assert (count, size) == (1, listed + 1)
        client.quit()
        assert ("launcher", command) in target.info


def test_launcher_failure_reports_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = "import sys; print('boom: cannot start'); sys.exit(3)"
    monkeypatch.setenv(LAUNCHER_ENV, f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    with pytest.raises(ProviderFailed) as info, provide(ProviderSettings(workdir=tmp_path)):
        pass
    assert "status 3" in str(info.value) and "boom: cannot start" in str(info.value)


def test_startup_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = "import time; print('stuck', flush=True); time.sleep(30)"
    monkeypatch.setenv(LAUNCHER_ENV, f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    settings = ProviderSettings(workdir=tmp_path, startup_timeout=0.5)
    with pytest.raises(ProviderFailed) as info, provide(settings):
        pass
    assert "not ready after 0.5 s" in str(info.value) and "stuck" in str(info.value)


def _processes_with(token: str) -> list[int]:
    """PIDs whose environment carries ``token`` (the run and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_terminal_ctrl_c_lets_the_run_clean_up_through_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A terminal's Ctrl-C signals the whole foreground group: the reference server is
    in a session of its own, so pytest stops as interrupted (exit 2) and stops it."""
    import os
    import signal
    import subprocess
    import time
    import uuid

    monkeypatch.delenv(LAUNCHER_ENV, raising=False)
    token = f"MAILSPEC_CTRL_C_TEST={uuid.uuid4().hex}"
    name, value = token.split("=")
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--pyargs", "mailspec.suites.pop3", "-p",
         "no:cacheprovider", "-q"],
        env={**os.environ, name: value},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the group a terminal would signal
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.read(20)  # tests are running
        time.sleep(0.5)
        assert len(_processes_with(token)) >= 2  # pytest and the server
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=60)[0].decode(errors="replace")
        assert process.returncode == 2, output[-3000:]
        assert "KeyboardInterrupt" in output
        deadline = time.monotonic() + 10
        while _processes_with(token) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_with(token) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
