"""The docker providers against a real engine: ``docker:dovecot`` on the host network.

Needs an engine (``dockerd --iptables=false --bridge=none`` is enough) and the local
image (``mailspec servers build-image dovecot``); each test skips with the reason when
either is missing. Published ports cannot be tried here (the engine has no bridge):
those plans are unit-tested in test_docker_images.py, and GreenMail and Stalwart only
there (their images can be neither pulled nor built on these machines).
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import poplib
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mailspec.fixtures.core.target import Account, Target
from mailspec.fixtures.providers import docker_dovecot, docker_engine, get_provider
from mailspec.fixtures.providers.base import ProviderFailed, ProviderSettings, ProviderUnavailable

Seed = Callable[[Target, Account, bytes], None]
IMAGE = "mailspec/dovecot:bookworm"
TARGET = f"docker:dovecot@{IMAGE}"
TIMEOUT = 10


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    try:
        client = docker_engine.docker_client()
    except ProviderUnavailable as exc:
        pytest.skip(str(exc))
    with contextlib.closing(client):
        if docker_engine.choose_network(client, "auto") != "host":
            pytest.skip("this engine publishes ports; these tests are for the host network")
        yield client


@pytest.fixture(scope="module")
def image(engine: Any) -> str:
    import docker

    try:
        engine.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{IMAGE} is not built: mailspec servers build-image dovecot")
    return IMAGE


def ours(client: Any) -> list[str]:
    """Every mailspec container on the engine (running or not)."""
    return [
        str(c.name)
        for c in client.containers.list(all=True, filters={"label": docker_engine.PROVIDER_LABEL})
    ]


@pytest.fixture
def provide(engine: Any, image: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    before = set(ours(engine))

    def start(spec: str = TARGET, **overrides: Any) -> contextlib.AbstractContextManager[Target]:
        settings = ProviderSettings(workdir=tmp_path, **{"accounts": 2, **overrides})
        return get_provider(spec)(settings)

    yield start
    left = set(ours(engine)) - before
    assert not left, f"containers left behind: {left}"


def info(target: Target) -> dict[str, str]:
    return dict(target.info)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of TCP listeners on ``port`` (the container shares our
    network namespace, so /proc/net/tcp shows its sockets)."""
    found = set()
    for table, family in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 6)):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state != "0A" or int(hex_port, 16) != port:
                    continue
                if family == 4:
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(f"v6:{address}")
    return found


def pop3_login(target: Target, account: Account) -> poplib.POP3:
    assert target.pop3 is not None
    client = poplib.POP3(target.pop3.host, target.pop3.port, timeout=TIMEOUT)
    try:
        client.user(account.user)
        client.pass_(account.password)
    except BaseException:
        client.close()
        raise
    return client


def make_message(account: Account, marker: str) -> bytes:
    return (
        f"From: Sender <sender@example.org>\r\nTo: {account.address}\r\n"
        f"Subject: docker provider test\r\nMessage-ID: <{marker}@mailspec.test>\r\n\r\n"
        f"Seeded by tests/providers ({marker}).\r\n"
    ).encode()


