"""``mailspec servers``: unpack third-party servers that cannot be installed normally.

Cyrus and Courier conflict with Dovecot's Debian packages, so they are not installed:
``mailspec servers install cyrus`` downloads their packages (``apt-get download``),
plus the libraries they need that this machine lacks, and unpacks them with
``dpkg -x`` into ``$MAILSPEC_CACHE/servers/NAME`` (default
``~/.cache/mailspec/servers/NAME``), where the providers run them from.

    mailspec servers install cyrus|courier [--force]
    mailspec servers status
    mailspec servers run NAME [--accounts N] [--variant V]   # start it, print how to test it
    mailspec servers build-image dovecot [--force] [--rebuild-base]  # a local docker image
    python -m mailspec.servers_cli install cyrus

``run`` starts a server exactly as ``--target NAME`` does and keeps it running until
Ctrl-C, so it can be tested as an address (``--target host:port``), poked with a
real client, or compared with another server by hand.

``build-image`` makes a docker image from Debian's packages where no registry can be
pulled from (debootstrap a base image, then ``docker build --network host``); run it
with ``--target docker:dovecot@mailspec/dovecot:bookworm``.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mailspec.fixtures.providers.unpacked import MARKER, PACKAGES, server_root

# Local-process servers installed the ordinary way, for `status` and the hints.
APT_INSTALLED = {
    "dovecot": "apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd",
    "mailutils": "apt-get install mailutils-imap4d mailutils-pop3d",
}
# A simulated install lists "Inst NAME (VERSION ...)" for packages not installed yet;
# "Inst NAME [OLD] (NEW ...)" is an upgrade of one that is, which we do not need.
NEW_PACKAGE = re.compile(r"^Inst (\S+) \(")


class InstallError(Exception):
    pass


def run(argv: Sequence[str], cwd: Path | None = None) -> str:
    result = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InstallError(
            f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr.strip()}"
        )
    return result.stdout


def is_installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and "install ok installed" in result.stdout


def missing_dependencies(packages: Sequence[str]) -> list[str]:
    """Libraries the packages need that are not installed here.

    ``apt-get install --simulate`` resolves the dependencies exactly as a real install
    would (it also plans to remove the conflicting Dovecot, which nothing here does).
    Only libraries are taken: the daemons' other dependencies (an MTA, perl, debconf
    helpers) are for the packaged service, not for running the binaries privately.
    """
    try:
        plan = run(["apt-get", "install", "--simulate", "--no-install-recommends", *packages])
    except InstallError:
        return _missing_by_apt_cache(packages)
    names = []
    for line in plan.splitlines():
        match = NEW_PACKAGE.match(line)
        if match and match.group(1).startswith("lib") and match.group(1) not in packages:
            names.append(match.group(1))
    return names


def _missing_by_apt_cache(packages: Sequence[str]) -> list[str]:
    tree = run(
        [
            "apt-cache",
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            *packages,
        ]
    )
    names: list[str] = []
    for line in tree.splitlines():
        name = line.strip()
        if line.startswith(" ") or "<" in name or name in packages or name in names:
            continue
        if name.startswith("lib") and not is_installed(name):
            names.append(name)
    return names


def install(name: str, *, force: bool = False) -> Path:
    if name not in PACKAGES:
        raise InstallError(f"unknown server {name!r}; choose one of {sorted(PACKAGES)}")
    root = server_root(name)
    if (root / MARKER).is_file() and not force:
        print(f"{name} is already unpacked in {root} (use --force to redo it)")
        return root
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        raise InstallError("apt-get and dpkg are needed (a Debian or Ubuntu machine)")
    packages = list(PACKAGES[name])
    extra = missing_dependencies(packages)
    print(f"{name}: downloading {' '.join(packages + extra)}")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="mailspec-debs-") as downloads:
        folder = Path(downloads)
        folder.chmod(0o777)  # apt's sandbox user writes the files
        run(["apt-get", "download", *packages, *extra], cwd=folder)
        debs = sorted(folder.glob("*.deb"))
        for deb in debs:
            run(["dpkg", "-x", str(deb), str(root)])
        (root / MARKER).write_text("\n".join(deb.name for deb in debs) + "\n")
    print(f"{name}: unpacked {len(debs)} packages into {root}")
    return root


def status() -> None:
    for name, hint in APT_INSTALLED.items():
        state = "installed" if shutil.which(name) or _sbin(name) else f"missing: {hint}"
        print(f"{name:10} {state}")
    for name in PACKAGES:
        root = server_root(name)
        state = (
            f"unpacked in {root}"
            if (root / MARKER).is_file()
            else f"missing: mailspec servers install {name}"
        )
        print(f"{name:10} {state}")
    print(f"{'docker':10} {docker_status()}")


def docker_status() -> str:
    """The engine, its network mode, and whether the local images are built."""
    from mailspec.fixtures.providers.base import ProviderUnavailable
    from mailspec.fixtures.providers.docker_build import RECIPES
    from mailspec.fixtures.providers.docker_engine import choose_network, docker_client

    try:
        client = docker_client(timeout=10)
    except ProviderUnavailable as exc:
        return str(exc)
    with contextlib.closing(client):
        try:
            network = choose_network(client, "auto")
        except ProviderUnavailable as exc:
            network = f"none usable ({exc})"
        images = []
        for name, recipe in sorted(RECIPES.items()):
            try:
                client.images.get(recipe.tag)
                images.append(f"docker:{name}@{recipe.tag} ready")
            except Exception:
                images.append(f"{recipe.tag} missing: mailspec servers build-image {name}")
        return f"engine answers, network {network}; " + "; ".join(images)


def build_image(name: str, *, force: bool, rebuild_base: bool, tag: str | None) -> None:
    """Build the local docker image for NAME (see fixtures/providers/docker_build.py)."""
    from mailspec.fixtures.providers.base import ProviderUnavailable
    from mailspec.fixtures.providers.docker_build import BuildError, build_image
    from mailspec.fixtures.providers.docker_engine import docker_client

    try:
        # An image build streams for minutes: a long read timeout.
        with contextlib.closing(docker_client(timeout=600)) as client:
            built = build_image(
                name, client, tag=tag, force=force, rebuild_base=rebuild_base, say=_say
            )
    except (BuildError, ProviderUnavailable) as exc:
        raise InstallError(str(exc)) from exc
    print(f"use it: mailspec --target docker:{name}@{built}")


def _say(line: str) -> None:
    print(line, flush=True)


def run_server(
    name: str, *, accounts: int, variant: str | None, tls: bool, docker_network: str = "auto"
) -> None:
    """Start NAME with a provider, print its endpoints and a ready command; wait for Ctrl-C."""
    import signal
    import threading

    from mailspec.fixtures.providers import PROVIDERS, get_provider
    from mailspec.fixtures.providers.base import (
        ProviderFailed,
        ProviderSettings,
        ProviderUnavailable,
    )

    if name not in PROVIDERS and not name.startswith("docker:"):
        raise InstallError(f"unknown server {name!r}; choose one of {sorted(PROVIDERS)}")
    stop = threading.Event()
    # Ctrl-C and SIGTERM both stop it through the provider's cleanup. SIGINT is set
    # explicitly: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    prefix = "mailspec-" + re.sub(r"[^A-Za-z0-9._]+", "-", name) + "-"  # docker:N@IMAGE
    with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
        settings = ProviderSettings(
            workdir=Path(workdir),
            accounts=accounts,
            variant=variant,
            tls=tls,
            docker_network=docker_network,
        )
        try:
            with get_provider(name)(settings) as target:
                print(f"{target.name} is running (Ctrl-C stops it)")
                for label, endpoint in (("pop3", target.pop3), ("imap", target.imap)):
                    if endpoint is not None:
                        print(f"  {label}: {endpoint.url}")
                for key, value in target.info:
                    print(f"  {key}: {value}")
                if target.seed is not None:
                    print(f"  seed: {target.seed.url}")
                for account in target.accounts:
                    print(f"  account: {account.user} / {account.password} <{account.address}>")
                first = target.accounts[0] if target.accounts else None
                if target.pop3 is not None and first is not None:
                    seed = (
                        f" --seed {target.seed.url}"
                        if target.seed is not None and target.seed.kind in ("smtp", "lmtp")
                        else ""
                    )
                    print(
                        f"test it: mailspec --target {target.pop3.url}"
                        f" --user {first.user} --password {first.password}{seed}"
                    )
                sys.stdout.flush()
                while not stop.wait(0.5):
                    pass
                print(f"stopping {target.name}")
        except ProviderUnavailable as exc:
            raise InstallError(f"{name} is not available: {exc}") from exc
        except ProviderFailed as exc:
            raise InstallError(f"{name} failed to start: {exc}") from exc


def _sbin(name: str) -> bool:
    program = {"dovecot": "dovecot", "mailutils": "imap4d"}[name]
    return Path("/usr/sbin", program).exists()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mailspec servers", description="Install third-party servers for mailspec."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install_parser = commands.add_parser(
        "install", help="download and unpack a server into the mailspec cache"
    )
    install_parser.add_argument("names", nargs="+", metavar="name", choices=sorted(PACKAGES))
    install_parser.add_argument("--force", action="store_true", help="unpack again")
    commands.add_parser("status", help="which servers the providers can start")
    run_parser = commands.add_parser(
        "run", help="start a server as --target NAME would, print its endpoints, wait for Ctrl-C"
    )
    run_parser.add_argument(
        "name", help="reference, dovecot, mailutils, cyrus, courier, docker:..."
    )
    run_parser.add_argument("--accounts", type=int, default=4, help="test accounts (default 4)")
    run_parser.add_argument("--variant", default=None, help="e.g. mbox for dovecot")
    run_parser.add_argument(
        "--no-tls", action="store_true", help="no test certificate (no STLS, no implicit TLS)"
    )
    run_parser.add_argument(
        "--docker-network",
        choices=("auto", "bridge", "host"),
        default="auto",
        help="docker targets: published ports (bridge), the host's network (host), "
        "or whichever the engine can do (auto, the default)",
    )
    image_parser = commands.add_parser(
        "build-image",
        help="build a docker image from Debian's packages (debootstrap; nothing is pulled)",
    )
    image_parser.add_argument("name", choices=["dovecot"])
    image_parser.add_argument(
        "--tag", default=None, help="image tag (default mailspec/NAME:bookworm)"
    )
    image_parser.add_argument("--force", action="store_true", help="rebuild the server image")
    image_parser.add_argument(
        "--rebuild-base", action="store_true", help="also debootstrap the base image again"
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "install":
            for name in dict.fromkeys(args.names):  # the README installs both in one go
                install(name, force=args.force)
        elif args.command == "run":
            run_server(
                args.name,
                accounts=args.accounts,
                variant=args.variant,
                tls=not args.no_tls,
                docker_network=args.docker_network,
            )
        elif args.command == "build-image":
            build_image(args.name, force=args.force, rebuild_base=args.rebuild_base, tag=args.tag)
        else:
            status()
    except InstallError as exc:
        print(f"mailspec servers: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
