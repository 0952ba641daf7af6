"""Shared fixtures: the `xpuscope` binary the Python results are checked against.

The binary is `$XPUSCOPE_BIN`, else the newest `xpuscope` under `$CARGO_TARGET_DIR` (or the
repository's `target/`); `.ci/python` builds it first.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]


def _binary() -> Path:
    env = os.environ.get("XPUSCOPE_BIN")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    found = [p for p in (target / "debug" / "xpuscope", target / "release" / "xpuscope") if p.is_file()]
    if not found:
        pytest.exit(
            f"no xpuscope binary under {target}; run `cargo build -p xpuscope-cli` or set XPUSCOPE_BIN",
            returncode=2,
        )
    return max(found, key=lambda p: p.stat().st_mtime)


class Cli:
    """Runs the real binary."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def run(self, *args: str, env: Any = None) -> Tuple[int, str, str]:
        p = subprocess.run(
            [str(self.path), *args], capture_output=True, text=True, timeout=600, env=env
        )
        return p.returncode, p.stdout, p.stderr

    def json(self, *args: str) -> Any:
        """`--format json` of a command that must succeed."""
        code, out, err = self.run("--format", "json", *args)
        assert code == 0, err
        return json.loads(out)

    def json_lines(self, *args: str) -> List[Any]:
        code, out, err = self.run("--format", "json", *args)
        assert code == 0, err
        return [json.loads(line) for line in out.splitlines()]

    def error(self, *args: str) -> str:
        """The sentence of a command that must fail, without the `error: ` prefix."""
        code, out, err = self.run(*args)
        assert code == 2, (code, out, err)
        assert err.startswith("error: "), err
        return err[len("error: ") :].rstrip("\n")


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli(_binary())


@pytest.fixture(autouse=True)
def _no_user_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    # Both front ends read XPUSCOPE_CATALOG; a developer's own must not change the answers.
    monkeypatch.delenv("XPUSCOPE_CATALOG", raising=False)


@pytest.fixture
def hide(monkeypatch: pytest.MonkeyPatch):
    """`hide("pandas")` makes importing that top-level module fail, as if it were not installed."""
    import builtins

    real = builtins.__import__
    hidden = set()

    def guarded(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            raise ImportError(f"{name} is hidden by the test")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded)
    return hidden.add
