"""``mailspec servers``: dependency resolution and the command line, without apt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mailspec.fixtures.providers import unpacked

from mailspec import servers_cli

SIMULATION = """\
NOTE: This is only a simulation!
Remv dovecot-imapd [1:2.3.19.1+dfsg1-2.1+deb12u7]
Inst libperl5.36 [5.36.0-7+deb12u2] (5.36.0-7+deb12u4 Debian-Security:12 [amd64]) []
Inst exim4-base (4.96-15+deb12u10 Debian:12.15/oldstable [amd64])
Inst libical3 (3.0.16-1+b1 Debian:12.15/oldstable [amd64])
Inst libsasl2-2 [2.1.28+dfsg-10] (2.1.28+dfsg-10+deb12u1 Debian-Security:12 [amd64])
Inst cyrus-common (3.6.1-4+deb12u5 Debian-Security:12/oldstable-security [amd64])
Inst libzephyr4 (3.1.2-1.1+b1 Debian:12.15/oldstable [amd64])
"""


def test_missing_dependencies_takes_new_libraries_only(monkeypatch: Any) -> None:
    calls: list[list[str]] = []

    def fake_run(argv: list[str], cwd: Path | None = None) -> str:
        calls.append(list(argv))
        return SIMULATION

    monkeypatch.setattr(servers_cli, "run", fake_run)
    # Not upgrades of installed ones (libsasl2-2, libperl), not the MTA, not the package.
    assert servers_cli.missing_dependencies(["cyrus-common"]) == ["libical3", "libzephyr4"]
    assert calls[0][:4] == ["apt-get", "install", "--simulate", "--no-install-recommends"]


def test_cache_location(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILSPEC_CACHE", str(tmp_path))
    assert unpacked.server_root("cyrus") == tmp_path / "servers" / "cyrus"
    monkeypatch.delenv("MAILSPEC_CACHE")
    assert unpacked.server_root("courier") == Path.home() / ".cache/mailspec/servers/courier"


def test_status_lists_every_server(capsys: Any, monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.setenv("MAILSPEC_CACHE", str(tmp_path))
    assert servers_cli.main(["status"]) == 0
    out = capsys.readouterr().out
    for name in ("dovecot", "mailutils", "cyrus", "courier"):
        assert name in out
    assert "mailspec servers install cyrus" in out


def test_install_rejects_unknown_server(capsys: Any) -> None:
    with pytest.raises(SystemExit) as excinfo:
        servers_cli.main(["install", "exchange"])
    assert excinfo.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_install_is_idempotent(monkeypatch: Any, tmp_path: Path, capsys: Any) -> None:
    monkeypatch.setenv("MAILSPEC_CACHE", str(tmp_path))
    root = unpacked.server_root("cyrus")
    root.mkdir(parents=True)
    (root / unpacked.MARKER).write_text("cyrus-imapd_3.6.1_amd64.deb\n")

    def no_apt(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("apt must not run for an unpacked server")

    monkeypatch.setattr(servers_cli, "run", no_apt)
    assert servers_cli.main(["install", "cyrus"]) == 0
    assert "already unpacked" in capsys.readouterr().out


def test_install_takes_several_servers(monkeypatch: Any, tmp_path: Path, capsys: Any) -> None:
    # The README's `mailspec servers install cyrus courier`.
    monkeypatch.setenv("MAILSPEC_CACHE", str(tmp_path))
    installed: list[str] = []
    monkeypatch.setattr(servers_cli, "install", lambda name, force: installed.append(name))
    assert servers_cli.main(["install", "cyrus", "courier", "cyrus"]) == 0
    assert installed == ["cyrus", "courier"]


def test_run_serves_until_interrupted_then_stops_the_server() -> None:
    """`mailspec servers run reference` prints a usable target; SIGINT stops it cleanly."""
    import poplib
    import re
    import signal
    import socket
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "mailspec.servers_cli", "run", "reference", "--no-tls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("test it:"):
                break
        match = re.search(r"pop3://([\d.]+):(\d+) --user (\S+) --password (\S+)", lines[-1])
        assert match, "".join(lines)
        host, port, user, password = match[1], int(match[2]), match[3], match[4]
        client = poplib.POP3(host, port, timeout=10)
        client.user(user)
        client.pass_(password)
        assert client.stat() == (0, 0)
        client.quit()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        with pytest.raises(OSError):
            socket.create_connection((host, port), timeout=2).close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
