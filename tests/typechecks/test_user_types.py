"""The types a user's own `mypy --strict` sees, from the wheel they install (not from this tree).

The project's mypy reads `generated/` through `mypy_path`, so it sees types a user never would
if the wheel lacked `py.typed` for `flick_api`. So: build the wheel, install it with mypy into
a fresh virtual environment, and check two user scripts outside the source tree:
`scripts/correct.py` must pass, with `assert_type` pinning what `me()`, pages, `resolve()` and
bulk writes return (an `Any` would fail them); `scripts/mistakes.py` must get exactly the
errors its `# expect: CODE` comments name, on those lines, and no others.

Installs are offline-capable: the wheels the fresh environment needs (the SDK's dependencies
and mypy, at the version this project pins) are kept in a wheelhouse that is only filled,
from PyPI through pip, when an install from it alone fails.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
WHEELHOUSE = Path(os.environ.get("FLICK_TYPING_WHEELHOUSE", ROOT / ".venv" / "typing-wheelhouse"))
MYPY = f"mypy=={importlib.metadata.version('mypy')}"
EXPECT = re.compile(r"#\s*expect:\s*([a-z-]+)\s*$")
REVEALS = re.compile(r"#\s*reveals:\s*(.+?)\s*$")
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*?)\s+\[(?P<code>[a-z-]+)\]$")
REVEALED = re.compile(r'^(?P<file>[^:]+):(?P<line>\d+): note: Revealed type is "(?P<type>.*)"$')
MODULE_PATH = re.compile(r"\b(?:[A-Za-z_][A-Za-z0-9_]*\.)+(?=[A-Za-z_])")

# Slow (a wheel build, a venv, a cold mypy run: about a minute): `-m "not typing"` skips it
# while iterating; `make test` runs it.
pytestmark = [pytest.mark.typing, pytest.mark.timeout(900)]


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd, env=env, check=False)


def _checked(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _drop_project_wheels() -> None:
    for copy in WHEELHOUSE.glob("flick_async-*.whl"):
        copy.unlink()


@pytest.fixture(scope="module")
def user_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the built wheel and mypy, and nothing of this tree."""
    base = tmp_path_factory.mktemp("typing")
    dist = base / "dist"
    # No build isolation: hatchling comes with the dev extra, so building needs no network.
    _checked(_run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ROOT))
    [wheel] = dist.glob("flick_async-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = (python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", WHEELHOUSE, wheel, MYPY)
    if _run(*install).returncode != 0:
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        # `pip download` copies the wheel itself into the wheelhouse too; a copy left there would be
        # "already downloaded" the next time, and its stale metadata would hide a new dependency.
        _drop_project_wheels()
        _checked(_run(python, "-m", "pip", "download", "--quiet", "--dest", WHEELHOUSE, wheel, MYPY))
        _drop_project_wheels()
        _checked(_run(*install))
    work = base / "user"
    shutil.copytree(SCRIPTS, work)  # outside the source tree, so nothing but the wheel is importable
    return env_dir


def _mypy(env_dir: Path, script: str) -> tuple[int, list[tuple[int, str, str]], str]:
    work = env_dir.parent / "user"
    result = _run(
        env_dir / "bin" / "python",
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--show-error-codes",
        "--no-pretty",
        "--hide-error-context",
        "--cache-dir",
        env_dir.parent / "mypy-cache",
        script,
        cwd=work,
    )
    errors = []
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            errors.append((int(match["line"]), match["code"], match["message"]))
    return result.returncode, errors, result.stdout + result.stderr


def test_the_wheel_ships_py_typed_for_both_packages(user_env: Path) -> None:
    """PEP 561 markers for flick_async and the generated flick_api, as installed."""
    [site] = (user_env / "lib").glob("python3*/site-packages")
    assert (site / "flick_async" / "py.typed").is_file()
    assert (site / "flick_api" / "py.typed").is_file()


def _expected(script: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    lines = (SCRIPTS / script).read_text(encoding="utf-8").splitlines()
    return [(number, match[1]) for number, text in enumerate(lines, start=1) if (match := pattern.search(text))]


def test_a_correct_user_script_passes_mypy_strict(user_env: Path) -> None:
    """Documented use type-checks cleanly, every `assert_type` holds, and mypy reveals real types, not Any."""
    code, errors, output = _mypy(user_env, "correct.py")
    assert errors == [], output
    revealed = [
        (int(match["line"]), MODULE_PATH.sub("", match["type"]).replace("builtins.", ""))
        for match in map(REVEALED.match, output.splitlines())
        if match
    ]
    expected = _expected("correct.py", REVEALS)
    assert len(expected) >= 8
    assert revealed == expected, output
    assert code == 0, output


def test_each_deliberate_mistake_is_reported(user_env: Path) -> None:
    """Every `# expect: CODE` line gets exactly that error, and no other line gets one."""
    expected = _expected("mistakes.py", EXPECT)
    assert len(expected) >= 10
    code, errors, output = _mypy(user_env, "mistakes.py")
    assert code == 1, output
    assert sorted({(line, error_code) for line, error_code, _ in errors}) == expected, output