def test_start_readiness_accounts_and_seeding(
    provide: Callable[..., Any], engine: Any, seed: Seed
) -> None:
    with provide(accounts=3) as target:
        facts = info(target)
        assert facts["network"] == "host" and facts["image"] == IMAGE
        assert facts["version"].startswith("2.3.")
        container = facts["container"]
        assert container in ours(engine)
        # The server's processes, as host pids (to prove later that none is left).
        top = engine.containers.get(container).top()
        pid_column = top["Titles"].index("PID")
        pids = [int(row[pid_column]) for row in top["Processes"]]
        assert len(pids) >= 3, top  # master, log, config, login processes...
        assert target.pop3 is not None and target.imap is not None
        # Every listener is on loopback only, at the ports the provider picked.
        ports = [target.pop3.port, target.imap.port, target.seed.port]  # type: ignore[union-attr]
        ports += [int(facts[name].rsplit(":", 1)[1]) for name in ("imaps", "pop3s")]
        for port in ports:
            assert listening_addresses(port) == {"127.0.0.1"}, port
        # Readiness: the provider returned only once every greeting answered.
        assert len(target.accounts) == 3
        for account in target.accounts:
            client = pop3_login(target, account)
            assert client.stat() == (0, 0)
            client.quit()
            imap = imaplib.IMAP4(target.imap.host, target.imap.port, timeout=TIMEOUT)
            assert imap.login(account.user, account.password)[0] == "OK"
            imap.logout()
        # A wrong password is refused (the accounts are real, not a static passdb).
        with pytest.raises(poplib.error_proto):
            pop3_login(target, Account(target.accounts[0].user, "wrong"))
        # Seeding over LMTP reaches that account's maildrop and no other.
        first, second = target.accounts[0], target.accounts[1]
        message = make_message(first, "docker-seed")
        seed(target, first, message)
        client = pop3_login(target, first)
        count, _ = client.stat()
        assert count == 1
        body = b"\r\n".join(client.retr(1)[1])
        assert b"Message-ID: <docker-seed@mailspec.test>" in body
        client.quit()
        client = pop3_login(target, second)
        assert client.stat() == (0, 0)
        client.quit()
    assert container not in ours(engine)
    left = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    assert not left, f"server processes left after the provider exited: {left}"


def test_implicit_tls_with_the_providers_certificate(provide: Callable[..., Any]) -> None:
    with provide(accounts=1) as target:
        assert target.ca_file is not None
        context = ssl.create_default_context(cafile=target.ca_file)
        host, port = info(target)["pop3s"].rsplit(":", 1)
        client = poplib.POP3_SSL(host, int(port), context=context, timeout=TIMEOUT)
        account = target.accounts[0]
        client.user(account.user)
        client.pass_(account.password)
        client.quit()
        host, port = info(target)["imaps"].rsplit(":", 1)
        imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=context, timeout=TIMEOUT)
        assert imap.login(account.user, account.password)[0] == "OK"
        imap.logout()


def test_mbox_variant(provide: Callable[..., Any], seed: Seed) -> None:
    with provide(accounts=1, tls=False, variant="mbox") as target:
        assert info(target)["variant"] == "mbox"
        seed(target, target.accounts[0], make_message(target.accounts[0], "mbox"))
        client = pop3_login(target, target.accounts[0])
        assert client.stat()[0] == 1
        client.quit()


def test_ctrl_c_inside_the_run_removes_the_container(
    provide: Callable[..., Any], engine: Any
) -> None:
    with pytest.raises(KeyboardInterrupt), provide(accounts=1, tls=False) as target:
        container = info(target)["container"]
        client = pop3_login(target, target.accounts[0])  # an open session does not matter
        try:
            raise KeyboardInterrupt
        finally:
            client.sock.close()
    assert container not in ours(engine)
    assert target.pop3 is not None
    with pytest.raises(OSError):
        socket.create_connection((target.pop3.host, target.pop3.port), timeout=2).close()


def test_sigint_to_servers_run_removes_the_container(engine: Any, image: str) -> None:
    """`mailspec servers run docker:dovecot@IMAGE`, then Ctrl-C (SIGINT)."""
    before = set(ours(engine))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mailspec.servers_cli",
            "run",
            TARGET,
            "--no-tls",
            "--accounts",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "servers run printed nothing within 60 s"
        for line in process.stdout:
            lines.append(line)
            if line.startswith("test it:"):
                break
        text = "".join(lines)
        match = re.search(r"container: (\S+)", text)
        assert match, text
        assert match[1] in ours(engine)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert set(ours(engine)) == before


