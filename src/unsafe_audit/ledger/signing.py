"""SSH signatures of ledger entries, made and checked with ``ssh-keygen -Y``.

What is signed is :func:`~unsafe_audit.ledger.yaml_io.canonical_text`: the entry's YAML without
its signature. Verification works as git's does for commits: the reviewer's email is the
principal looked up in an ``allowed_signers`` file.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.entry import Entry
from unsafe_audit.ledger.yaml_io import canonical_text, clean_text

SIGNATURE_NAMESPACE = "unsafe-audit"
"""The ``ssh-keygen -Y`` namespace of entry signatures, so a signature made for git or for
another tool cannot be passed off as a sign-off."""


def sign_entry(entry: Entry, key: Path) -> Entry:
    """``entry`` with a signature of its canonical text made by ``ssh-keygen -Y sign``."""
    with tempfile.TemporaryDirectory(prefix="unsafe-audit-sign-") as tmp:
        data = Path(tmp, "entry.yaml")
        data.write_text(canonical_text(entry), encoding="utf-8")
        result = _ssh_keygen(
            "-Y", "sign", "-n", SIGNATURE_NAMESPACE, "-f", str(key), str(data), action="sign"
        )
        if result.returncode != 0:
            raise LedgerError(
                f"cannot sign with {key}: {result.stderr.strip() or 'ssh-keygen failed'}"
            )
        signature = Path(f"{data}.sig").read_text(encoding="utf-8")
    return replace(entry, signature=signature)


def signature_problem(entry: Entry, allowed_signers: Path) -> str | None:
    """Why ``entry``'s signature does not hold (None when it verifies), as git verifies commits:
    the reviewer's email is the principal looked up in ``allowed_signers``."""
    if not entry.signature:
        return "not signed"
    email = entry.reviewer_email
    if email is None:
        return f"reviewer {entry.reviewer!r} has no <email> to look up in allowed_signers"
    with tempfile.TemporaryDirectory(prefix="unsafe-audit-verify-") as tmp:
        sig = Path(tmp, "entry.sig")
        sig.write_text(clean_text(entry.signature), encoding="utf-8")
        result = _ssh_keygen(
            "-Y",
            "verify",
            "-f",
            str(allowed_signers),
            "-I",
            email,
            "-n",
            SIGNATURE_NAMESPACE,
            "-s",
            str(sig),
            action="verify",
            stdin=canonical_text(entry),
        )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return f"signature does not verify for {email}" + (f": {detail[-1]}" if detail else "")
    return None


def _ssh_keygen(
    *args: str, action: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["ssh-keygen", *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as e:
        raise LedgerError(
            f"cannot {action} entries: ssh-keygen is not installed (it comes with OpenSSH)"
        ) from e
