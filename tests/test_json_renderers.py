"""The hand-written JSON line renderers must write exactly what ``json.dumps`` writes for the
documented dict, for every site of the sample extensions and for awkward strings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from unsafe_audit import samples
from unsafe_audit.commands.diff import delta_json, delta_line
from unsafe_audit.commands.scan import site_json, site_line
from unsafe_audit.compare import compare, sources_of_head_sites
from unsafe_audit.diff import Status
from unsafe_audit.model import Site, SiteId
from unsafe_audit.scan import ScanOptions, scan_path


def _sample_sites() -> list[Site]:
    sites: list[Site] = []
    for name in samples.available():
        for tree in sorted((samples.sample_dir(name) / "releases").iterdir()):
            sites += scan_path(tree, None, ScanOptions(use_cache=False)).sites
    return sites


SAMPLE_SITES = _sample_sites()
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


# -- diff ------------------------------------------------------------------------------------------

DIFF_PAIRS = (
    ("pg_cache", "v0.1.0", "v0.2.0"),
    ("pg_cache", "v0.2.0", "v0.2.1"),
    ("pg_cache", "v0.2.1", "v0.3.0"),
    ("pg_hooks", "0.1.0", "0.3.0"),
)


@pytest.fixture(scope="module")
def sample_repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("samples")
    return {name: samples.build(name, root / name) for name in ("pg_cache", "pg_hooks")}


@pytest.mark.parametrize(("name", "base", "head"), DIFF_PAIRS)
def test_diff_delta_line_is_json_dumps_of_the_contract_dict(
    sample_repos: dict[str, Path], name: str, base: str, head: str
) -> None:
    options = ScanOptions(use_cache=False)
    comparison = compare(
        sample_repos[name], base=base, head=head, options=options, sources=sources_of_head_sites
    )
    deltas = comparison.delta.sites
    statuses = {d.status for d in deltas}
    for delta in deltas:
        assert delta_line(delta, comparison) == json.dumps(delta_json(delta, comparison))
    # The pairs between them hold every status the renderer branches on.
    assert Status.UNCHANGED in statuses


def test_diff_pairs_cover_changed_new_and_removed(sample_repos: dict[str, Path]) -> None:
    seen: set[Status] = set()
    for name, base, head in DIFF_PAIRS:
        comparison = compare(
            sample_repos[name], base=base, head=head, options=ScanOptions(use_cache=False)
        )
        seen |= {d.status for d in comparison.delta.sites}
    assert {Status.CHANGED, Status.NEW, Status.REMOVED, Status.MOVED} <= seen
