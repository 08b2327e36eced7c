"""The trust list: which bundle signers this workstation accepts (issue 5 point 4).

Keys of this database's own users are trusted implicitly; anyone else's is trusted only once a
practice lead or administrator has added its fingerprint, after confirming it with the signer by a
second channel (the fingerprint must be typed or pasted, not just accepted from the bundle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage_desk import accounts, audit
from triage_desk.bundle import signing
from triage_desk.errors import InputError
from triage_desk.models import Role, TrustedSigner, User, utcnow

TRUST_ROLES = (Role.LEAD, Role.ADMIN)


@dataclass(frozen=True)
class SignerInfo:
    fingerprint: str
    identity: str
    source: str  # "trust list" | "own user"
    added_by: str | None = None
    added_at: datetime | None = None
    note: str | None = None
    role: str | None = None  # "lead": approvals this signer countersigns are accepted on import


def add_signer(ws, public_key: bytes, identity: str, *, confirm_fingerprint: str,
               note: str | None = None, role: str | None = None) -> SignerInfo:
    """Trust a key. `confirm_fingerprint` is what the person confirmed with the signer; it must match.
    `role="lead"`: the signer is a practice lead (confirmed with their organisation), so approvals they
    countersign are accepted on import; any other signer's approvals stay "not proven"."""
    user = accounts.require(ws.user, *TRUST_ROLES)
    if role not in (None, Role.LEAD.value):
        raise InputError("role: a trusted signer is either a practice lead or has no role here")
    if not isinstance(public_key, bytes) or len(public_key) != 32:
        raise InputError("public key: must be 32 raw Ed25519 bytes")
    fp = signing.fingerprint(public_key)
    if signing.normalise_fingerprint(confirm_fingerprint) != fp:
        raise InputError("fingerprint: does not match the signer's key; nothing was added")
    identity = " ".join(str(identity or "").split())[:300] or "unnamed signer"
    with ws.session() as s:
        row = s.get(TrustedSigner, fp)
        if row is None:
            row = TrustedSigner(fingerprint=fp, public_key=public_key, identity=identity, note=note,
                                added_by=user.username, added_at=utcnow(), role=role)
            s.add(row)
            audit.record(s, user.username, "trust.add", "signer", fp, role=role)
        elif row.role != role:
            row.role = role
            audit.record(s, user.username, "trust.role", "signer", fp, role=role)
        return SignerInfo(fp, row.identity, "trust list", row.added_by, row.added_at, row.note, row.role)


def remove_signer(ws, fingerprint: str) -> None:
    user = accounts.require(ws.user, *TRUST_ROLES)
    fp = signing.normalise_fingerprint(fingerprint)
    with ws.session() as s:
        row = s.get(TrustedSigner, fp)
        if row is None:
            raise InputError(f"fingerprint: {fp[:16]}... is not on the trust list")
        s.delete(row)
        audit.record(s, user.username, "trust.remove", "signer", fp)


def list_signers(ws, *, include_own: bool = True) -> list[SignerInfo]:
    """The trust list, then (implicitly trusted) this database's users with a signing key."""
    with ws.session() as s:
        out = [SignerInfo(r.fingerprint, r.identity, "trust list", r.added_by, r.added_at, r.note, r.role)
               for r in s.execute(select(TrustedSigner).order_by(TrustedSigner.added_at)).scalars()]
        if include_own:
            for u in s.execute(select(User).where(User.signing_public_key.is_not(None))
                               .order_by(User.username)).scalars():
                out.append(SignerInfo(signing.fingerprint(u.signing_public_key),
                                      f"{u.display_name} ({u.role_enum.label}) - {u.username}", "own user"))
    return out


def own_public_key(ws, username: str) -> bytes:
    """A user's public key (to give to another workstation's trust list)."""
    with ws.session() as s:
        user = accounts.get_user(s, username)
        if not user.signing_public_key:
            raise InputError(f"user: {username} has no signing key yet (it is made at the next sign-in "
                             "or bundle export)")
        return user.signing_public_key
