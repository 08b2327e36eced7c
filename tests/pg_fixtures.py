"""PostgreSQL fixtures: the throwaway server `.ci/run` starts (URL in TRIAGE_DESK_TEST_PG, see .ci/pg-server).

A template database (`server init` done, users admin/officer/lead) is built once per schema version (under
an advisory lock, so parallel workers build it once); each test gets its own `CREATE DATABASE … TEMPLATE`
copy, dropped afterwards.
Workstations connect as the application role `td_app` (INSERT-only on the audit table); IT's owner role
is `td_owner`. Without a server the tests skip, saying why; with CI=true they fail instead.

Every service test that takes `workspace` (or `workspace_from`) runs on both stores by default, ids
`[sqlite]` and `[pg]` (conftest's `store` fixture, parametrised in pytest_generate_tests); UI tests and tests
marked `@pytest.mark.sqlite_only("reason")` run on SQLCipher only. On the server the test's `data_dir` is a
joined workstation (profile file there, the application role's password in the test's keyring), so
in-process CLI commands given `--data-dir` reach the same server database.

`STORES`/`on_store` (a module's own `workspace` override with `params=STORES`) still work: such a module
chooses its stores itself and is not parametrised again.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

PG_ENV = "TRIAGE_DESK_TEST_PG"
OWNER, OWNER_PASSWORD = "td_owner", "owner-password-1"
APP, APP_PASSWORD = "td_app", "app-password-1"
STORES = ("sqlcipher", "postgresql")  # a module's own choice (on_store)
STORE_IDS = ("sqlite", "pg")  # the `store` fixture's parameters (conftest)
_BUILD_LOCK = 150015  # advisory lock id: one worker builds the template, the others wait for it


def _unavailable(why: str):
    message = f"PostgreSQL tests need a server: {why} (.ci/run starts one; see .ci/pg-server)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _schema_stamp() -> str:
    """Changes whenever a migration (or this file) changes, so a stale template is never reused."""
    from triage_desk.db import MIGRATIONS_DIR

    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")) + [Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _connect(url: str, password: str | None = None):
    import psycopg

    return psycopg.connect(url, password=password, autocommit=True, connect_timeout=5)


class PgServer:
    """The superuser's connection to the test cluster and what a test needs to reach it."""

    def __init__(self, url: str):
        self.url = url
        query = dict(parse_qsl(urlsplit(url).query))
        self.host, self.port = query.get("host", "localhost"), query.get("port", "5432")
        self.admin = _connect(url)
        self.template = f"td_template_{_schema_stamp()}"
        self._ahead = None  # the next test's database, being copied (fresh_database)

    @property
    def ca_file(self) -> Path:
        """The CA that signed the server's TLS certificate (written by .ci/pg-server)."""
        return Path(self.host) / "ca.crt"

    def socket_url(self, role: str, database: str) -> str:
        return f"postgresql://{role}@/{database}?host={self.host}&port={self.port}"

    def tls_url(self, role: str, database: str) -> str:
        return f"postgresql://{role}@localhost:{self.port}/{database}?sslmode=verify-full"

    def create_database(self, template: str | None = None) -> str:
        name = f"td_test_{uuid.uuid4().hex[:12]}"
        # FILE_COPY: a small template copies faster than PostgreSQL 15's default WAL_LOG strategy
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template or self.template}" OWNER {OWNER} '
                           "STRATEGY FILE_COPY")
        return name

    def fresh_database(self) -> str:
        """A copy of the template, made while the previous test ran: CREATE DATABASE waits on the server
        (a checkpoint, a file copy), which overlaps this process's own work on the test before."""
        from concurrent.futures import ThreadPoolExecutor

        if self._ahead is None:
            self._maker = ThreadPoolExecutor(1, thread_name_prefix="pg-template-copy")
            self._maker_conn = _connect(self.url)
            name = self.create_database()
        else:
            name = self._ahead.result()
        self._ahead = self._maker.submit(self._copy_ahead)
        return name

    def _copy_ahead(self) -> str:
        name = f"td_test_{uuid.uuid4().hex[:12]}"
        self._maker_conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" OWNER {OWNER} '
                                 "STRATEGY FILE_COPY")
        return name

    def close(self) -> None:
        if self._ahead is not None:
            self.drop_database(self._ahead.result())
            self._maker.shutdown()
            self._maker_conn.close()
        self.admin.close()

    def drop_database(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def build_template(self) -> None:
        self.admin.execute("SELECT pg_advisory_lock(%s)", (_BUILD_LOCK,))
        try:
            for role, password in ((OWNER, OWNER_PASSWORD), (APP, APP_PASSWORD)):
                if not self.admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    self.admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
            if self.admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.template,)).fetchone():
                return
            building = f"{self.template}_building"
            self.admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            self.admin.execute(f'CREATE DATABASE "{building}" OWNER {OWNER} TEMPLATE template0')
            with _connect(self.socket_url("tdpg", building)) as conn:
                conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")  # as IT does (docs/team-server.md)
            _seed(self.socket_url(OWNER, building))
            self.admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{self.template}"')
        finally:
            self.admin.execute("SELECT pg_advisory_unlock(%s)", (_BUILD_LOCK,))


