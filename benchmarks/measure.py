"""Shared timing for the benchmarks: run a command in a fresh process, best of N, with peak RSS.

Every figure is wall time of a whole process (interpreter start included), as a user sees it,
and every ratio is against a baseline measured in the same run on the same machine.
"""

from __future__ import annotations

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


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    repeat: int = 3,
    fresh: Path | None = None,
) -> Measurement:
    """Run ``argv`` ``repeat`` times (stdout discarded); with ``fresh``, that directory is
    emptied before each run (a cold cache)."""
    best = float("inf")
    peak = 0
    for _ in range(repeat):
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

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        _, err = proc.communicate()
        elapsed = time.perf_counter() - start
        watcher.join()
        if proc.returncode not in (0, 1):
            sys.exit(
                f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n"
                + err.decode(errors="replace")
            )
        best = min(best, elapsed)
        peak = max(peak, seen[0])
    return Measurement(best, peak / 1024)


def row(label: str, m: Measurement, baseline: float, target: str = "") -> str:
    ratio = m.seconds / baseline
    return f"{label:34} {m.seconds:7.2f} s {ratio:6.2f}x  {m.peak_rss_mb:6.0f} MB  {target}"
