"""Team mode: the same models and services on a shared PostgreSQL server (docs/team-server.md).

A workstation joins with a connection profile: `<data dir>/team-server.json` (written by
`triage-desk server join`) or the machine-wide policy file's `team_server_url` / `team_server_ca_file`.
The profile holds no secret: the connection password lives in the OS keyring (or, where IT chooses, the
policy file's `team_server_password`). Once a profile exists the workstation opens the server and only the
server: any trouble reaching it is an error naming the problem, never a quiet switch to a local database.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from triage_desk.errors import AuthError, InputError, StoreError
from triage_desk.paths import TEAM_SERVER_FILE

PROFILE_FILE = TEAM_SERVER_FILE
KEYRING_SERVICE = "triage-desk team server"
CONNECT_TIMEOUT_S = 5
APP_ROLE_SETTING = "server.app_role"


@dataclass(frozen=True)
class Profile:
    """Where the team server is: a postgresql:// URL without password, and the CA that signs its certificate."""

    url: str
    ca_file: str | None = None
    source: str = ""  # the profile file or policy file it came from (named in messages)

    @property
    def parts(self):
        return urlsplit(self.url)

    @property
    def role(self) -> str:
        return self.parts.username or os.environ.get("PGUSER") or ""

    @property
    def where(self) -> str:
        """host:port/database for messages (never a password)."""
        p = self.parts
        query = dict(parse_qsl(p.query))
        host = p.hostname or query.get("host") or "localhost"
        port = p.port or query.get("port") or 5432
        return f"{host}:{port}/{p.path.lstrip('/') or self.role}"

    @property
    def keyring_user(self) -> str:
        return f"{self.role}@{self.where}"


def check_url(url: str, option: str = "--url") -> str:
    """A postgresql:// URL without an embedded password (passwords go to the keyring or a file)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres"):
        raise InputError(f"{option}: must start with postgresql:// (for example "
                         "postgresql://triage_app@db.council.local/triage?sslmode=verify-full)")
    if parts.password:
        raise InputError(f"{option}: must not contain a password (give it with --password-file; it is kept "
                         "in the OS keyring)")
    if not parts.path.strip("/"):
        raise InputError(f"{option}: names no database (add /DATABASE after the host)")
    return urlunsplit(parts._replace(scheme="postgresql"))


# ---- the profile -------------------------------------------------------------------------------------------
def joined(data_dir: Path) -> bool:
    """Cheap: is this workstation in team mode (a profile file, or a server fixed by IT policy)?"""
    from triage_desk import policy

    return (Path(data_dir) / TEAM_SERVER_FILE).exists() or bool(policy.current().get(policy.TEAM_SERVER_URL))


def load_profile(data_dir: Path) -> Profile | None:
    """The workstation's profile: the policy file's wins over the data directory's; None in single-PC mode."""
    from triage_desk import policy

    fixed = policy.current()
    url = fixed.get(policy.TEAM_SERVER_URL)
    if url:
        return Profile(check_url(str(url), f"policy file {fixed.path}: team_server_url"),
                       fixed.get(policy.TEAM_SERVER_CA_FILE), f"policy file {fixed.path}")
    path = Path(data_dir) / PROFILE_FILE
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text("utf-8"))
        return Profile(check_url(doc["url"], f"profile {path}: url"), doc.get("ca_file"), f"profile {path}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"team server profile {path} cannot be read ({exc.__class__.__name__}); run "
                         "`triage-desk server join` again") from None


def save_profile(data_dir: Path, profile: Profile) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / PROFILE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"url": profile.url, "ca_file": profile.ca_file}, indent=2) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def stored_password(profile: Profile) -> str | None:
    """The connection password: the policy file's, else the OS keyring's; None lets libpq use its own
    (a ~/.pgpass file, a client certificate, Kerberos)."""
    import keyring
    import keyring.errors

    from triage_desk import policy

    fixed = policy.current().get(policy.TEAM_SERVER_PASSWORD)
    if fixed:
        return str(fixed)
    try:
        return keyring.get_password(KEYRING_SERVICE, profile.keyring_user)
    except keyring.errors.KeyringError:
        return None