def _seed(url: str) -> None:
    """`server init` with the admin, plus an officer and a lead: what every team-server test starts from
    (built once; passwords hashed at test strength, as conftest's fast_kdf does)."""
    from conftest import ADMIN_PASSWORD, USER_PASSWORD

    from triage_desk import accounts, secretbox, server, server_setup
    from triage_desk.models import Role

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(secretbox, "DEFAULT_KDF", secretbox.KdfParams(iterations=1, memory_kib=1024, lanes=1))
        ws, _ = server_setup.init_server(Path(os.devnull), server.Profile(url), owner_password=OWNER_PASSWORD,
                                         app_role=APP, admin_username="admin", admin_display_name="Test Admin",
                                         admin_password=ADMIN_PASSWORD)
        try:
            with ws.session() as s:
                accounts.create_user(s, ws.user, "officer", "Test Officer", Role.OFFICER, USER_PASSWORD)
                accounts.create_user(s, ws.user, "lead", "Test Lead", Role.LEAD, USER_PASSWORD)
        finally:
            ws.close()


@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get(PG_ENV)
    if not url:
        _unavailable(f"{PG_ENV} is not set")
    try:
        srv = PgServer(url)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is the reason printed
        _unavailable(f"cannot connect to {PG_ENV} ({exc.__class__.__name__}: {str(exc).strip()[:200]})")
    srv.build_template()
    yield srv
    while _BUILT_DATABASES:
        srv.drop_database(_BUILT_DATABASES.popitem()[1])
    srv.close()


@pytest.fixture
def pg_database(pg_server):
    """A fresh migrated database (from the template), dropped after the test."""
    name = pg_server.fresh_database()
    yield name
    pg_server.drop_database(name)


@pytest.fixture
def pg_profile(pg_server, pg_database):
    """The workstation's profile: the application role over the Unix socket."""
    from triage_desk import server

    return server.Profile(pg_server.socket_url(APP, pg_database))


@pytest.fixture
def pg_workspace(pg_database, pg_profile, tmp_path):
    """A team-server workspace signed in as admin 'admin' (+ 'officer', 'lead'), as the application role."""
    from conftest import ADMIN_PASSWORD

    from triage_desk import accounts
    from triage_desk.workspace import open_server

    ws = open_server(tmp_path / "workstation", pg_profile, password=APP_PASSWORD)
    with ws.session() as s:
        ws.user = accounts.authenticate(s, "admin", ADMIN_PASSWORD, action="test.login")
    yield ws
    ws.close()


def _join(srv: PgServer, database: str, data_dir: Path):
    """What `server join` + signing in as admin leave on a workstation whose data folder is `data_dir`."""
    from conftest import ADMIN_PASSWORD

    from triage_desk import accounts, server
    from triage_desk.workspace import open_workspace

    profile = server.Profile(srv.socket_url(APP, database))
    server.save_profile(data_dir, profile)
    server.store_password(profile, APP_PASSWORD)
    ws = open_workspace(data_dir)
    try:
        with ws.session() as s:
            ws.user = accounts.authenticate(s, "admin", ADMIN_PASSWORD, action="test.login")
    except BaseException:
        ws.close()
        raise
    return ws


def join_copy(request, data_dir: Path, template: str | None = None):
    """A fresh server database (a copy of the migrated template, or of `template`), joined from `data_dir`
    and signed in as admin; closed and dropped when `request` ends (so the caller does not close it)."""
    srv = request.getfixturevalue("pg_server")
    name = srv.create_database(template) if template else srv.fresh_database()
    request.addfinalizer(lambda: srv.drop_database(name))
    ws = _join(srv, name, data_dir)
    request.addfinalizer(ws.close)  # runs first: finalisers run last-in, first-out
    return ws


_BUILT_DATABASES: dict[str, str] = {}  # workspace_from's server templates in this test process, by name


def built_copy(request, data_dir: Path, name: str, build):
    """`workspace_from` on the server: `build(ws)` once per process into its own database (dropped when the
    session ends), then a copy of it per test."""
    srv = request.getfixturevalue("pg_server")
    if name not in _BUILT_DATABASES:
        template = srv.create_database()
        ws = _join(srv, template, data_dir.parent / f"building-{name}")
        try:
            build(ws)
        finally:
            ws.engine.dispose()  # no close-time checkpoint: a copy holds exactly what the build left
        _BUILT_DATABASES[name] = template
    return join_copy(request, data_dir, _BUILT_DATABASES[name])


def on_store(request, sqlcipher_workspace):
    """The workspace for this test's store parameter: the SQLCipher one given, or a team-server one."""
    if request.param == "sqlcipher":
        return sqlcipher_workspace
    return request.getfixturevalue("pg_workspace")


def tamper_engine(ws):
    """Who can rewrite the audit table: on SQLCipher anyone with the key (dropping the triggers); on the
    server only its superuser, past the triggers (session_replication_role) and the app role's grants."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.pool import NullPool

    if ws.engine.dialect.name == "sqlite":
        with ws.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        return ws.engine
    parts = urlsplit(os.environ[PG_ENV])
    engine = create_engine(parts._replace(scheme="postgresql+psycopg", path=f"/{ws.engine.url.database}").geturl(),
                           poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _past_triggers(dbapi_conn, _record):
        dbapi_conn.autocommit = True
        dbapi_conn.execute("SET session_replication_role = replica")
        dbapi_conn.autocommit = False

    return engine
