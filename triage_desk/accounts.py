"""Users, roles, sign-in and the role checks every service relies on (never only the UI)."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage_desk import audit, audit_anchor, grants
from triage_desk.errors import AuthError, InputError, PermissionDenied
from triage_desk.models import Role, User, utcnow
from triage_desk.secretbox import KdfParams, check_password, hash_password

MIN_PASSWORD = 10
THROTTLE_AFTER = 5  # failed logins before the account is held back
THROTTLE_BASE = timedelta(seconds=30)
THROTTLE_MAX = timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


def check_username(username: str) -> None:
    if not _USERNAME.match(username or ""):
        raise InputError("user name: 2-32 characters, lower-case letters, digits, '.', '_' or '-', "
                         "starting with a letter")


def check_password_strength(password: str, field_name: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"{field_name}: must be at least {MIN_PASSWORD} characters")
    if len(set(password)) < 4:
        raise InputError(f"{field_name}: too repetitive")


def require(user: User | None, *roles: Role) -> User:
    """The role check used by every service that changes or reveals something restricted."""
    if user is None:
        raise PermissionDenied("sign in first")
    if Role(user.role) not in roles:
        names = " or ".join(("an " if r.label[0] in "AEIOU" else "a ") + r.label.lower() for r in roles)
        raise PermissionDenied(f"only {names} may do this (you are signed in as {Role(user.role).label.lower()})")
    return user


def _issue_signing_key(user: User, password: str) -> None:
    # Each account signs its decisions, approvals and bundles; the private half is sealed under its
    # password. The fresh private key stays on this in-memory object only (the signed-in session's).
    from triage_desk.bundle import signing  # loaded on first use: cryptography is slow to import

    private, record = signing.new_signing_key(password)
    user.signing_public_key = record.public_key
    user.signing_key_blob = record.blob
    user.signing_key = private


def _unseal_for_session(session: Session, user: User, password: str) -> None:
    """Sign-in: unseal the user's key into memory (never to disk) for signing statements and checkpoints."""
    from triage_desk.bundle import signing

    if user.signing_key_blob:
        user.signing_key = signing.unwrap_signing_key(user.signing_key_blob, password)


def _granted(session: Session, acting: User | None, target: User) -> None:
    """Record the target's role/state/key as signed by the acting administrator (grants.py)."""
    if acting is not None and grants.pinned(session) is not None:
        grants.grant(session, acting, target)


