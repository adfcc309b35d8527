"""Run the extractor over the files a scan could not answer from its cache.

Little work runs in this process. More runs in worker processes, forked at the first file to
parse; each loads tree-sitter and the name table while the parent goes on reading. They are fed
as the scan reads files: each large file is a task of its own, small
ones are grouped. The scan hands files over largest first, so the workers finish together, and
results are taken as they complete, so the parent decodes them while the workers still parse.
Workers return each result already encoded for the cache: the encoding then runs in parallel,
and a JSON string crosses the pipe faster than pickled sites.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from unsafe_audit.model import FileResult
from unsafe_audit.scan.cache import decode, encode

if TYPE_CHECKING:
    import concurrent.futures

# Below this many bytes to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024
# Files at least this large are a task each; smaller ones are grouped up to this size.
TASK_BYTES = 256 * 1024


def default_jobs() -> int:
    return min(os.cpu_count() or 1, 4)


def _warm_up() -> None:
    """Run in each new worker: load tree-sitter, the walker and the name table before the first
    task, while the parent is still reading files."""
    from unsafe_audit.extract import warm_up

    warm_up()


def _extract_batch(batch: Sequence[tuple[str, str, bytes]]) -> list[tuple[str, str, str]]:
    """Run in a worker: each file's result, encoded for the cache, with its tag."""
    from unsafe_audit.extract import extract_file

    return [(tag, path, encode(extract_file(path, data))) for tag, path, data in batch]


class Extraction:
    """Files go in with :meth:`submit`; :meth:`results` gives each one's result and encoding,
    with the tag it was submitted under (the same path can come twice, from two revisions)."""

    def __init__(self, *, jobs: int, expected_bytes: int) -> None:
        """``expected_bytes``: about how much will be submitted (decides whether to fork)."""
        self._parallel = jobs > 1 and expected_bytes >= PARALLEL_MIN_BYTES
        self._jobs = jobs
        self._serial: list[tuple[str, str, bytes]] = []
        self._batch: list[tuple[str, str, bytes]] = []
        self._batch_bytes = 0
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._futures: list[concurrent.futures.Future[list[tuple[str, str, str]]]] = []

    def submit(self, tag: str, path: str, data: bytes) -> None:
        if not self._parallel:
            self._serial.append((tag, path, data))
        elif len(data) >= TASK_BYTES:
            self._send([(tag, path, data)])
        else:
            self._batch.append((tag, path, data))
            self._batch_bytes += len(data)
            if self._batch_bytes >= TASK_BYTES:
                self._flush()

    def results(self) -> Iterator[tuple[str, FileResult, str]]:
        """Every submitted file's tag, result and cache encoding, in the order they complete."""
        if self._serial:
            # Imported only now: a scan answered from the cache never loads tree-sitter.
            from unsafe_audit.extract import extract_file

            for tag, path, data in self._serial:
                result = extract_file(path, data)
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

    def _flush(self) -> None:
        if self._batch:
            self._send(self._batch)
            self._batch, self._batch_bytes = [], 0

    def _send(self, batch: list[tuple[str, str, bytes]]) -> None:
        if self._pool is None:
            import concurrent.futures
            import multiprocessing

            ctx = multiprocessing.get_context("fork")
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self._jobs, mp_context=ctx, initializer=_warm_up
            )
        self._futures.append(self._pool.submit(_extract_batch, batch))
