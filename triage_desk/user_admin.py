"""The administrator's Users screen as services: one unit of work per action, role checked by accounts."""

from __future__ import annotations

from triage_desk import accounts
from triage_desk.errors import InputError
from triage_desk.models import Role


def list_users(ws) -> list[tuple[str, str, str, bool]]:
    """(username, display name, role, active) for every account, for the Users table."""
    accounts.require(ws.user, Role.ADMIN)
    with ws.session() as s:
        return [(u.username, u.display_name, u.role, u.active) for u in accounts.list_users(s)]


def _same(password: str, repeat: str) -> None:
    if password != repeat:
        raise InputError("repeat password: the two passwords differ")


def create_user(ws, username: str, display_name: str, role: str, password: str, repeat: str) -> None:
    _same(password, repeat)
    with ws.session() as s:
        accounts.create_user(s, ws.user, username.strip(), display_name, Role(role), password)


def reset_password(ws, username: str, password: str, repeat: str) -> None:
    _same(password, repeat)
    with ws.session() as s:
        accounts.reset_password(s, ws.user, username, password)


def set_role(ws, username: str, role: str) -> None:
    with ws.session() as s:
        accounts.set_role(s, ws.user, username, Role(role))


def set_active(ws, username: str, active: bool) -> None:
    with ws.session() as s:
        accounts.set_active(s, ws.user, username, active)
