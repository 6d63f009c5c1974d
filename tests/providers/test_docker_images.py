"""The docker providers without an engine: container plans, names, the no-engine skip.

No docker engine runs on the project's machines, so nothing here starts a container;
what can be checked is what would be asked of the engine for each image.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest
from mailspec.fixtures.providers import docker_images, get_provider
from mailspec.fixtures.providers.base import ProviderSettings, ProviderUnavailable


@pytest.fixture
def settings(tmp_path: Path) -> ProviderSettings:
    return ProviderSettings(workdir=tmp_path, accounts=2, tls=False)


def test_dovecot_23_plan(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("dovecot", settings)
    assert plan.image == "dovecot/dovecot:2.3.21"
    assert plan.ports == {"imap": 143, "pop3": 110, "imaps": 993, "pop3s": 995, "lmtp": 24}
    # The 2.3 image's static passdb: any user name, the password "pass".
    assert [(a.user, a.password) for a in plan.accounts] == [
        ("mailspec1", "pass"),
        ("mailspec2", "pass"),
    ]
    assert (plan.seed_kind, plan.seed_port) == ("lmtp", "lmtp")
    assert plan.environment == {}
    conf = {f.path: f.content for f in plan.files}["/etc/dovecot/conf.d/mailspec.conf"]
    assert b"disable_plaintext_auth = no" in conf


def test_dovecot_24_plan(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("dovecot:2.4.3", settings)
    assert plan.image == "dovecot/dovecot:2.4.3"
    # Rootless listeners; POP3 turned on by the conf.d file.
    assert plan.ports == {"imap": 31143, "pop3": 31110, "imaps": 31993, "pop3s": 31995}
    assert plan.environment == {"USER_PASSWORD": "secret-1"}
    assert {a.password for a in plan.accounts} == {"secret-1"}
    conf = {f.path: f for f in plan.files}["/etc/dovecot/conf.d/mailspec.conf"]
    assert b"pop3" in conf.content.split(b"protocols =", 1)[1].splitlines()[0]
    assert plan.seed_kind == "imap"


def test_dovecot_tls_files_are_copied_in(tmp_path: Path) -> None:
    plan = docker_images.plan_for("dovecot:2.4.3", ProviderSettings(workdir=tmp_path, tls=True))
    files = {f.path: f for f in plan.files}
    assert files["/etc/dovecot/ssl/tls.crt"].content.startswith(b"-----BEGIN CERTIFICATE")
    key = files["/etc/dovecot/ssl/tls.key"]
    assert (key.mode, key.uid) == (0o400, 1000)  # readable by the rootless vmail user
    assert plan.ca_file is not None and Path(plan.ca_file).is_file()


def test_greenmail_plan(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("greenmail:2.1.3", settings)
    assert plan.image == "greenmail/standalone:2.1.3"
    opts = plan.environment["GREENMAIL_OPTS"].split()
    assert "-Dgreenmail.setup.test.all" in opts
    assert "-Dgreenmail.hostname=0.0.0.0" in opts
    assert "-Dgreenmail.users=mailspec1:secret-1@localhost,mailspec2:secret-2@localhost" in opts
    assert plan.ports == {"smtp": 3025, "pop3": 3110, "imap": 3143, "pop3s": 3995, "imaps": 3993}
    assert plan.seed_kind == "smtp"


def test_stalwart_plan_and_account_requests(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("stalwart", settings)
    assert plan.image == "stalwartlabs/stalwart:latest"
    user, _, password = plan.environment["STALWART_RECOVERY_ADMIN"].partition(":")
    assert user == "admin" and len(password) >= 16
    assert plan.ports["http"] == 8080 and plan.ports["imap"] == 143 and plan.ports["pop3"] == 110
    bodies = docker_images.stalwart_requests(plan)
    assert bodies[0] == {"type": "domain", "name": "localhost"}
    assert bodies[1] == {
        "type": "individual",
        "name": "mailspec1",
        "secrets": ["secret-1"],
        "emails": ["mailspec1@localhost"],
        "roles": ["user"],
    }
    assert plan.after_start is docker_images.create_stalwart_accounts


def test_container_ports_and_archive(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("dovecot", settings)
    assert plan.container_ports() == {f"{p}/tcp": None for p in (143, 110, 993, 995, 24)}
    archive = docker_images._archive(plan.files)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert tar.getnames() == ["etc/dovecot/conf.d/mailspec.conf"]


def test_names_through_get_provider() -> None:
    for name in ("docker:dovecot", "docker:dovecot:2.4.3", "docker:greenmail", "docker:stalwart"):
        assert callable(get_provider(name))
    with pytest.raises(KeyError, match="known: dovecot, greenmail, stalwart"):
        get_provider("docker:nosuchserver")


def test_engine_host() -> None:
    class Api:
        def __init__(self, url: str) -> None:
            self.base_url = url

    class Client:
        def __init__(self, url: str) -> None:
            self.api = Api(url)

    assert docker_images.engine_host(Client("http+docker://localhost")) == "127.0.0.1"
    assert docker_images.engine_host(Client("http://10.0.0.5:2375")) == "10.0.0.5"


def test_no_engine_is_unavailable(settings: ProviderSettings, monkeypatch: Any) -> None:
    """Where no engine answers (the case on the project's machines) the target skips."""
    docker = pytest.importorskip("docker")

    def no_engine(**kwargs: Any) -> Any:
        raise docker.errors.DockerException("connection refused")

    monkeypatch.setattr(docker, "from_env", no_engine)
    with (
        pytest.raises(ProviderUnavailable, match=r"^no docker engine answers at "),
        get_provider("docker:greenmail")(settings),
    ):
        pass  # pragma: no cover - never entered
