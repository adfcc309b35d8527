"""Shared timing for the benchmarks: run a command in a fresh process, best of N, with peak RSS.

Every figure is wall time of a whole process (interpreter start included), as a user sees it,
and every ratio is against a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    seconds: float
    """Best wall time over the repetitions."""
    peak_rss_mb: float
    """Largest sum of RSS over the process and its children seen during any repetition."""


def byte_compile_tool() -> None:
    """Byte-compile the unsafe_audit package being measured, as ``pip install`` does.

    An editable install (or an environment with PYTHONDONTWRITEBYTECODE=1, as on our CI
    machines) would otherwise compile every module from source on every run, about 20 ms that
    no installed copy pays.
    """
    spec = importlib.util.find_spec("unsafe_audit")
    if spec is None or spec.origin is None:
        sys.exit("unsafe_audit is not installed in this environment (pip install -e .)")
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def _tree_rss_kb(root_pid: int) -> int:
    """Sum of VmRSS over ``root_pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                ppid = kb = 0
                for line in f:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kb
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _once(
    argv: Sequence[str], env: Mapping[str, str] | None, fresh: Path | None, watch_rss: bool
) -> tuple[float, int]:
    """One run: (wall seconds, peak tree RSS in KB, 0 when not watched)."""
    if fresh is not None:
        subprocess.run(["rm", "-rf", str(fresh)], check=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    seen = [0]

    def poll(p: subprocess.Popen[bytes] = proc, box: list[int] = seen) -> None:
        while p.poll() is None:
            box[0] = max(box[0], _tree_rss_kb(p.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=poll, daemon=True) if watch_rss else None
    if watcher is not None:
        watcher.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if watcher is not None:
        watcher.join()
    if proc.returncode not in (0, 1):
        sys.exit(
            f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n"
            + err.decode(errors="replace")
        )
    return elapsed, seen[0]


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    repeat: int = 3,
    fresh: Path | None = None,
) -> Measurement:
    """Run ``argv`` ``repeat`` times (stdout discarded) and keep the best wall time; with
    ``fresh``, that directory is emptied before each run (a cold cache).

    Peak RSS comes from one more run, watched by a thread that reads /proc every 20 ms. That
    watcher costs CPU, which on a two-core machine slows a scan using both cores more than a
    one-process baseline, so no timed run is watched.
    """
    best = min(_once(argv, env, fresh, watch_rss=False)[0] for _ in range(repeat))
    _, peak = _once(argv, env, fresh, watch_rss=True)
    return Measurement(best, peak / 1024)


@dataclass(frozen=True)
class Command:
    """One command to measure: its argv, extra environment, and a directory to empty first."""

    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    fresh: Path | None = None


def run_interleaved(commands: Mapping[str, Command], repeat: int = 3) -> dict[str, Measurement]:
    """Like :func:`run` for several commands, taking turns: round after round each command runs
    once, so a machine that slows down for a while (a shared virtual machine) slows all of them,
    and the ratios between best times stay fair."""
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, c in commands.items():
            best[name] = min(best[name], _once(c.argv, c.env, c.fresh, watch_rss=False)[0])
    peaks = {name: _once(c.argv, c.env, c.fresh, watch_rss=True)[1] for name, c in commands.items()}
    return {name: Measurement(best[name], peaks[name] / 1024) for name in commands}


def row(label: str, m: Measurement, baseline: float, target: str = "") -> str:
    ratio = m.seconds / baseline
    return f"{label:34} {m.seconds:7.2f} s {ratio:6.2f}x  {m.peak_rss_mb:6.0f} MB  {target}"
