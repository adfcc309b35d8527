"""SSH signatures of entries: a real ``ssh-keygen`` key signs, verifies, and catches tampering."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.ledger.example import ENTRY, NAME, SITE, TEXT, UNIT_ENTRY
from unsafe_audit.ledger.signing import sign_entry, signature_problem
from unsafe_audit.ledger.yaml_io import entry_text, parse_entry


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_ssh_signature_verifies_and_tampering_breaks_it(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ada", "-f", str(key)], check=True
    )
    public = (tmp_path / "id_ed25519.pub").read_text().split()
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"ada@example.com {public[0]} {public[1]}\n")
    signed = sign_entry(ENTRY, key)
    assert signed.signature is not None
    assert signed.signature.startswith("-----BEGIN SSH SIGNATURE-----\n")
    text = entry_text(signed)
    assert text.startswith(TEXT + "signature: |\n  -----BEGIN SSH SIGNATURE-----\n")
    reloaded = parse_entry(text, NAME, expected_id=SITE)
    assert signature_problem(reloaded, signers) is None
    tampered = replace(reloaded, justification="something else")
    assert (signature_problem(tampered, signers) or "").startswith(
        "signature does not verify for ada@example.com"
    )
    stranger = replace(reloaded, reviewer="Eve <eve@example.com>")
    assert (signature_problem(stranger, signers) or "").startswith(
        "signature does not verify for eve@example.com"
    )
    assert signature_problem(ENTRY, signers) == "not signed"
    # A unit's entry signs its members too: one taken away breaks the signature.
    unit = parse_entry(entry_text(sign_entry(UNIT_ENTRY, key)), NAME, expected_id=SITE)
    assert signature_problem(unit, signers) is None
    assert unit.members is not None
    fewer = replace(unit, members=unit.members[:1])
    assert (signature_problem(fewer, signers) or "").startswith("signature does not verify")
