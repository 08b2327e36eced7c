"""`triage-desk user ...`: administrators manage accounts without a screen."""

from __future__ import annotations

from triage_desk.cli._common import add_user_options, ask_secret, opened, read_secret_file

ROLES = ("officer", "lead", "admin")


def register(sub, common) -> None:
    p = sub.add_parser("user", parents=[common], help="add, list, disable, enable users; reset passwords")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    ls = usub.add_parser("list", parents=[common], help="list users and their roles")
    add_user_options(ls)
    ls.set_defaults(func=list_users)

    add = usub.add_parser("add", parents=[common], help="add a user (administrators only)")
    add_user_options(add)
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--display-name", metavar="TEXT", required=True)
    add.add_argument("--new-password-file", metavar="F", help="file holding the new user's first password")
    add.set_defaults(func=add_user)

    for name, active in (("disable", False), ("enable", True)):
        q = usub.add_parser(name, parents=[common], help=f"{name} an account (administrators only)")
        add_user_options(q)
        q.add_argument("username")
        q.set_defaults(func=set_active, active=active)

    r = usub.add_parser("reset-password", parents=[common], help="set a new password (administrators only)")
    add_user_options(r)
    r.add_argument("username")
    r.add_argument("--new-password-file", metavar="F")
    r.set_defaults(func=reset_password)

    role = usub.add_parser("set-role", parents=[common], help="change a user's role (administrators only)")
    add_user_options(role)
    role.add_argument("username")
    role.add_argument("--role", choices=ROLES, required=True)
    role.set_defaults(func=set_role)

    team = usub.add_parser("set-team", parents=[common], help="record a user's team, for the measures' team filter "
                                                              "(administrators only)")
    add_user_options(team)
    team.add_argument("username")
    team.add_argument("--team", required=True, help="the team's name; empty to clear")
    team.set_defaults(func=set_team)


def _new_password(args) -> str:
    if args.new_password_file:
        return read_secret_file(args.new_password_file, "--new-password-file")
    return ask_secret(f"New password for {args.username}: ", "--new-password-file")


def list_users(args) -> int:
    from triage_desk import accounts
    from triage_desk.models import Role

    with opened(args, user=True, shared=True) as ws, ws.session() as s:
        for u in accounts.list_users(s):
            state = "active" if u.active else "disabled"
            print(f"{u.username:<20} {Role(u.role).label:<20} {state:<9} {u.display_name}")
    return 0


def add_user(args) -> int:
    from triage_desk import accounts
    from triage_desk.models import Role

    password = _new_password(args)
    with opened(args, user=True) as ws, ws.session() as s:
        accounts.create_user(s, ws.user, args.username, args.display_name, Role(args.role), password)
    print(f"added {args.username} ({Role(args.role).label})")
    return 0


def set_active(args) -> int:
    from triage_desk import accounts

    with opened(args, user=True) as ws, ws.session() as s:
        accounts.set_active(s, ws.user, args.username, args.active)
    print(f"{args.username} {'enabled' if args.active else 'disabled'}")
    return 0


def reset_password(args) -> int:
    from triage_desk import accounts

    password = _new_password(args)
    with opened(args, user=True) as ws, ws.session() as s:
        accounts.reset_password(s, ws.user, args.username, password)
    print(f"password reset for {args.username}")
    return 0


def set_role(args) -> int:
    from triage_desk import accounts
    from triage_desk.models import Role

    with opened(args, user=True) as ws, ws.session() as s:
        accounts.set_role(s, ws.user, args.username, Role(args.role))
    print(f"{args.username} is now {Role(args.role).label}")
    return 0


def set_team(args) -> int:
    from triage_desk import measures_export

    with opened(args, user=True) as ws:
        measures_export.set_team(ws, args.username, args.team)
    print(f"{args.username}: team {args.team.strip() or 'cleared'}")
    return 0
