"""What a file's bytes decide before any parse, what a skipped file is reported as, and how
one scan's result is put together.

A file is skipped as generated only when it earned it (see :mod:`unsafe_audit.scan.generated`)
or the repository's configuration says so; not parsed when it holds none of the words a site
needs; refused when it is not UTF-8; and, when too large to parse, searched by a streaming
token pass (:mod:`unsafe_audit.extract.keyword_scan`): with no word a site needs it counts as
searched, with any it is skipped as too large, and ``check`` fails on it unless allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from unsafe_audit.config.model import CONFIG_PATH, RepoConfig
from unsafe_audit.extract import needs_parse, unparsed_result
from unsafe_audit.model import (
    EARNED_GENERATED,
    FileResult,
    ScanResult,
    ScanWarning,
    Site,
    Skip,
    SkippedFile,
)
from unsafe_audit.scan.files import MAX_FILE_BYTES, ScanRequest
from unsafe_audit.scan.generated import is_generated

MAX_SEARCH_BYTES = 256 * 1024 * 1024
"""The most of one file the token pass reads; a larger file is not searched at all."""


def without_parsing(
    path: str, data: bytes, include_generated: bool, forced: bool | None
) -> FileResult | None:
    """The result of a file that needs no parse — generated (skipped), not UTF-8 (refused),
    or with no word a site needs — or None when it must be parsed. ``forced`` is the
    configuration's word on whether the file is generated (None: its bytes decide)."""
    if not include_generated and forced is not False and (forced or is_generated(data)):
        return unparsed_result(path, data, generated=True)
    if not needs_parse(data):
        return unparsed_result(path, data)
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            from unsafe_audit.extract.edition2024 import plain_attributes

            line = data.count(b"\n", 0, e.start) + 1
            warning = ScanWarning(path, line, f"not valid UTF-8 (byte {e.start}); file skipped")
            facts = plain_attributes(data)
            return FileResult(
                path, (), (warning,), unreadable=True, plain_attributes=facts, skip=Skip.NOT_UTF8
            )
    return None


def too_large(path: str, size: int, chunks: Callable[[], Iterator[bytes]] | None) -> FileResult:
    """The result of a file over the parser's limit, from a token pass over its bytes."""
    if chunks is None or size > MAX_SEARCH_BYTES:
        message = f"not searched: {size} bytes, more than the {_mib(MAX_SEARCH_BYTES)} read"
        return _refused(path, 0, message, Skip.TOO_LARGE)
    from unsafe_audit.extract.keyword_scan import scan_keywords

    try:
        count = scan_keywords(_at_most(chunks(), MAX_SEARCH_BYTES + 1))
    except OSError as e:
        return _refused(path, 0, f"not scanned: {e.strerror or e}", Skip.UNREADABLE)
    if count.size > MAX_SEARCH_BYTES:
        message = f"not searched: over {_mib(MAX_SEARCH_BYTES)}, the most a token pass reads"
        return _refused(path, 0, message, Skip.TOO_LARGE)
    limit = _mib(MAX_FILE_BYTES)
    if not count.found:
        note = (
            f"{count.size} bytes, too large to parse (over {limit}); a token pass found no "
            "unsafe, extern block or pg_sys in it"
        )
        return FileResult(path, (), (ScanWarning(path, 0, note),))
    message = (
        f"too large to parse ({count.size} bytes, over {limit}) and holds "
        f"{count.describe()}: its sites cannot be listed"
    )
    return _refused(path, count.lines[0], message, Skip.TOO_LARGE)


def _refused(path: str, line: int, message: str, skip: Skip) -> FileResult:
    return FileResult(path, (), (ScanWarning(path, line, message),), unreadable=True, skip=skip)


def unread(path: str, reason: str) -> FileResult:
    """The result of a file that could not be read (``reason`` says why)."""
    return _refused(path, 0, f"not scanned: {reason}", Skip.UNREADABLE)


def _at_most(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """The chunks until more than ``limit`` bytes have been given; the source is closed either
    way (a git blob's stream is then drained, so the shared reader stays usable)."""
    given = 0
    try:
        for chunk in chunks:
            yield chunk
            given += len(chunk)
            if given > limit:
                return
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


def salt_suffix(include_generated: bool, forced: bool | None) -> str:
    """What the configuration adds to a file's cache key: a file the configuration says to
    search is scanned as with ``--include-generated``; one it calls generated is skipped."""
    if include_generated or forced is False:
        return ":1"
    return ":0:config" if forced else ":0"


def skipped_files(files: Sequence[FileResult], config: RepoConfig) -> tuple[SkippedFile, ...]:
    """The files of a scan not searched for sites, each with why, in the order given."""
    found: list[SkippedFile] = []
    for result in files:
        reason = result.skipped
        if reason is None:
            continue
        if reason is Skip.GENERATED:
            pattern = config.generated.first_match(result.path)
            message = (
                EARNED_GENERATED
                if pattern is None
                else f"generated code: listed under 'generated' in {CONFIG_PATH} ({pattern})"
            )
            found.append(SkippedFile(result.path, reason, message))
            continue
        first = result.warnings[0] if result.warnings else None
        message = first.message if first is not None else "not searched"
        found.append(SkippedFile(result.path, reason, message, first.line if first else 0))
    return tuple(found)


def assemble(
    request: ScanRequest,
    results: dict[str, FileResult],
    warnings: list[ScanWarning],
    config: RepoConfig,
) -> ScanResult:
    """One scan's result from its files' results (by path) and the problems met listing them."""
    sites: list[Site] = []
    scanned = skipped = generated = 0
    for path in sorted(results):
        result = results[path]
        if result.generated:
            generated += 1
            skipped += 1
        elif result.unreadable:
            skipped += 1
        else:
            scanned += 1
        sites.extend(result.sites)
        warnings.extend(result.warnings)
    files = tuple(results[path] for path in sorted(results))
    return ScanResult(
        root=request.root,
        rev=request.rev,
        files_scanned=scanned,
        files_skipped=skipped,
        generated_skipped=generated,
        sites=tuple(sites),
        warnings=tuple(warnings),
        files=files,
        skipped=skipped_files(files, config),
    )
