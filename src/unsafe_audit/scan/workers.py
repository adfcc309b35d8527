"""Run the extractor over the files a scan could not answer from its cache.

Little work runs in this process. More runs in worker processes, forked at the first file to
parse; each loads tree-sitter and the name table while the parent goes on reading. They are fed
as the scan reads files: each large file is a task of its own, small
ones are grouped. The scan hands files over largest first, so the workers finish together, and
results are taken as they complete, so the parent decodes them while the workers still parse.
Workers return each result already encoded for the cache: the encoding then runs in parallel,
and a JSON string crosses the pipe faster than pickled sites.

Workers never outlive the scan: each asks Linux to kill it when its parent dies (the parent-death
signal, through ``prctl``) and also watches its parent's pid, for the other systems; Ctrl-C is
the parent's to handle (workers ignore SIGINT, which a terminal sends to the whole process
group), and an interrupted scan kills its workers instead of waiting for their tasks.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from unsafe_audit.model import FileResult, ScanWarning
from unsafe_audit.scan.cache import decode, encode

if TYPE_CHECKING:
    import concurrent.futures

# Below this many bytes to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024
# Files at least this large are a task each; smaller ones are grouped up to this size.
TASK_BYTES = 256 * 1024


# How often a worker checks that its parent is alive where no parent-death signal exists.
WATCH_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def default_jobs() -> int:
    return min(cpu_count(), 4)


def _die_with_parent(parent: int) -> None:
    """Make this worker end when ``parent`` does, however it ends (SIGKILL included)."""
    # Imported here, in the worker: a scan that forks none does not pay for them.
    import ctypes
    import ctypes.util
    import signal
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still ends the worker
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="unsafe-audit-parent-watch", daemon=True).start()


def _warm_up(parent: int) -> None:
    """Run in each new worker: tie its life to the parent's, leave Ctrl-C to the parent, and
    load tree-sitter, the walker and the name table before the first task, while the parent is
    still reading files."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent(parent)
    from unsafe_audit.extract import warm_up

    warm_up()


def extract_or_refuse(path: str, data: bytes, hints: bool = False) -> FileResult:
    """The file's sites and, with ``hints``, what the hint rules see in it (over the same
    parse); a file the extractor fails on (a bug, a recursion limit) is one that could not be
    searched, not a crashed scan."""
    from unsafe_audit import extract
    from unsafe_audit.extract.parsed import ParsedSource

    # Not the per-process cache of recent parses (a worker would hold its last trees): the
    # hints read the tree the extractor made, then it goes.
    parsed = ParsedSource(path, data) if hints else None
    try:
        result = (
            extract.extract_parsed(parsed)
            if parsed is not None
            else extract.extract_file(path, data)
        )
    except Exception as e:  # any failure of one file is reported as that file's
        message = f"not searched: the extractor failed ({type(e).__name__})"
        return FileResult(path, (), (ScanWarning(path, 0, message),), unreadable=True)
    if parsed is None:
        return result
    if not result.sites:
        return dataclasses.replace(result, hints=())
    from unsafe_audit.hints.registry import hints_of_file

    try:
        found = hints_of_file(path, data, result.sites, parsed.syntax)
    except Exception as e:  # a rule's failure costs the file its hints, never the scan
        note = ScanWarning(path, 0, f"no hints: a hint rule failed ({type(e).__name__})")
        return dataclasses.replace(result, warnings=(*result.warnings, note), hints=())
    return dataclasses.replace(result, hints=found)


def _extract_batch(batch: Sequence[tuple[str, str, bytes, bool]]) -> list[tuple[str, str, str]]:
    """Run in a worker: each file's result (with its hints when asked), encoded for the cache,
    with its tag."""
    return [
        (tag, path, encode(extract_or_refuse(path, data, hints)))
        for tag, path, data, hints in batch
    ]


class Extraction:
    """Files go in with :meth:`submit`; :meth:`results` gives each one's result and encoding,
    with the tag it was submitted under (the same path can come twice, from two revisions)."""

    def __init__(self, *, jobs: int, expected_bytes: int) -> None:
        """``expected_bytes``: about how much will be submitted (decides whether to fork)."""
        self._parallel = jobs > 1 and expected_bytes >= PARALLEL_MIN_BYTES
        self._jobs = jobs
        self._serial: list[tuple[str, str, bytes, bool]] = []
        self._batch: list[tuple[str, str, bytes, bool]] = []
        self._batch_bytes = 0
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._futures: list[concurrent.futures.Future[list[tuple[str, str, str]]]] = []

    def submit(self, tag: str, path: str, data: bytes, hints: bool = False) -> None:
        """Extract one file; ``hints``: also run the hint rules over it, on the same parse."""
        if not self._parallel:
            self._serial.append((tag, path, data, hints))
        elif len(data) >= TASK_BYTES:
            self._send([(tag, path, data, hints)])
        else:
            self._batch.append((tag, path, data, hints))
            self._batch_bytes += len(data)
            if self._batch_bytes >= TASK_BYTES:
                self._flush()

    def results(self) -> Iterator[tuple[str, FileResult, str]]:
        """Every submitted file's tag, result and cache encoding, in the order they complete."""
        if self._serial:
            for tag, path, data, hints in self._serial:
                result = extract_or_refuse(path, data, hints)
                yield tag, result, encode(result)
            self._serial.clear()
        self._flush()
        if not self._futures:
            return
        import concurrent.futures

        try:
            for future in concurrent.futures.as_completed(self._futures):
                for tag, path, payload in future.result():
                    yield tag, decode(path, payload), payload
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._futures.clear()

    def abort(self) -> None:
        """Stop at once (Ctrl-C, an error): kill the workers rather than wait for their tasks."""
        pool, self._pool = self._pool, None
        self._futures.clear()
        if pool is None:
            return
        # The executor has no public way to stop a running task; its process table is the
        # only handle on the workers.
        processes = list(getattr(pool, "_processes", {}).values())
        for process in processes:
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)

    def _flush(self) -> None:
        if self._batch:
            self._send(self._batch)
            self._batch, self._batch_bytes = [], 0

    def _send(self, batch: list[tuple[str, str, bytes, bool]]) -> None:
        if self._pool is None:
            import concurrent.futures
            import multiprocessing
            import signal

            ctx = multiprocessing.get_context("fork")
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self._jobs,
                mp_context=ctx,
                initializer=_warm_up,
                initargs=(os.getpid(),),
            )
            # The first submit forks every worker. SIGINT is blocked meanwhile so that no
            # worker can take a Ctrl-C before it ignores them; the parent gets it afterwards.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self._futures.append(self._pool.submit(_extract_batch, batch))
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            return
        self._futures.append(self._pool.submit(_extract_batch, batch))
