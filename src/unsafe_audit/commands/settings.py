"""The repository's configuration merged with the command line, which wins.

``.unsafe-audit/config.yaml`` may hold what would otherwise be repeated on every command, in
every CI step and hook: the ledger directory, team checklists, ``--only-changed`` and which
tags are releases. :func:`apply_config` reads it once for the repository a command runs on and
fills in each option the command line left unset; :func:`add_tag_pattern_option` and
:func:`add_only_changed_option` register the options that have a configured default.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from unsafe_audit import history, releases
from unsafe_audit.config.model import CONFIG_PATH, RepoConfig, has_config
from unsafe_audit.errors import ConfigError, GitError, UsageError


def add_tag_pattern_option(p: argparse.ArgumentParser) -> None:
    """``--tag-pattern GLOB``: which tags count as releases (``tag_pattern`` in the config)."""
    p.add_argument(
        "--tag-pattern",
        metavar="GLOB",
        help=(
            "only tags matching GLOB count as releases when choosing the base, such as "
            "'pg_cache-v*' ('*' any characters, '?' one); default: tag_pattern in "
            f"{CONFIG_PATH}, else every tag that holds a version"
        ),
    )


def add_only_changed_option(p: argparse.ArgumentParser) -> None:
    """``--only-changed`` / ``--no-only-changed`` (``only_changed`` in the config)."""
    p.add_argument(
        "--only-changed",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "only new and changed sites and stale sign-offs fail the check (gradual adoption); "
            f"--no-only-changed gates every site whatever only_changed in {CONFIG_PATH} says"
        ),
    )


def read_config(path: Path) -> tuple[Path | None, RepoConfig]:
    """The work tree holding ``path`` and its configuration; (None, empty) outside a
    repository or in a bare one, where the command itself says what is wrong."""
    try:
        with history.Repository.open(path) as repo:
            if repo.is_bare:
                return None, RepoConfig()
            root = repo.root
    except (history.NotARepository, GitError):
        return None, RepoConfig()
    if not has_config(root):
        return root, RepoConfig()
    from unsafe_audit.config.load import load_config

    return root, load_config(root)


def apply_config(args: argparse.Namespace, path: Path) -> RepoConfig:
    """Fill the options the command line left unset from the configuration of the repository
    at ``path``; sets ``args.config`` (what the scan and the choice of base use) and returns it.

    Options a command does not have are left alone. Checklists named in the configuration
    are paths from the repository root and must stay inside it.
    """
    root, config = read_config(path)
    if getattr(args, "ledger", "absent") is None:
        args.ledger = config.ledger
    if hasattr(args, "checklists") and not args.checklists and root is not None:
        args.checklists = [_checklist_path(root, p) for p in config.checklists]
    if hasattr(args, "only_changed") and args.only_changed is None:
        args.only_changed = bool(config.only_changed)
    pattern: str | None = getattr(args, "tag_pattern", None)
    if pattern is not None:
        problem = releases.tag_pattern_problem(pattern)
        if problem is not None:
            raise UsageError(f"--tag-pattern {pattern!r} {problem}")
        config = dataclasses.replace(config, tag_pattern=pattern)
    args.config = config
    return config


def _checklist_path(root: Path, relative: str) -> str:
    top = os.path.realpath(root)
    target = os.path.realpath(root / relative)
    if os.path.commonpath([top, target]) != top:
        raise ConfigError(
            f"{CONFIG_PATH}: checklist {relative!r} leads out of the repository (a symbolic "
            "link); a configured checklist must be a file of the work tree"
        )
    return str(root / relative)
