"""The docker providers without an engine: container plans, names, the no-engine skip.

Nothing here starts a container (tests/providers/test_docker_engine.py does, where an
engine answers): what is checked is what would be asked of the engine for each image
and network mode. GreenMail and Stalwart are checked only here: their images cannot be
pulled or built on the project's machines.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from mailspec.fixtures.providers import (
    docker_build,
    docker_dovecot,
    docker_engine,
    docker_images,
    get_provider,
)
from mailspec.fixtures.providers.base import ProviderFailed, ProviderSettings, ProviderUnavailable


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


# --- names, network modes, host-network plans ---------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("dovecot", docker_images.DockerSpec("dovecot")),
        ("dovecot:2.4.3", docker_images.DockerSpec("dovecot", "2.4.3")),
        (
            "dovecot@mailspec/dovecot:bookworm",
            docker_images.DockerSpec("dovecot", None, "mailspec/dovecot:bookworm"),
        ),
        (
            "greenmail:2.1.3@registry.local:5000/gm@sha256:abc",
            docker_images.DockerSpec("greenmail", "2.1.3", "registry.local:5000/gm@sha256:abc"),
        ),
    ],
)
def test_parse_spec(spec: str, expected: docker_images.DockerSpec) -> None:
    assert docker_images.parse_spec(spec) == expected


def test_image_override_in_target_spec() -> None:
    from mailspec.fixtures.core.target_spec import ProviderSpec, TargetSpecError, parse_target

    text = "docker:dovecot@mailspec/dovecot:bookworm"
    assert parse_target(text, set()) == ProviderSpec(text)
    with pytest.raises(TargetSpecError):
        parse_target("docker:dovecot@bad image", set())


def test_image_override_replaces_the_public_image(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("dovecot@mirror.local/dovecot/dovecot:2.3.21", settings)
    # A mirror of the public image keeps the public image's plan.
    assert plan.image == "mirror.local/dovecot/dovecot:2.3.21"
    assert plan.ports["pop3"] == 110 and plan.command is None
    assert docker_images.plan_for("greenmail@gm:local", settings).image == "gm:local"


def _listeners(config: str) -> list[str]:
    return re.findall(r"^\s*(?:listen|address) = (\S+)$", config, flags=re.M)


def test_dovecot_host_plan_listens_on_loopback_only(tmp_path: Path) -> None:
    plan = docker_images.plan_for(
        "dovecot@mailspec/dovecot:bookworm", ProviderSettings(workdir=tmp_path, accounts=2), "host"
    )
    assert plan.network == "host"
    assert set(plan.ports) == {"imap", "pop3", "lmtp", "imaps", "pop3s"}
    assert len(set(plan.ports.values())) == 5 and all(p > 1024 for p in plan.ports.values())
    files = {f.path: f for f in plan.files}
    config = files[docker_dovecot.CONFIG].content.decode()
    assert _listeners(config) and set(_listeners(config)) == {"127.0.0.1"}
    for name, port in plan.ports.items():
        assert f"port = {port}" in config, name
    assert plan.command == ("/usr/sbin/dovecot", "-F", "-c", docker_dovecot.CONFIG)
    # The accounts are the provider's own (not the image's static password).
    assert [(a.user, a.password) for a in plan.accounts] == [
        ("mailspec1", "secret-1"),
        ("mailspec2", "secret-2"),
    ]
    users = files[docker_dovecot.USERS].content.decode().splitlines()
    assert users[0] == "mailspec1:{PLAIN}secret-1:65534:65534::/srv/mailspec/home/mailspec1::"
    home = files["/srv/mailspec/home/mailspec1"]
    assert home.directory and (home.uid, home.mode) == (65534, 0o700)
    assert files[f"{docker_dovecot.TLS_DIR}/key.pem"].mode == 0o600
    assert "log_path = /dev/stderr" in config
    assert (plan.seed_kind, plan.seed_port) == ("lmtp", "lmtp")
    assert plan.ca_file is not None and Path(plan.ca_file).is_file()


def test_public_dovecot_on_the_host_network_gets_the_own_config(
    settings: ProviderSettings,
) -> None:
    plan = docker_images.plan_for("dovecot", settings, "host")
    assert plan.image == "dovecot/dovecot:2.3.21"
    assert docker_dovecot.CONFIG in {f.path for f in plan.files}
    with pytest.raises(
        ProviderUnavailable, match=r"dovecot:2\.4\.3 on the host network is not supported"
    ):
        docker_images.plan_for("dovecot:2.4.3", settings, "host")
    with pytest.raises(ProviderUnavailable, match=r"dovecot:2\.4 as mailspec/dovecot:x is not"):
        docker_images.plan_for("dovecot:2.4@mailspec/dovecot:x", settings, "bridge")


def test_local_dovecot_image_with_published_ports(settings: ProviderSettings) -> None:
    """mailspec's own image has no static passdb: it gets the own config, listening on
    every container address at the usual ports (the engine maps them to loopback)."""
    plan = docker_images.plan_for("dovecot@mailspec/dovecot:bookworm", settings, "bridge")
    assert plan.ports == {"imap": 143, "pop3": 110, "lmtp": 24}
    config = {f.path: f.content for f in plan.files}[docker_dovecot.CONFIG].decode()
    assert set(_listeners(config)) == {"*"}


def test_dovecot_mbox_variant_in_the_container(tmp_path: Path) -> None:
    settings = ProviderSettings(workdir=tmp_path, accounts=1, tls=False, variant="mbox")
    plan = docker_images.plan_for("dovecot@mailspec/dovecot:bookworm", settings, "host")
    files = {f.path: f for f in plan.files}
    inbox = files["/srv/mailspec/home/mailspec1/mail/inbox"]
    assert not inbox.directory and inbox.uid == 65534
    assert "mail_location = mbox:" in files[docker_dovecot.CONFIG].content.decode()


def test_greenmail_host_plan(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("greenmail", settings, "host")
    opts = plan.environment["GREENMAIL_OPTS"].split()
    assert "-Dgreenmail.setup.test.all" not in opts
    assert not any("0.0.0.0" in option for option in opts)
    for name, port in plan.ports.items():
        assert f"-Dgreenmail.{name}.hostname=127.0.0.1" in opts
        assert f"-Dgreenmail.{name}.port={port}" in opts
    assert plan.network == "host"


def test_stalwart_has_no_host_plan(settings: ProviderSettings) -> None:
    with pytest.raises(ProviderUnavailable, match="stalwart on the host network"):
        docker_images.plan_for("stalwart", settings, "host")


class FakeNetwork:
    def __init__(self, name: str, driver: str) -> None:
        self.name, self.attrs = name, {"Driver": driver}


class FakeEngine:
    def __init__(self, url: str, networks: list[FakeNetwork]) -> None:
        self.api = type("Api", (), {"base_url": url})()
        self.networks = type("Networks", (), {"list": lambda _self, **_kw: networks})()


BRIDGE = [FakeNetwork("bridge", "bridge"), FakeNetwork("host", "host")]
NO_BRIDGE = [FakeNetwork("host", "host"), FakeNetwork("none", "null")]
LOCAL = "http+docker://localhost"


@pytest.mark.parametrize(
    ("url", "networks", "wanted", "chosen"),
    [
        (LOCAL, BRIDGE, "auto", "bridge"),  # a normal engine: published ports stay the default
        (LOCAL, NO_BRIDGE, "auto", "host"),  # dockerd --bridge=none
        (LOCAL, BRIDGE, "host", "host"),
        ("tcp://10.0.0.5:2375", BRIDGE, "auto", "bridge"),
    ],
)
def test_choose_network(url: str, networks: list[FakeNetwork], wanted: str, chosen: str) -> None:
    assert docker_engine.choose_network(FakeEngine(url, networks), wanted) == chosen


@pytest.mark.parametrize(
    ("url", "networks", "wanted", "message"),
    [
        (LOCAL, NO_BRIDGE, "bridge", "no bridge network .* use --docker-network host"),
        ("tcp://10.0.0.5:2375", BRIDGE, "host", "needs an engine on this machine"),
        ("tcp://10.0.0.5:2375", NO_BRIDGE, "auto", "no bridge network"),
    ],
)
def test_choose_network_refusals(
    url: str, networks: list[FakeNetwork], wanted: str, message: str
) -> None:
    with pytest.raises(ProviderUnavailable, match=message):
        docker_engine.choose_network(FakeEngine(url, networks), wanted)


def test_unknown_network_mode() -> None:
    with pytest.raises(ProviderFailed, match="unknown docker network mode 'overlay'"):
        docker_engine.choose_network(FakeEngine(LOCAL, BRIDGE), "overlay")


def test_create_kwargs_per_network_mode(settings: ProviderSettings) -> None:
    bridge = docker_images.plan_for("dovecot", settings)
    kwargs = docker_engine.create_kwargs(bridge, "c1", "dovecot", "127.0.0.1")
    # Published ports are bound to loopback on the host, never to every address.
    assert kwargs["ports"] == {f"{p}/tcp": ("127.0.0.1", None) for p in bridge.ports.values()}
    assert "network_mode" not in kwargs
    assert kwargs["labels"][docker_engine.PROVIDER_LABEL] == "dovecot"
    host = docker_images.plan_for("dovecot@mailspec/dovecot:bookworm", settings, "host")
    kwargs = docker_engine.create_kwargs(host, "c2", "dovecot", "127.0.0.1")
    assert kwargs["network_mode"] == "host" and "ports" not in kwargs
    assert kwargs["command"] == list(docker_dovecot.COMMAND)


def test_owner_label_tells_live_from_dead_processes() -> None:
    assert docker_engine.owner_alive(docker_engine.owner_label())
    child = subprocess.Popen(["sleep", "30"])
    label = docker_engine.owner_label(child.pid)
    assert docker_engine.owner_alive(label)
    child.kill()
    child.wait()
    assert not docker_engine.owner_alive(label)
    # Another machine's (or boot's) container is never judged dead.
    assert docker_engine.owner_alive("another-boot:1:1")


def test_archive_holds_folders_with_owners(settings: ProviderSettings) -> None:
    plan = docker_images.plan_for("dovecot@mailspec/dovecot:bookworm", settings, "host")
    with tarfile.open(fileobj=io.BytesIO(docker_engine.archive(plan.files))) as tar:
        home = tar.getmember("srv/mailspec/home/mailspec1")
        assert home.isdir() and home.uid == 65534
        assert tar.getmember("etc/mailspec/dovecot.conf").isfile()


# --- building images -----------------------------------------------------------------------


def test_apt_mirrors_from_both_source_formats(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb http://old.example/debian bookworm main\n"
    )
    folder = tmp_path / "sources.list.d"
    folder.mkdir()
    (folder / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        "Components: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n"
    )
    (folder / "other.list").write_text("deb [arch=amd64] https://vendor.example/apt stable main\n")
    mirrors = docker_build.apt_mirrors([tmp_path / "sources.list", folder])
    assert mirrors == docker_build.Mirrors(
        "http://old.example/debian", "http://mirror.example/debian-security"
    )
    assert docker_build.apt_mirrors([tmp_path / "missing"]) == docker_build.Mirrors()


def test_recipe_hash_follows_the_dockerfile_and_the_mirrors(
    tmp_path: Path, monkeypatch: Any
) -> None:
    context = tmp_path / "dovecot"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM x\n")
    monkeypatch.setattr(docker_build, "CONTEXTS", tmp_path)
    recipe = docker_build.RECIPES["dovecot"]
    first = docker_build.recipe_hash(recipe, {"MIRROR": "a"})
    assert first == docker_build.recipe_hash(recipe, {"MIRROR": "a"})
    assert first != docker_build.recipe_hash(recipe, {"MIRROR": "b"})
    (context / "Dockerfile").write_text("FROM y\n")
    assert first != docker_build.recipe_hash(recipe, {"MIRROR": "a"})


def test_the_dovecot_build_context_ships() -> None:
    dockerfile = docker_build.RECIPES["dovecot"].context / "Dockerfile"
    text = dockerfile.read_text()
    assert "FROM ${BASE}" in text and "dovecot-pop3d" in text and "dovecot-lmtpd" in text
    # Without the provider's configuration the image starts nothing.
    assert docker_dovecot.CONFIG in text
