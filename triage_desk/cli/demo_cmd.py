"""`triage-desk demo --data-dir DIR --referrals N`: fill a database with synthetic referrals.

An empty or missing DIR is initialised first with a clearly-demo administrator and passphrase (both
printed) so a one-liner works; never use such a directory for real cases.
"""

from __future__ import annotations

import sys

from triage_desk.cli._common import read_secret_file
from triage_desk.errors import InputError

DEMO_ADMIN = "demo"
DEMO_PASSWORD = "demo-password"  # printed: a demo database is never for real cases
DEMO_PASSPHRASE = "demo passphrase only"


def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="fill a database with synthetic demo referrals",
                       description="Add N synthetic referrals (invented people, households, repeat referrals, "
                                   "consent states, a spread of sources). An empty data directory is first set up "
                                   f"with the demo administrator '{DEMO_ADMIN}'; a demo officer and practice lead "
                                   "are added (sign-in details printed).")
    p.add_argument("--referrals", type=int, default=2000, metavar="N",
                   help="how many referrals to add (default 2000, as the app's --demo)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--user", metavar="NAME", help="an admin or practice lead of an existing database")
    p.add_argument("--password-file", metavar="P", help="file holding that user's password")
    p.set_defaults(func=run)


def _is_empty(path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def run(args) -> int:
    from triage_desk import accounts, demo, demo_accounts
    from triage_desk.cli._common import open_from_args
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import init_workspace

    if not 1 <= args.referrals <= 10_000_000:
        raise InputError("--referrals: must be between 1 and 10,000,000")
    data_dir = resolve_data_dir(args.data_dir)
    if _is_empty(data_dir):
        ws, code = init_workspace(data_dir, admin_username=DEMO_ADMIN, admin_display_name="Demo Administrator",
                                  admin_password=DEMO_PASSWORD, passphrase=DEMO_PASSPHRASE)
        print(f"Created a DEMO database in {data_dir} (synthetic data only - never use it for real cases):")
        print(f"    Administrator  user name: {DEMO_ADMIN:<14} password: {DEMO_PASSWORD}")
        print(f"    passphrase:    {DEMO_PASSPHRASE}    recovery code: {code}")
    else:
        if not args.user:
            raise InputError("--user: required to add demo data to an existing database (an admin or practice lead)")
        ws = open_from_args(args)
        try:
            password = (read_secret_file(args.password_file, "--password-file") if args.password_file
                        else None)
            if password is None:
                from triage_desk.cli._common import ask_secret

                password = ask_secret(f"Password for {args.user}: ", "--password-file")
            with ws.session() as s:
                ws.user = accounts.authenticate(s, args.user, password, action="cli.login")
        except BaseException:
            ws.close()
            raise
    try:
        def progress(done: int, total: int) -> None:
            print(f"  {done:,} / {total:,} referrals", file=sys.stderr, flush=True)
            if done == total:  # at a million the indexes, search index and summaries take a few minutes more
                print("  building the indexes, search index and figures...", file=sys.stderr, flush=True)

        found = demo_accounts.ensure_demo_accounts(ws)  # an officer and a practice lead to sign in as
        stats = demo.bulk_generate(ws, args.referrals, args.seed,
                                   progress=progress if args.referrals >= 50000 else None)
        stats["decisions"] = demo_accounts.add_demo_decisions(ws, seed=args.seed)
    finally:
        ws.close()
    print(f"Added {stats['referrals']:,} synthetic referrals ({stats['people']:,} people) in {stats['seconds']:.1f} s "
          f"({stats['per_second']:,} referrals/s); {stats['decisions']} recorded decisions")
    print(demo_accounts.demo_accounts_text(found))
    return 0