def store_password(profile: Profile, password: str) -> None:
    import keyring
    import keyring.errors

    try:
        keyring.set_password(KEYRING_SERVICE, profile.keyring_user, password)
    except keyring.errors.KeyringError:
        raise StoreError("this workstation has no usable OS keyring for the team server password: ask IT to put "
                         "it in the policy file (team_server_password) instead") from None


# ---- connecting ------------------------------------------------------------------------------------------------
def make_engine(profile: Profile, password: str | None = None, **kwargs):
    """SQLAlchemy engine over psycopg 3; the password travels in connect_args, never in the URL."""
    from sqlalchemy import create_engine

    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "triage-desk"}
    if password is not None:
        connect_args["password"] = password
    if profile.ca_file:
        if not Path(profile.ca_file).is_file():
            raise StoreError(f"the team server's CA certificate file {profile.ca_file} does not exist "
                             f"({profile.source or 'profile'})")
        connect_args["sslrootcert"] = str(profile.ca_file)
    url = urlunsplit(profile.parts._replace(scheme="postgresql+psycopg"))
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, **kwargs)


def explain(exc: BaseException, profile: Profile) -> Exception | None:
    """A message a person can act on for a connection failure (AuthError, exit 6, or StoreError, exit 4)."""
    raw = str(getattr(exc, "orig", None) or exc).lower()
    where = profile.where
    if "password authentication failed" in raw or "no password supplied" in raw:
        return AuthError(f"the team server {where} refused the sign-in of database role {profile.role}: its password "
                         "is wrong or has expired. Ask IT for the current one and run `triage-desk server join` "
                         "again")
    if "certificate" in raw or "ssl" in raw or "tls" in raw:
        return StoreError(f"the team server {where} did not show a TLS certificate this workstation trusts (wrong "
                          f"certificate, wrong host name or wrong CA file {profile.ca_file or '(none)'}); nothing "
                          "was sent. Ask IT for the server's CA certificate")
    if "does not exist" in raw and "database" in raw:
        return StoreError(f"the team server has no database {where}: check the URL with IT")
    if "permission denied" in raw:
        return StoreError(f"database role {profile.role} may not use {where}: ask IT to grant it the "
                          "application role (docs/team-server.md)")
    if any(w in raw for w in ("connection refused", "could not connect", "timeout", "translate host name",
                              "no such file", "network is unreachable", "server closed the connection",
                              "connection to server")):
        return StoreError(f"cannot reach the team server {where}: it is down or the network is out. Nothing was "
                          "changed; try again when it is back (the local database is not used in team mode)")
    return None


def connect_checked(profile: Profile, password: str | None, *, owner: bool = False):
    """An engine whose first connection worked and whose schema this app understands."""
    engine = make_engine(profile, password)
    try:
        with engine.connect() as conn:
            if not owner:
                check_schema(conn)
    except BaseException as exc:
        engine.dispose()
        raise (explain(exc, profile) or exc) from None
    return engine


def check_schema(conn) -> None:
    """Refuse a schema this app does not know (newer app elsewhere) or has not yet been upgraded."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text

    from triage_desk.db import MIGRATIONS_DIR

    if not inspect(conn).has_table("alembic_version"):
        raise StoreError("the team server's database is empty: IT sets it up with `triage-desk server init`")
    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    if current == head:
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise StoreError("the team server's database was set up by a newer version of Triage Desk than this "
                         "one: install the version your IT department has rolled out (nothing was changed)")
    raise StoreError("the team server's database is older than this version of Triage Desk: IT upgrades it with "
                     "`triage-desk server init` (nothing was changed)")


class ServerLock:
    """Team mode has no instance lock: every workstation writes, PostgreSQL serialises them."""

    held = True

    def release(self) -> None:
        pass


@dataclass(frozen=True)
class ServerIdentity:
    """What stands in for the key file: the server database's id (named on signed exports)."""

    db_id: str
