"""The bundle's manifest: what is inside, hashed, as the exact bytes that get signed.

Format (version 1): a zip holding the members below plus `manifest.json` and `manifest.sig`. The
manifest lists every other member with its size and sha256; `manifest.sig` is the raw 64-byte Ed25519
signature of the exact bytes of `manifest.json`. See docs/bundle-format.md.
"""

from __future__ import annotations

import hashlib
import json

FORMAT = "triage-desk/case-bundle"
FORMAT_VERSION = 1
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
CASE, SUMMARY, AUDIT, SIGNER, SIGNER_PEM = "case.json", "summary.pdf", "audit.jsonl", "signer.json", "signer.pem"
MEMBERS = (CASE, SUMMARY, AUDIT, SIGNER, SIGNER_PEM)  # every member the manifest must list, in this order
ALL_NAMES = frozenset(MEMBERS + (MANIFEST, SIGNATURE))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def member_entry(path: str, data: bytes) -> dict:
    return {"path": path, "size": len(data), "sha256": sha256_hex(data)}


def canonical_bytes(manifest: dict) -> bytes:
    """Sorted keys, no spaces, UTF-8, trailing newline: the same manifest always gives the same bytes."""
    return (json.dumps(manifest, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def build(*, case: dict, created_at: str, created_by: dict, app_version: str, catalogue: dict | None,
          audit_head: str, signer_fingerprint: str, members: dict[str, bytes]) -> bytes:
    """The manifest bytes for the given member contents (path -> bytes, every name in MEMBERS)."""
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "case": case, "created_at": created_at, "created_by": created_by,
        "app": {"name": "Triage Desk", "version": app_version},
        "catalogue": catalogue, "audit_head": audit_head, "signer_fingerprint": signer_fingerprint,
        "members": [member_entry(path, members[path]) for path in MEMBERS],
    }
    return canonical_bytes(manifest)