def test_failed_start_reports_the_log_and_removes_the_container(
    provide: Callable[..., Any], engine: Any, monkeypatch: Any
) -> None:
    """The POP3 port is taken: Dovecot exits, the error carries its own log."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    real = docker_dovecot.free_ports

    def with_taken_pop3(count: int) -> list[int]:
        ports = real(count)
        ports[1] = taken  # names: imap, pop3, lmtp, ...
        return ports

    monkeypatch.setattr(docker_dovecot, "free_ports", with_taken_pop3)
    try:
        with pytest.raises(ProviderFailed) as failure, provide(accounts=1, tls=False):
            pass  # pragma: no cover - never entered
    finally:
        holder.close()
    text = str(failure.value)
    assert "Address already in use" in text, text
    assert "docker logs mailspec-" in text


def test_missing_image_is_one_line_and_starts_nothing(
    provide: Callable[..., Any], engine: Any
) -> None:
    with (
        pytest.raises(ProviderUnavailable) as failure,
        provide("docker:dovecot@mailspec/no-such-image:1"),
    ):
        pass  # pragma: no cover - never entered
    text = str(failure.value)
    assert "\n" not in text
    assert "mailspec/no-such-image:1 is not on this docker engine" in text
    assert "mailspec servers build-image dovecot" in text


def test_engine_down_is_one_line(tmp_path: Path, monkeypatch: Any) -> None:
    pytest.importorskip("docker")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    settings = ProviderSettings(workdir=tmp_path, accounts=1, tls=False)
    with pytest.raises(ProviderUnavailable) as failure, get_provider(TARGET)(settings):
        pass  # pragma: no cover - never entered
    text = str(failure.value)
    assert "\n" not in text and text.startswith("no docker engine answers at unix://")


@pytest.mark.parametrize(
    ("target", "env", "expected"),
    [
        ("docker:dovecot@mailspec/no-such-image:1", {}, "is not on this docker engine"),
        (TARGET, {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, "no docker engine answers"),
        # --docker-network reaches the provider (here through its environment variable).
        (TARGET, {"MAILSPEC_DOCKER_NETWORK": "bridge"}, "no bridge network to publish ports"),
    ],
)
def test_the_suite_exits_4_before_any_test(
    target: str, env: dict[str, str], expected: str, engine: Any
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites/pop3",
            "-q",
            "-p",
            "no:randomly",
            "--target",
            target,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    errors = [line for line in output.splitlines() if line.startswith("ERROR: mailspec:")]
    assert len(errors) == 1 and expected in errors[0], output
    assert "Traceback" not in output and " passed" not in output


def test_a_killed_providers_container_is_removed_by_the_next_start(engine: Any, image: str) -> None:
    """SIGKILL leaves the container (no clean-up code runs); the next provider start
    removes every mailspec container whose owner process is gone."""
    owner = subprocess.Popen(["sleep", "60"])
    label = docker_engine.owner_label(owner.pid)
    owner.kill()
    owner.wait()
    orphan = engine.containers.create(
        image,
        command=["sleep", "60"],
        network_mode="none",
        labels={docker_engine.PROVIDER_LABEL: "orphan-test", docker_engine.OWNER_LABEL: label},
        name=f"mailspec-orphan-test-{os.getpid()}",
    )
    try:
        assert docker_engine.remove_orphans(engine) == [orphan.name]
        assert orphan.name not in ours(engine)
    finally:
        with contextlib.suppress(Exception):
            orphan.remove(force=True)


def test_a_live_providers_container_is_left_alone(engine: Any, image: str) -> None:
    mine = engine.containers.create(
        image,
        command=["sleep", "60"],
        network_mode="none",
        labels={
            docker_engine.PROVIDER_LABEL: "live-test",
            docker_engine.OWNER_LABEL: docker_engine.owner_label(),
        },
        name=f"mailspec-live-test-{os.getpid()}",
    )
    try:
        assert mine.name not in docker_engine.remove_orphans(engine)
        assert mine.name in ours(engine)
    finally:
        mine.remove(force=True)


def test_published_ports_are_refused_on_an_engine_without_a_bridge(engine: Any) -> None:
    with pytest.raises(ProviderUnavailable, match="use --docker-network host"):
        docker_engine.choose_network(engine, "bridge")


def test_servers_status_reports_the_engine_and_the_image(
    engine: Any, image: str, capsys: Any, monkeypatch: Any
) -> None:
    from mailspec import servers_cli

    assert servers_cli.main(["status"]) == 0
    line = [row for row in capsys.readouterr().out.splitlines() if row.startswith("docker ")]
    assert line == [f"docker     engine answers, network host; docker:dovecot@{IMAGE} ready"]
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert servers_cli.main(["status"]) == 0
    assert "docker     no docker engine answers at unix:///nonexistent" in capsys.readouterr().out