def create_user_unchecked(session: Session, username: str, display_name: str, role: Role, password: str,
                          *, actor: str | None, acting: User | None = None) -> User:
    """Create an account. With no administrator pinned yet and no other user (init), this first
    administrator's key is pinned and signs its own grant; otherwise `acting` signs the new grant."""
    check_username(username)
    if not display_name.strip():
        raise InputError("display name: required")
    check_password_strength(password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise InputError(f"user name: '{username}' is already taken")
    user = User(username=username, display_name=display_name.strip(), role=Role(role).value,
                password_hash=hash_password(password), active=True, created_at=utcnow(), failed_logins=0)
    _issue_signing_key(user, password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", username, role=Role(role).value)
    first = session.execute(select(func.count()).select_from(User)).scalar_one() == 1
    if first and user.role == Role.ADMIN.value and grants.pinned(session) is None:
        from triage_desk import audit_anchor

        fp = grants.pin_first_admin(session, user)
        audit.record(session, actor, "roles.pin", "user", username, pinned=fp)
        audit_anchor.use_signer(session, user)
        audit_anchor.write(session, user, "init")
    else:
        user.signing_key = None  # the creator never keeps the new user's key
        _granted(session, acting, user)
    return user


def create_user(session: Session, acting: User, username: str, display_name: str, role: Role,
                password: str) -> User:
    require(acting, Role.ADMIN)
    return create_user_unchecked(session, username, display_name, role, password, actor=acting.username,
                                 acting=acting)


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise InputError(f"user name: no user '{username}'")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def count_admins(session: Session) -> int:
    return session.execute(select(func.count()).select_from(User)
                           .where(User.role == Role.ADMIN.value, User.active.is_(True))).scalar_one()


def set_active(session: Session, acting: User, username: str, active: bool) -> User:
    require(acting, Role.ADMIN)
    user = get_user(session, username)
    if not active and user.role == Role.ADMIN.value and count_admins(session) <= 1:
        raise InputError("user: cannot disable the last active administrator")
    if not active and user.username == acting.username:
        raise InputError("user: you cannot disable your own account")
    user.active = active
    _granted(session, acting, user)
    audit.record(session, acting.username, "user.enable" if active else "user.disable", "user", username)
    return user


def reset_password(session: Session, acting: User, username: str, new_password: str) -> User:
    """Admin reset: the user's old signing key is replaced (its private half was sealed under the old
    password); bundles already signed stay verifiable through the trust list."""
    require(acting, Role.ADMIN)
    check_password_strength(new_password, "new password")
    user = get_user(session, username)
    if user.username == acting.username:  # a reset replaces the key this session is signing with
        raise InputError("user: change your own password with 'Change password' (it keeps your signing key)")
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    _issue_signing_key(user, new_password)
    user.signing_key = None  # the administrator never keeps another user's key
    _granted(session, acting, user)
    audit.record(session, acting.username, "user.password_reset", "user", username)
    return user


def set_role(session: Session, acting: User, username: str, role: Role) -> User:
    require(acting, Role.ADMIN)
    user = get_user(session, username)
    if user.role == Role.ADMIN.value and Role(role) != Role.ADMIN and count_admins(session) <= 1:
        raise InputError("role: cannot remove the last active administrator")
    user.role = Role(role).value
    _granted(session, acting, user)
    audit.record(session, acting.username, "user.role", "user", username, role=user.role)
    return user


def change_own_password(session: Session, user: User, old_password: str, new_password: str) -> User:
    db_user = session.get(User, user.id)
    if not check_password(old_password, db_user.password_hash):
        raise AuthError("current password is wrong")
    check_password_strength(new_password, "new password")
    db_user.password_hash = hash_password(new_password)
    if db_user.signing_key_blob:
        from triage_desk.bundle import signing

        db_user.signing_key_blob = signing.rewrap_signing_key(db_user.signing_key_blob, old_password, new_password)
    else:
        _issue_signing_key(db_user, new_password)
    audit.record(session, user.username, "user.password_change", "user", user.username)
    return db_user


def _held_until(failed: int, now: datetime) -> datetime | None:
    if failed < THROTTLE_AFTER:
        return None
    return now + min(THROTTLE_BASE * (2 ** (failed - THROTTLE_AFTER)), THROTTLE_MAX)


@lru_cache(maxsize=2)
def _dummy_hash_for(params: KdfParams) -> str:
    # Random salt and digest in the stored format: checking it costs one Argon2id, making it none.
    salt, digest = (base64.b64encode(secrets.token_bytes(n)).decode("ascii") for n in (16, 32))
    return f"argon2id${params.iterations}${params.memory_kib}${params.lanes}${salt}${digest}"


def _dummy_hash() -> str:
    """A hash at today's default cost, checked when no account matches (or it is held back)."""
    from triage_desk import secretbox

    return _dummy_hash_for(secretbox.DEFAULT_KDF)


def authenticate(session: Session, username: str, password: str, *, action: str = "login") -> User:
    """Check a password. Failures are counted and audited; after THROTTLE_AFTER failures the account
    is held back for a growing time. The message never says whether the user name exists."""
    now = utcnow()
    user = session.execute(select(User).where(User.username == (username or "").strip().lower())).scalar_one_or_none()
    if user is None:
        check_password(password or "", _dummy_hash())  # as slow as a real check: names cannot be probed
    if user is not None and user.locked_until and user.locked_until > now:
        check_password(password or "", _dummy_hash())
        wait = int((user.locked_until - now).total_seconds()) + 1
        audit.record(session, None, f"{action}.throttled", "user", user.username)
        session.commit()  # the failure is recorded even though the caller's unit of work fails
        raise AuthError(f"too many failed attempts: try again in {wait} seconds")
    if user is None or not check_password(password or "", user.password_hash):
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            user.locked_until = _held_until(user.failed_logins, now)
        audit.record(session, None, f"{action}.failed", "user", (username or "").strip().lower()[:64])
        session.commit()
        raise AuthError("wrong user name or password")
    if not user.active:
        audit.record(session, None, f"{action}.failed", "user", user.username, reason="disabled")
        session.commit()
        raise AuthError("this account is disabled: ask an administrator")
    refused = grants.problem(user, grants.replay(session))
    if refused:
        audit.record(session, None, f"{action}.failed", "user", user.username, reason="role not signed")
        session.commit()
        raise AuthError(f"{refused}: this account cannot sign in until an administrator sets its role again "
                        "in the app")
    user.failed_logins = 0
    user.locked_until = None
    if not user.signing_key_blob:  # accounts made before signing keys existed get one at next sign-in
        _issue_signing_key(user, password)
    else:
        _unseal_for_session(session, user, password)
    audit_anchor.use_signer(session, user)
    audit.record(session, user.username, action, "user", user.username)
    if user.role == Role.ADMIN.value:
        grants.adopt(session, user)  # an older database: pin this administrator, sign the table's roles
    return user
