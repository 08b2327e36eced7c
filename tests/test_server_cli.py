"""`triage-desk server init | join | import` against the real test server, and server trouble explained:
each problem its own message and exit code, and never a quiet switch to the local database."""

from __future__ import annotations

import uuid

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE
from pg_fixtures import APP, APP_PASSWORD, OWNER, OWNER_PASSWORD

from triage_desk.cli import main


@pytest.fixture
def empty_database(pg_server):
    """A new database with no schema yet, as IT hands it over (owned by the owner role)."""
    name = pg_server.create_database(template="template0")
    with pg_server.admin.cursor() as cur:
        cur.execute("SELECT 1")
    import psycopg

    with psycopg.connect(pg_server.socket_url("tdpg", name), autocommit=True) as conn:
        conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")
    yield name
    pg_server.drop_database(name)


@pytest.fixture
def secrets(tmp_path):
    files = {}
    for name, value in (("owner", OWNER_PASSWORD), ("app", APP_PASSWORD), ("admin", ADMIN_PASSWORD),
                        ("passphrase", PASSPHRASE)):
        files[name] = tmp_path / f"{name}.secret"
        files[name].write_text(value + "\n")
    return {k: str(v) for k, v in files.items()}


def _join(pg_server, database, secrets, data_dir, role=APP, **kw) -> int:
    url = kw.pop("url", None) or pg_server.socket_url(role, database)
    extra = [a for k, v in kw.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    return main(["server", "join", "--url", url, "--password-file", secrets["app"], "--data-dir", str(data_dir),
                 *extra])


def test_init_creates_the_schema_and_admin_then_a_workstation_joins(pg_server, empty_database, secrets, tmp_path,
                                                                    capsys):
    it = tmp_path / "it-pc"
    assert main(["server", "init", "--url", pg_server.socket_url(OWNER, empty_database), "--app-role", APP,
                 "--owner-password-file", secrets["owner"], "--admin", "boss", "--admin-password-file",
                 secrets["admin"], "--data-dir", str(it)]) == 0
    assert "administrator boss created" in capsys.readouterr().out
    desk = tmp_path / "desk"
    assert _join(pg_server, empty_database, secrets, desk) == 0
    out = capsys.readouterr().out
    assert "joined team server" in out and APP_PASSWORD not in out
    assert APP_PASSWORD not in (desk / "team-server.json").read_text()
    assert main(["audit", "verify", "--data-dir", str(desk)]) == 0
    assert "audit chain intact" in capsys.readouterr().out
    assert not (desk / "triage.db").exists()  # the workstation holds no local database in team mode
    assert main(["backup", "--data-dir", str(desk)]) == 4  # the server's backups are IT's, said plainly
    assert "IT backs up" in capsys.readouterr().err


def test_init_leaves_the_planner_fresh_statistics(pg_server, empty_database, secrets, tmp_path):
    """After `server init` creates or upgrades the schema the server has statistics for the new tables and
    indexes at once: a restarted server's autovacuum may not know they are due, and until it runs the planner
    costs new indexes from stale figures (person search at a million referrals: 14 ms, 5 ms once analysed)."""
    import psycopg

    assert main(["server", "init", "--url", pg_server.socket_url(OWNER, empty_database), "--app-role", APP,
                 "--owner-password-file", secrets["owner"], "--admin", "boss", "--admin-password-file",
                 secrets["admin"], "--data-dir", str(tmp_path / "it-pc")]) == 0
    with psycopg.connect(pg_server.socket_url("tdpg", empty_database), autocommit=True) as conn:
        never = conn.execute("SELECT relname FROM pg_stat_user_tables WHERE relname IN ('person', 'referral', "
                             "'decision', 'deadline') AND last_analyze IS NULL").fetchall()
    assert never == []


@pytest.mark.sqlite_only("the single-PC database is what moves onto the server")
def test_import_moves_a_single_pc_database_with_its_audit_chain(pg_server, empty_database, workspace, data_dir,
                                                               secrets, tmp_path, capsys):
    from intake_helpers import complete, subject

    from triage_desk import intake

    draft = complete(intake.new_draft(workspace), subject("Quillerby", "Anwen", "2016-04-04"),
                     received_at="2026-01-10T09:00")
    reference = intake.submit(workspace, draft)["reference"]
    workspace.close()
    move = ["server", "import", "--url", pg_server.socket_url(OWNER, empty_database), "--app-role", APP,
            "--owner-password-file", secrets["owner"], "--from-data-dir", str(data_dir),
            "--passphrase-file", secrets["passphrase"], "--user", "admin", "--password-file", secrets["admin"]]
    assert main(move) == 0
    assert "1 referrals" in capsys.readouterr().out
    desk = tmp_path / "desk"
    assert _join(pg_server, empty_database, secrets, desk) == 0
    assert main(["audit", "verify", "--data-dir", str(desk)]) == 0
    assert "audit chain intact" in capsys.readouterr().out
    from triage_desk.workspace import open_workspace

    ws = open_workspace(desk)
    try:
        with ws.session() as s:
            from sqlalchemy import select

            from triage_desk.models import Referral

            assert list(s.execute(select(Referral.reference)).scalars()) == [reference]
    finally:
        ws.close()
    # A second import would mix two chains: refused.
    assert main(move) == 4
    assert "already holds" in capsys.readouterr().err


def test_tls_with_the_servers_ca_is_accepted_and_a_wrong_certificate_refused(pg_server, pg_workspace, pg_database,
                                                                              secrets, tmp_path, capsys):
    url = pg_server.tls_url(APP, pg_database)
    assert _join(pg_server, pg_database, secrets, tmp_path / "good", url=url, ca_file=pg_server.ca_file) == 0
    capsys.readouterr()
    other = pg_server.ca_file.with_name("other-ca.crt")
    assert _join(pg_server, pg_database, secrets, tmp_path / "bad", url=url, ca_file=other) == 4
    err = capsys.readouterr().err
    assert "TLS certificate" in err and APP_PASSWORD not in err
    assert not (tmp_path / "bad" / "team-server.json").exists()


@pytest.mark.sqlite_only("a single-PC database beside a profile whose server is away")
def test_unreachable_server_is_named_and_never_replaced_by_the_local_database(workspace, data_dir, secrets,
                                                                             capsys):
    import json
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    workspace.close()
    (data_dir / "team-server.json").write_text(json.dumps({"url": f"postgresql://{APP}@127.0.0.1:{port}/triage"}))
    assert main(["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", secrets["passphrase"]]) == 4
    err = capsys.readouterr().err
    assert f"cannot reach the team server 127.0.0.1:{port}/triage" in err
    assert "local database is not used" in err


def test_expired_password_is_a_sign_in_failure_saying_so(pg_server, pg_workspace, pg_database, secrets, tmp_path,
                                                         capsys):
    role = f"td_expired_{uuid.uuid4().hex[:8]}"
    pg_server.admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{APP_PASSWORD}' VALID UNTIL '2001-01-01' "
                            f"IN ROLE {APP}")
    try:
        assert _join(pg_server, pg_database, secrets, tmp_path / "desk", role=role) == 6
    finally:
        pg_server.admin.execute(f"DROP ROLE {role}")
    err = capsys.readouterr().err
    assert "wrong or has expired" in err and APP_PASSWORD not in err


def test_a_schema_newer_than_the_app_is_refused(pg_server, pg_workspace, pg_database, secrets, tmp_path, capsys):
    import psycopg

    with psycopg.connect(pg_server.socket_url("tdpg", pg_database), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    assert _join(pg_server, pg_database, secrets, tmp_path / "desk") == 4
    assert "newer version of Triage Desk" in capsys.readouterr().err


def test_a_server_fixed_in_the_it_policy_file_is_what_the_workstation_opens(pg_server, pg_workspace, pg_database,
                                                                            tmp_path, monkeypatch, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text(f'team_server_url = "{pg_server.tls_url(APP, pg_database)}"\n'
                      f'team_server_ca_file = "{pg_server.ca_file}"\n'
                      f'team_server_password = "{APP_PASSWORD}"\n')
    monkeypatch.setenv("TRIAGE_DESK_POLICY_FILE", str(policy))
    desk = tmp_path / "desk"  # nothing joined here: the policy alone makes this a team workstation
    assert main(["audit", "verify", "--data-dir", str(desk)]) == 0  # with pg_workspace still signed in
    out = capsys.readouterr().out
    assert "audit chain intact" in out and "session still open" in out and APP_PASSWORD not in out
