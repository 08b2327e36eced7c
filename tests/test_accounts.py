"""Users, roles and sign-in as the service layer enforces them (not only the UI)."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from triage_desk import accounts
from triage_desk.errors import AuthError, InputError, PermissionDenied
from triage_desk.models import Role, User


def _login(ws, name, password=USER_PASSWORD):
    with ws.session() as s:
        return accounts.authenticate(s, name, password)


def test_passwords_are_stored_as_argon2id_hashes(workspace):
    with workspace.session() as s:
        user = accounts.get_user(s, "officer")
        assert user.password_hash.startswith("argon2id$")
        assert USER_PASSWORD not in user.password_hash


def test_officer_and_lead_cannot_manage_users(workspace):
    for name in ("officer", "lead"):
        acting = _login(workspace, name)
        with workspace.session() as s, pytest.raises(PermissionDenied, match="administrator"):
            accounts.create_user(s, acting, "newbie", "New Person", Role.OFFICER, "long enough pw")


def test_wrong_password_message_does_not_reveal_whether_user_exists(workspace):
    messages = []
    for name in ("officer", "nobody-here"):
        with pytest.raises(AuthError) as exc:
            _login(workspace, name, "wrong password!")
        messages.append(str(exc.value))
    assert messages[0] == messages[1] == "wrong user name or password"


def test_throttling_after_repeated_failures(workspace):
    for _ in range(accounts.THROTTLE_AFTER):
        with pytest.raises(AuthError, match="wrong"):
            _login(workspace, "officer", "wrong password!")
    # Even the right password is held back for a while now.
    with pytest.raises(AuthError, match="try again in"):
        _login(workspace, "officer")


def test_disable_enable_and_reset(workspace):
    admin = workspace.user
    with workspace.session() as s:
        accounts.set_active(s, admin, "officer", False)
    with pytest.raises(AuthError, match="disabled"):
        _login(workspace, "officer")
    with workspace.session() as s:
        accounts.set_active(s, admin, "officer", True)
        accounts.reset_password(s, admin, "officer", "a fresh password")
    assert _login(workspace, "officer", "a fresh password").username == "officer"


def test_last_admin_is_protected(workspace):
    with workspace.session() as s, pytest.raises(InputError, match="administrator"):
        accounts.set_role(s, workspace.user, "admin", Role.OFFICER)
    with workspace.session() as s, pytest.raises(InputError, match="last active administrator|own account"):
        accounts.set_active(s, workspace.user, "admin", False)


@pytest.mark.parametrize("name", ["", "A", "has space", "Upper", "x" * 40, "1abc"])
def test_bad_user_names_are_refused_naming_the_field(workspace, name):
    with workspace.session() as s, pytest.raises(InputError, match="user name"):
        accounts.create_user(s, workspace.user, name, "Someone", Role.OFFICER, "long enough pw")


def test_short_password_refused(workspace):
    with workspace.session() as s, pytest.raises(InputError, match="password: must be at least"):
        accounts.create_user(s, workspace.user, "shorty", "Someone", Role.OFFICER, "short")


def test_change_own_password(workspace):
    officer = _login(workspace, "officer")
    with workspace.session() as s, pytest.raises(AuthError):
        accounts.change_own_password(s, officer, "not my password", "new password 123")
    with workspace.session() as s:
        accounts.change_own_password(s, officer, USER_PASSWORD, "new password 123")
    assert _login(workspace, "officer", "new password 123").username == "officer"
    assert _login(workspace, "admin", ADMIN_PASSWORD).username == "admin"
    with workspace.session() as s:
        assert s.query(User).count() == 3
