"""Workstation settings kept in the encrypted `setting` table (e.g. the idle auto-lock minutes).

Reading is open to any signed-in code path; changing a setting is an administrator's action and is
audited with the old and new value (settings never hold personal data). A key the machine's IT policy
fixes (`policy.py`) reads as the policy's value and cannot be changed: policy > user setting > default.
"""

from __future__ import annotations

from triage_desk import accounts, audit, policy
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import Role, Setting

IDLE_LOCK_MINUTES = policy.IDLE_LOCK_MINUTES
DEFAULT_IDLE_LOCK_MINUTES = 5
TEAM_SERVER_PROFILE = policy.TEAM_SERVER_PROFILE  # carried for team mode (a later issue); IT may fix it


def locked_by_policy(key: str) -> bool:
    """True when the machine's IT policy fixes this setting (the settings dialog disables its field)."""
    return policy.current().locked(key)


def source_of(ws, key: str) -> str:
    """"policy", "user" or "default": where the value `get_value` returns comes from."""
    if locked_by_policy(key):
        return "policy"
    with ws.session() as s:
        return "user" if s.get(Setting, key) is not None else "default"


def get_value(ws, key: str, default: str | None = None) -> str | None:
    fixed = policy.current()
    if fixed.locked(key):
        return str(fixed.get(key))
    with ws.session() as s:
        row = s.get(Setting, key)
        return row.value if row is not None else default


def get_int(ws, key: str, default: int) -> int:
    """The setting as an int; a missing or unreadable value falls back to `default`."""
    raw = get_value(ws, key)
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def set_value(ws, acting_user, key: str, value: object) -> None:
    """Store a setting (administrators only); audited as `setting.change`."""
    accounts.require(acting_user, Role.ADMIN)
    fixed = policy.current()
    if fixed.locked(key):
        raise PermissionDenied(f"{policy.LABELS.get(key, 'this setting')}: set by your IT department "
                               f"(policy file {fixed.path}); it cannot be changed here")
    if not key or len(key) > 64:
        raise InputError("setting: the key must be 1-64 characters")
    text = str(value)
    with ws.session() as s:
        row = s.get(Setting, key)
        old = row.value if row is not None else None
        if row is None:
            s.add(Setting(key=key, value=text))
        else:
            row.value = text
        audit.record(s, acting_user.username, "setting.change", "setting", key, old=old, new=text)


def set_idle_lock_minutes(ws, acting_user, minutes: int) -> None:
    if not 1 <= int(minutes) <= 240:
        raise InputError("idle auto-lock: must be between 1 and 240 minutes")
    set_value(ws, acting_user, IDLE_LOCK_MINUTES, int(minutes))
