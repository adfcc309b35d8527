"""``scan`` as a table and as JSON: the hand-written JSON line renderer writes exactly what
``json.dumps`` writes for the documented dict, for every site of the sample extensions and for
awkward strings; the table fits 80 columns; every format has its renderer."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from tests.scan.test_cli import ALL_KINDS_RS, _isolated, make_crate, scan, write
from unsafe_audit import samples
from unsafe_audit.commands.scan import ScanFormat, renderer_for
from unsafe_audit.model import ScanResult, Site, SiteId, SiteKind
from unsafe_audit.report.scan_json import site_json, site_line
from unsafe_audit.report.scan_table import write as write_table
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.units import group_units

__all__ = ["_isolated"]  # the autouse fixture: isolated git config and cache


def _sample_scans() -> list[ScanResult]:
    return [
        scan_path(tree, None, ScanOptions(use_cache=False))
        for name in samples.available()
        for tree in sorted((samples.sample_dir(name) / "releases").iterdir())
    ]


SAMPLE_SCANS = _sample_scans()
SAMPLE_SITES = [s for result in SAMPLE_SCANS for s in result.sites]
AWKWARD = [
    'say "hi"\\ now',
    "tab\there\nnewline",
    "ünïcödé → ✓ and an emoji 🦀",
    "\x00\x1f control",
    "",
    "</script>",
]


def test_the_samples_give_enough_sites_to_mean_something() -> None:
    assert len(SAMPLE_SITES) > 100
    assert any(s.safety_comment for s in SAMPLE_SITES)
    assert any(s.pg_sys_calls for s in SAMPLE_SITES)
    assert any(s.parent for s in SAMPLE_SITES)
    assert any(s.in_macro for s in SAMPLE_SITES)


@pytest.mark.parametrize("site", SAMPLE_SITES, ids=lambda s: f"{s.path}:{s.span.line}:{s.kind}")
def test_scan_site_line_is_json_dumps_of_the_contract_dict(site: Site) -> None:
    assert site_line(site) == json.dumps(site_json(site))


@pytest.mark.parametrize("text", AWKWARD)
def test_scan_site_line_escapes_like_json_dumps(text: str) -> None:
    site = dataclasses.replace(
        SAMPLE_SITES[0],
        path=f"src/{text}.rs",
        item=text,
        name=text,
        safety_comment=text,
        parent=SiteId(text),
        attributes=(text, 'extern "C"'),
        pg_sys_calls=(text,),
    )
    line = site_line(site)
    assert line == json.dumps(site_json(site))
    assert json.loads(line)["safety_comment"] == text


def test_scan_site_line_writes_nulls_and_empty_lists_like_json_dumps() -> None:
    site = dataclasses.replace(
        SAMPLE_SITES[0], parent=None, name=None, safety_comment=None, attributes=(), in_macro=True
    )
    assert site_line(site) == json.dumps(site_json(site))
    assert '"parent": null' in site_line(site)


def test_scan_site_line_covers_every_contract_key() -> None:
    assert list(json.loads(site_line(SAMPLE_SITES[0]))) == list(site_json(SAMPLE_SITES[0]))


def test_every_format_has_its_renderer() -> None:
    result = SAMPLE_SCANS[0]
    rendered: dict[ScanFormat, str] = {}
    for fmt in ScanFormat:
        out = io.StringIO()
        renderer_for(fmt)(result, out)
        rendered[fmt] = out.getvalue()

    assert set(rendered) == set(ScanFormat)
    document = json.loads(rendered[ScanFormat.JSON])
    assert document["schema_version"] == 1
    assert document["sites"] == [site_json(s) for s in result.sites]
    table = rendered[ScanFormat.TABLE].splitlines()
    assert table[0] == f"{result.root} (files on disk)"
    units = group_units(result.sites).count
    assert units < len(result.sites)
    assert (
        f"{len(result.sites)} sites ({units} review units) in {result.files_scanned} files, "
        "0 skipped"
    ) in table


# -- table -----------------------------------------------------------------------------------------


def test_table_shortens_paths_and_items_from_the_left_and_names_from_the_right() -> None:
    block = next(s for s in SAMPLE_SITES if s.kind is SiteKind.UNSAFE_BLOCK)
    call = next(s for s in SAMPLE_SITES if s.kind is SiteKind.PG_SYS_CALL)
    block = dataclasses.replace(
        block,
        path="src/background_worker_registration/shared_memory.rs",
        span=dataclasses.replace(block.span, line=7),
        item="hooks::install_executor_start_hook",
        in_macro=False,
    )
    call = dataclasses.replace(
        call,
        path="src/lib.rs",
        span=dataclasses.replace(call.span, line=12),
        name="RequestAddinShmemSpaceForTheAudit",
        in_macro=False,
    )
    out = io.StringIO()

    write_table(ScanResult("/x", None, 2, 0, 0, (block, call), ()), out)

    assert out.getvalue().splitlines()[2:4] == [
        f"{block.id[:8]} unsafe_block        …ration/shared_memory.rs:7 …all_executor_start_hook",
        f"{call.id[:8]} pg_sys_call         src/lib.rs:12              RequestAddinShmemSpaceF…",
    ]


def test_table_lists_sites_and_ends_with_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")

    code, out, err = scan(capsys, str(crate))

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{crate.resolve()} (files on disk)"
    assert lines[1].split() == ["ID", "KIND", "LOCATION", "ITEM", "/", "NAME"]
    assert [line.split()[1:3] for line in lines[2:6]] == [
        ["unsafe_block", "src/lib.rs:9"],
        ["pg_sys_static", "src/lib.rs:9"],
        ["unsafe_fn", "src/memory.rs:5"],
        ["pg_sys_call", "src/memory.rs:6"],
    ]
    # A pg_sys use inside an unsafe site is marked: that site's sign-off covers it.
    assert [line[56:58] != "↳ " for line in lines[2:6]] == [True, False, True, False]
    assert lines[6:] == [
        "",
        "4 sites (2 review units) in 2 files, 0 skipped",
        "  pg_sys_call 1, pg_sys_static 1, unsafe_block 1, unsafe_fn 1",
        "  ↳ a pg_sys use inside an unsafe site, whose sign-off covers it",
    ]
    for line in lines[1:]:
        assert len(line) <= 80, line


def test_table_lines_fit_80_columns_with_every_kind_and_long_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = tmp_path / "c"
    write(crate, "src/lib.rs", ALL_KINDS_RS)
    write(
        crate,
        "src/background_worker_registration/shared_memory_initialisation.rs",
        "pub mod very_long_module_name_for_the_hooks {\n"
        "    pub fn install_executor_start_hook_for_the_audit_trail() {\n"
        "        unsafe { pgrx::pg_sys::ExecutorStart_hook = None; }\n"
        "    }\n"
        "}\n",
    )

    code, out, _ = scan(capsys, str(crate))

    assert code == 0
    lines = out.splitlines()
    assert "12 sites (9 review units) in 2 files, 0 skipped" in lines
    # The first line echoes the scanned root, whose length is the user's; the rest must fit.
    too_wide = [line for line in lines[1:] if len(line) > 80]
    assert too_wide == []


def test_json_gives_each_site_its_review_unit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crate = make_crate(tmp_path / "crate")
    code, out, _ = scan(capsys, str(crate), "--format", "json")
    assert code == 0
    sites = json.loads(out)["sites"]
    ids = {(s["kind"], s["path"]): s["id"] for s in sites}
    block, fn = ids[("unsafe_block", "src/lib.rs")], ids[("unsafe_fn", "src/memory.rs")]
    # Each pg_sys use belongs to the unsafe site around it; an unsafe site is its own unit.
    assert [(s["kind"], s["unit"]) for s in sites] == [
        ("unsafe_block", block),
        ("pg_sys_static", block),
        ("unsafe_fn", fn),
        ("pg_sys_call", fn),
    ]
    # unit comes last, but for a pg_sys call's contract after it (tests/contracts).
    assert all([k for k in s if k != "contract"][-1] == "unit" for s in sites)
