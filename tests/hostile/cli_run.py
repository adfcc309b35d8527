"""Run ``unsafe-audit`` as CI does, for the hostile-input tests: a subprocess whose output is read
as bytes and decoded as strict UTF-8 (so undecodable output fails the test too)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.gitrepo import CONFIG_ISOLATION


@dataclass(frozen=True)
class Ran:
    """What one run gave."""

    code: int
    out: str
    err: str


def run_cli(cwd: Path, cache: Path, *args: str) -> Ran:
    """``unsafe-audit ARGS`` in ``cwd`` with the user's git config ignored and its cache under
    ``cache``; stdout and stderr are strict UTF-8, as on a CI runner."""
    env = {
        **os.environ,
        **CONFIG_ISOLATION,
        "XDG_CACHE_HOME": str(cache),
        "PYTHONIOENCODING": "utf-8:strict",
    }
    done = subprocess.run(
        [sys.executable, "-m", "unsafe_audit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
