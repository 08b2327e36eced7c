"""`triage-desk server init | join | import`: team mode on a PostgreSQL server (docs/team-server.md).

Passwords come from files (never the command line, never standard input unless it is a terminal) and
go to the OS keyring; URLs carrying a password are refused.
"""

from __future__ import annotations

from pathlib import Path

from triage_desk.cli._common import add_user_options, read_secret_file
from triage_desk.errors import InputError

DEFAULT_APP_ROLE = "triage_app"


def register(sub, common) -> None:
    p = sub.add_parser("server", parents=[common], help="team mode: set up, join or move onto a PostgreSQL server")
    ssub = p.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    i = ssub.add_parser("init", parents=[common], help="IT: create or upgrade the schema and the first admin",
                        description="Run as the database's owner role. Creates (or upgrades) the schema, grants "
                                    "the application role its privileges (audit events: insert only) and, on an "
                                    "empty server, the first administrator.")
    _server_options(i, owner=True)
    i.add_argument("--admin", metavar="NAME", required=True, help="user name of the first administrator")
    i.add_argument("--admin-display-name", metavar="TEXT", default=None, help="their name as shown (default: NAME)")
    i.add_argument("--admin-password-file", metavar="F", required=True, help="file holding their password")
    i.set_defaults(func=run_init)
    j = ssub.add_parser("join", parents=[common], help="connect this workstation to the team server",
                        description="Writes the connection profile into the data directory (no password in it) "
                                    "and keeps the application role's password in the OS keyring.")
    _server_options(j, owner=False)
    j.set_defaults(func=run_join)
    m = ssub.add_parser("import", parents=[common],
                        help="IT: move this single-PC database, audit chain and all, onto an empty server",
                        description="Opens the single-PC database (--from-data-dir), signs its audit chain as "
                                    "--user (an administrator), and copies every record onto the server.")
    _server_options(m, owner=True)
    m.add_argument("--from-data-dir", metavar="DIR", required=True, help="the single-PC data directory")
    add_user_options(m)
    m.set_defaults(func=run_import)


def _server_options(p, *, owner: bool) -> None:
    p.add_argument("--url", metavar="URL", required=True,
                   help="postgresql://ROLE@HOST[:PORT]/DATABASE?sslmode=verify-full (no password in it)")
    p.add_argument("--ca-file", metavar="F", help="the CA certificate that signed the server's TLS certificate")
    if owner:
        p.add_argument("--owner-password-file", metavar="F",
                       help="file holding the owner role's password (else libpq's own: ~/.pgpass, certificates)")
        p.add_argument("--app-role", metavar="ROLE", default=DEFAULT_APP_ROLE,
                       help=f"the role workstations connect as (default {DEFAULT_APP_ROLE})")
    else:
        p.add_argument("--password-file", metavar="F", help="file holding the application role's password")


def _profile(args):
    from triage_desk import server

    ca = getattr(args, "ca_file", None)
    if ca and not Path(ca).is_file():
        raise InputError(f"--ca-file: file {ca} does not exist")
    return server.Profile(server.check_url(args.url), str(Path(ca).resolve()) if ca else None, "--url")


def _owner_password(args) -> str | None:
    return read_secret_file(args.owner_password_file, "--owner-password-file") if args.owner_password_file else None


def run_init(args) -> int:
    from triage_desk import server_setup
    from triage_desk.paths import resolve_data_dir

    profile = _profile(args)
    password = read_secret_file(args.admin_password_file, "--admin-password-file")
    ws, created = server_setup.init_server(resolve_data_dir(getattr(args, "data_dir", None)), profile,
                                           owner_password=_owner_password(args), app_role=args.app_role,
                                           admin_username=args.admin,
                                           admin_display_name=args.admin_display_name or args.admin,
                                           admin_password=password)
    ws.close()
    if created:
        print(f"team server {profile.where} ready: schema created, role {args.app_role} may use it (audit events: "
              f"insert only), administrator {args.admin} created")
    else:
        print(f"team server {profile.where} upgraded to this version; its users were kept "
              f"(no administrator created)")
    return 0


def run_join(args) -> int:
    from triage_desk import server
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import open_server

    profile = _profile(args)
    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    password = read_secret_file(args.password_file, "--password-file") if args.password_file else None
    open_server(data_dir, profile, password=password).close()  # refuse a profile that does not work
    if password is not None:
        server.store_password(profile, password)
    path = server.save_profile(data_dir, profile)
    print(f"joined team server {profile.where} as role {profile.role}; profile {path} "
          "(the password is in the OS keyring)")
    return 0


def run_import(args) -> int:
    from triage_desk import server_setup
    from triage_desk.cli._common import open_from_args, sign_in

    profile = _profile(args)
    args.data_dir = args.from_data_dir
    source = open_from_args(args)
    try:
        sign_in(source, args)
        from triage_desk.accounts import require
        from triage_desk.models import Role

        require(source.user, Role.ADMIN)
        counts = server_setup.import_store(source, profile, owner_password=_owner_password(args),
                                           app_role=args.app_role)
    finally:
        source.close()
    print(f"moved onto team server {profile.where}: {counts.get('referral', 0)} referrals, "
          f"{counts.get('person', 0)} people, {counts.get('user', 0)} users, {counts.get('audit_event', 0)} audit "
          "events (the chain unchanged). Workstations now join with `triage-desk server join`")
    return 0
