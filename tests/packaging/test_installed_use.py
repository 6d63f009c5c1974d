"""Installed use: the wheel keeps everything under `mailspec`, and the `mailspec`
command runs the installed suites against the reference server from any folder."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        check=True,
        timeout=600,
    )
    [path] = out.glob("mailspec-*.whl")
    return path


def test_wheel_has_no_generic_top_level_names(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"mailspec", wheel.name.split("-py3")[0] + ".dist-info"}
    # Every package of the source tree is in the wheel (pyproject lists them by hand).
    for source_root in ("fixtures", "suites", "reference_server", "reports", "mailspec"):
        for init in (ROOT / source_root).rglob("__init__.py"):
            relative = init.relative_to(ROOT).as_posix()
            installed = relative if source_root == "mailspec" else f"mailspec/{relative}"
            assert installed in names, f"{relative} is not packaged: add it to pyproject's packages"
    assert any(name.startswith("mailspec/fixtures/corpus/") and name.endswith(".eml") for name in names)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))
    ).decode()
    assert "mailspec = mailspec.fixtures.plugin" in entry_points
    assert "mailspec = mailspec.cli:main" in entry_points


def _dependency_dirs() -> list[str]:
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]


def test_mailspec_command_runs_the_installed_suite(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # The dependencies come from the site-packages of the interpreter running these tests
    # — a venv's own when they run in one (system_site_packages would give the base
    # interpreter's, where aiosmtpd & co. are missing). A .pth line adds a folder to the
    # path without running its .pth files, so the editable mailspec there stays out.
    [site_dir] = (env_dir / "lib").glob("python3*/site-packages")
    (site_dir / "mailspec-test-deps.pth").write_text("\n".join(_dependency_dirs()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        timeout=300,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    result = subprocess.run(
        [str(env_dir / "bin" / "mailspec"), "-q", "-p", "no:cacheprovider", "-k", "list_size_matches_retr"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
    # No warning on a clean start (the clone's pyproject filters are not there).
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    # The installed copy ran, not the clone.
    assert str(ROOT) not in result.stdout
