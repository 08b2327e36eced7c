"""Sign-in, lock, unlock and sign-out as services: each checks who may do it, does it and records the audit
event in the same transaction. The GUI calls these through ui/operations.py; nothing here knows about Qt."""

from __future__ import annotations

from triage_desk import accounts, audit, audit_anchor
from triage_desk.errors import TriageError
from triage_desk.models import Role, User


def sign_in(ws, username: str, password: str):
    """Check the password (failures are counted and audited) and make the user the workspace's user."""
    with ws.session() as s:
        user = accounts.authenticate(s, username, password, action="login")
    ws.user = user
    return user


def record_first_run_sign_in(ws) -> None:
    """The administrator who just created the database is signed in by doing so."""
    user = accounts.require(ws.user, Role.ADMIN)
    with ws.session() as s:
        audit.record(s, user.username, "login", "user", user.username, via="first_run")


def lock(ws, reason: str) -> None:
    """The screen is locked (by the user or after idle time); the user stays signed in."""
    user = accounts.require(ws.user, *Role)
    with ws.session() as s:
        audit.record(s, user.username, "lock", "user", user.username, reason=reason)
    audit_anchor.checkpoint(ws, "lock")  # a signed chain head at every lock (issue 9)


def unlock(ws, locked_username: str, username: str, password: str):
    """Unlock as the locked user or, taking over, as an administrator. Returns the user who unlocked.

    Someone else is checked before the password, so a refused attempt never shows up as a successful
    "unlock" in the audit trail."""
    name = (username or "").strip().lower()
    if name != locked_username:
        with ws.session() as s:
            other = s.query(User).filter(User.username == name).one_or_none()
            refused = other is None or other.role != Role.ADMIN.value
            if refused:
                audit.record(s, None, "unlock.refused", "user", locked_username, attempted_by=name[:64])
        if refused:
            raise TriageError("only the signed-in user or an administrator can unlock this session")
    with ws.session() as s:
        return accounts.authenticate(s, name, password, action="unlock")


def sign_out(ws) -> None:
    """Record the sign-out and forget the user (nothing happens when nobody is signed in)."""
    user = ws.user
    if user is None:
        return
    with ws.session() as s:
        audit.record(s, user.username, "logout", "user", user.username)
    audit_anchor.sign_out(ws)  # signed checkpoint; the unsealed key leaves memory
    ws.user = None


def reload_user(ws):
    """The signed-in user as stored now (an administrator may have changed their own name or role)."""
    if ws.user is None:
        return None
    with ws.session() as s:
        ws.user = s.get(User, ws.user.id)
    return ws.user


def change_own_password(ws, current: str, new: str) -> None:
    with ws.session() as s:
        accounts.change_own_password(s, accounts.require(ws.user, *Role), current, new)
