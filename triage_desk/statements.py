"""Signed statements: what was decided, approved or granted, signed with its author's Ed25519 key.

A statement is a JSON object; its canonical form (sorted keys, no spaces, UTF-8) is exactly the bytes
that are signed and stored, so anyone can check it again with the signer's public key (see
docs/bundle-format.md). The signer's private key is unsealed at sign-in (accounts.authenticate) and
held only in memory on the signed-in user object, never written anywhere in clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from triage_desk.bundle import signing
from triage_desk.errors import AuthError

DECISION = "triage-desk/decision/v1"
APPROVAL = "triage-desk/approval/v1"
ROLE_GRANT = "triage-desk/role-grant/v1"
CHECKPOINT = "triage-desk/audit-checkpoint/v1"


def canonical(statement: dict[str, Any]) -> str:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(text: str) -> str:
    """sha256 hex of a statement's canonical text (what a countersignature names)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signed:
    text: str  # canonical JSON, exactly the signed bytes
    signature: bytes  # 64 raw Ed25519 bytes
    public_key: bytes  # 32 raw bytes

    @property
    def fingerprint(self) -> str:
        return signing.fingerprint(self.public_key)

    @property
    def body(self) -> dict:
        return json.loads(self.text)

    def valid(self) -> bool:
        return verify(self.text, self.signature, self.public_key)


def signing_key(user) -> Ed25519PrivateKey:
    """The signed-in user's unsealed key; a user object that did not come from signing in has none."""
    key = getattr(user, "signing_key", None)
    if key is None:
        raise AuthError("your signing key is not unlocked: sign out and sign in again to sign decisions")
    return key


def sign(private_key: Ed25519PrivateKey, statement: dict[str, Any]) -> Signed:
    text = canonical(statement)
    return Signed(text, private_key.sign(text.encode("utf-8")), signing.raw_public_key(private_key))


def verify(text: str | None, signature: bytes | None, public_key: bytes | None) -> bool:
    if not text or not signature or not public_key or len(public_key) != 32 or len(signature) != 64:
        return False
    return signing.verify_signature(bytes(public_key), bytes(signature), text.encode("utf-8"))


def signer(user, private_key: Ed25519PrivateKey) -> dict[str, str]:
    """Who signs: name, role and key fingerprint (kept inside the signed statement)."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "fingerprint": signing.fingerprint(signing.raw_public_key(private_key))}


def engine_hash(engine: dict) -> str:
    return hashlib.sha256(json.dumps(engine, sort_keys=True).encode("utf-8")).hexdigest()


def decision_statement(*, referral_id: str, reference: str, revision: int, previous: str | None, engine: dict,
                       final_level: int, final_outcomes, overridden: bool, direction: str,
                       rationale: str | None, nfa_reason: str | None, requires, approval: str, by: dict,
                       at: str) -> dict[str, Any]:
    """The decider's statement. `previous`: digest of the case's previous decision statement (or None)."""
    catalogue = engine.get("catalogue") if isinstance(engine.get("catalogue"), dict) else {}
    return {"type": DECISION, "referral_id": referral_id, "reference": reference, "revision": revision,
            "previous": previous, "engine_sha256": engine_hash(engine),
            "engine_level": engine.get("suggested_level"), "engine_outcomes": sorted(engine.get("outcomes") or []),
            "catalogue": {k: catalogue.get(k) for k in ("id", "version", "sha256")},
            "final_level": final_level, "final_outcomes": sorted(final_outcomes), "overridden": bool(overridden),
            "direction": direction, "rationale_sha256": digest(rationale) if rationale else None,
            "nfa_reason": nfa_reason, "requires": list(requires), "approval": approval, "by": by, "at": at}


def approval_statement(*, decision_text: str, referral_id: str, revision: int, approved: bool,
                       note: str | None, by: dict, at: str) -> dict[str, Any]:
    """The practice lead's countersignature: it names the exact decision statement it approves."""
    return {"type": APPROVAL, "decision_sha256": digest(decision_text), "referral_id": referral_id,
            "revision": revision, "outcome": "approved" if approved else "rejected",
            "note_sha256": digest(note) if note else None, "by": by, "at": at}


def describe(body: dict | None, public_key: bytes | None) -> str:
    """"Name (Role), key 1a2b 3c4d ..." in words for screens and PDFs (no ids)."""
    from triage_desk.models import Role

    by = body.get("by") if isinstance(body, dict) and isinstance(body.get("by"), dict) else {}
    try:
        role = Role(by.get("role")).label
    except ValueError:
        role = "unknown role"
    fp = signing.fingerprint(public_key) if public_key else by.get("fingerprint") or ""
    name = by.get("display_name") or by.get("username") or "unknown"
    return f"{name} ({role}), key {signing.display_fingerprint(fp[:16])}"


def unpack(part) -> Signed | None:
    """A {"statement", "signature", "public_key"} object (case.json, base64), or None when absent/damaged."""
    if not isinstance(part, dict):
        return None
    try:
        text, sig, key = part["statement"], base64.b64decode(part["signature"]), base64.b64decode(part["public_key"])
        if not isinstance(text, str) or len(key) != 32 or len(sig) != 64 or not isinstance(json.loads(text), dict):
            return None
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None
    return Signed(text, sig, key)


def signature_lines(section: dict) -> list[str]:
    """Who signed what, in words, from a `decision` section (case view, summary PDF, bundle report).
    These lines check the signatures only; whether a signer is trusted here is the importer's call."""
    decision, approval = unpack(section.get("signed")), unpack(section.get("approval_signed"))
    if decision is None:
        lines = ["Decision not signed (recorded before signed decisions existed)"]
    elif decision.valid():
        lines = ["Decision signed by " + describe(decision.body, decision.public_key)]
    else:
        lines = ["Decision signature DOES NOT MATCH the decision"]
    if approval is not None:
        body = approval.body
        what = "Approval" if body.get("outcome") == "approved" else "Rejection"
        ok = approval.valid() and decision is not None and body.get("decision_sha256") == digest(decision.text)
        lines.append(f"{what} countersigned by {describe(body, approval.public_key)}" if ok
                     else f"{what} countersignature DOES NOT MATCH the decision")
    if section.get("approval_claim"):
        lines.append(f"Approval not proven: {section['approval_claim']}")
    return lines
