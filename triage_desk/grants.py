"""Signed role grants: a user's role, enabled state and signing key count only with an administrator's
signature (issue 9 point 4).

The first administrator's key fingerprint is pinned at `init` (printed with the recovery code, shown in
Help -> About, kept in the audit anchor file) so IT can compare it. Grants are replayed in order: the
first must be signed by the pinned key, every later one by a key that was an enabled administrator's at
that point. A `user` row that differs from its newest valid grant (e.g. `UPDATE user SET role='admin'`
through the database key) is refused at sign-in and named by `audit verify`.

Databases made before grants existed have no pin: the first administrator to sign in adopts the
table as it stands (signs a grant for every user) and is pinned; that is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage_desk import statements
from triage_desk.bundle import signing
from triage_desk.models import Role, RoleGrant, Setting, User, utcnow

PIN_SETTING = "admin_pin"


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds") + "Z"


def pinned(session: Session) -> str | None:
    row = session.get(Setting, PIN_SETTING)
    return row.value if row is not None else None


def key_fingerprint(user: User) -> str | None:
    return signing.fingerprint(user.signing_public_key) if user.signing_public_key else None


def grant(session: Session, acting: User, target: User) -> RoleGrant:
    """Sign "target has this role, state and key, from now" with the acting administrator's key."""
    key = statements.signing_key(acting)
    now = utcnow()
    body = {"type": statements.ROLE_GRANT, "username": target.username, "role": target.role,
            "active": bool(target.active), "key_fingerprint": key_fingerprint(target),
            "by": statements.signer(acting, key), "at": _iso(now)}
    signed = statements.sign(key, body)
    row = RoleGrant(username=target.username, role=target.role, active=bool(target.active),
                    key_fingerprint=body["key_fingerprint"], granted_by=acting.username, granted_at=now,
                    signer_key=signed.public_key, statement=signed.text, signature=signed.signature)
    session.add(row)
    session.flush()
    return row


def pin_first_admin(session: Session, admin: User) -> str:
    """Pin this administrator's key and sign their own grant first (init, or adopting an older database)."""
    fp = key_fingerprint(admin)
    session.merge(Setting(key=PIN_SETTING, value=fp))
    session.flush()
    grant(session, admin, admin)
    return fp


def adopt(session: Session, admin: User) -> bool:
    """An older database with no pin: pin this administrator and sign grants for the table as it stands."""
    from triage_desk import audit

    if pinned(session) is not None or admin.role != Role.ADMIN.value or admin.signing_public_key is None:
        return False
    fp = pin_first_admin(session, admin)
    for user in session.execute(select(User).where(User.id != admin.id).order_by(User.id)).scalars():
        grant(session, admin, user)
    audit.record(session, admin.username, "roles.adopt", "workspace", None, pinned=fp)
    return True


@dataclass
class GrantState:
    """The roles as the signed grants establish them, and what does not match."""

    pin: str | None
    current: dict[str, tuple[str, bool, str | None]] = field(default_factory=dict)  # username -> role, active, key
    history: dict[str, list[tuple[datetime, str, bool, str | None]]] = field(default_factory=dict)
    bad_grants: list[int] = field(default_factory=list)

    def at(self, username: str, when: datetime) -> tuple[str, bool, str | None] | None:
        """The user's granted role, state and key at `when` (None before their first grant)."""
        found = None
        for granted_at, role, active, key in self.history.get(username, []):
            if granted_at <= when:
                found = (role, active, key)
        return found


def _grant_ok(g: RoleGrant) -> bool:
    if not statements.verify(g.statement, g.signature, g.signer_key):
        return False
    body = json.loads(g.statement)
    return (body.get("type") == statements.ROLE_GRANT and body.get("username") == g.username
            and body.get("role") == g.role and body.get("active") == bool(g.active)
            and body.get("key_fingerprint") == g.key_fingerprint)


def replay(session: Session) -> GrantState:
    state = GrantState(pinned(session))
    for g in session.execute(select(RoleGrant).order_by(RoleGrant.id)).scalars():
        by = signing.fingerprint(g.signer_key) if g.signer_key else None
        admins = {k for role, active, k in state.current.values() if role == Role.ADMIN.value and active and k}
        authorised = by in admins or (not state.current and by == state.pin)
        if not (authorised and _grant_ok(g)):
            state.bad_grants.append(g.id)
            continue
        state.current[g.username] = (g.role, bool(g.active), g.key_fingerprint)
        state.history.setdefault(g.username, []).append((g.granted_at, g.role, bool(g.active), g.key_fingerprint))
    return state


def problem(user: User, state: GrantState) -> str | None:
    """Why this account's row is not backed by its signed grant (None: it is, or grants are not in force)."""
    if state.pin is None:
        return None
    granted = state.current.get(user.username)
    if granted is None:
        return f"user {user.username}: no administrator signed this account's role"
    role, active, key = granted
    if role != user.role:
        return (f"user {user.username}: the role was changed outside the app (stored as "
                f"{_label(user.role)}, signed by an administrator as {_label(role)})")
    if active != bool(user.active):
        return f"user {user.username}: enabled/disabled was changed outside the app"
    if key is not None and key != key_fingerprint(user):
        return f"user {user.username}: the signing key was replaced outside the app"
    return None


def _label(role: str) -> str:
    try:
        return Role(role).label.lower()
    except ValueError:
        return "an unknown role"


def problems(session: Session) -> list[str]:
    """Every account whose row differs from its signed grant, and every grant no administrator signed."""
    state = replay(session)
    out = [f"role grant {gid} is not signed by an administrator's key" for gid in state.bad_grants]
    for user in session.execute(select(User).order_by(User.username)).scalars():
        text = problem(user, state)
        if text:
            out.append(text)
    return out


def admin_fingerprint(ws) -> str | None:
    """The pinned first administrator's key fingerprint, grouped for reading aloud (Help -> About)."""
    with ws.session() as s:
        pin = pinned(s)
    return signing.display_fingerprint(pin) if pin else None
