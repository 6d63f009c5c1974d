"""What a user sees when a server is missing or cannot start: one clear line, or the
server's own log."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from mailspec.fixtures.providers import dovecot, get_provider, local_process, mailutils
from mailspec.fixtures.providers.base import ProviderFailed, ProviderSettings, ProviderUnavailable


@pytest.fixture
def settings(tmp_path: Path) -> ProviderSettings:
    return ProviderSettings(workdir=tmp_path, accounts=1, tls=False, startup_timeout=10)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("dovecot", "apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd"),
        ("mailutils", "apt-get install mailutils-imap4d mailutils-pop3d"),
    ],
)
def test_missing_binary_says_how_to_install(
    name: str, hint: str, settings: ProviderSettings, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(local_process, "SBIN_DIRS", ())
    with pytest.raises(ProviderUnavailable) as excinfo, get_provider(name)(settings):
        pass  # pragma: no cover
    assert str(excinfo.value).endswith(hint)
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("name", ["cyrus", "courier"])
def test_not_unpacked_says_how_to_install(
    name: str, settings: ProviderSettings, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MAILSPEC_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(ProviderUnavailable) as excinfo, get_provider(name)(settings):
        pass  # pragma: no cover
    assert f"mailspec servers install {name}" in str(excinfo.value)


def test_unknown_variant_fails(settings: ProviderSettings) -> None:
    bad = ProviderSettings(workdir=settings.workdir, variant="sdbox")
    with pytest.raises(ProviderFailed, match="variant"), get_provider("dovecot")(bad):
        pass  # pragma: no cover


@pytest.mark.parametrize(
    ("module", "log_text"),
    [(dovecot, "Address already in use"), (mailutils, "Address already in use")],
)
def test_port_taken_fails_with_the_server_log(
    module: Any, log_text: str, settings: ProviderSettings, monkeypatch: Any
) -> None:
    """A server that cannot listen ends in ProviderFailed quoting its own log."""
    try:
        local_process.find_program("dovecot" if module is dovecot else "pop3d", "missing")
    except ProviderUnavailable:
        pytest.skip(f"{module.__name__} is not installed")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        real = local_process.free_ports

        def with_taken_port(count: int) -> list[int]:
            return [taken, *real(count - 1)]

        monkeypatch.setattr(module, "free_ports", with_taken_port)
        with pytest.raises(ProviderFailed) as excinfo, module.provide(settings):
            pass  # pragma: no cover
    assert log_text in str(excinfo.value)
