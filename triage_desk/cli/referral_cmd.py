"""`triage-desk referral list | export REF | import FILE` — the referral document on the command line."""

from __future__ import annotations

import json
import sys

from triage_desk.cli._common import add_user_options, opened
from triage_desk.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("referral", help="list, export and import referral documents",
                       description="List referrals, export one as JSON (the referral document) or import one.")
    rsub = p.add_subparsers(dest="referral_command", metavar="ACTION", required=True)
    ls = rsub.add_parser("list", parents=[common], help="list referrals, newest first")
    add_user_options(ls)
    ls.add_argument("--json", action="store_true", help="one JSON array of objects")
    ls.add_argument("--status", choices=("draft", "submitted", "decided", "closed"), help="only this status")
    ls.add_argument("--limit", type=int, default=50, metavar="N", help="at most N referrals (default 50)")
    ls.set_defaults(func=run_list)
    ex = rsub.add_parser("export", parents=[common], help="print one referral document as JSON")
    add_user_options(ex)
    ex.add_argument("ref", metavar="REF", help="reference (TD-YYYY-NNNNNN) or id")
    ex.add_argument("--out", metavar="FILE", help="write to FILE (created owner-only) instead of standard output")
    ex.set_defaults(func=run_export)
    im = rsub.add_parser("import", parents=[common], help="import a referral document (JSON file, or - for stdin)")
    add_user_options(im)
    im.add_argument("file", metavar="FILE")
    im.set_defaults(func=run_import)


def run_list(args) -> int:
    from triage_desk import accounts, audit
    from triage_desk.caselist import CaseFilters, fetch_page
    from triage_desk.intake import CASE_ROLES

    if not 1 <= args.limit <= 5000:
        raise InputError("--limit: must be between 1 and 5000")
    with opened(args, user=True, shared=True) as ws:
        accounts.require(ws.user, *CASE_ROLES)
        with ws.session() as s:
            rows, _ = fetch_page(s, CaseFilters(status=(args.status,) if args.status else ()), limit=args.limit)
            audit.record(s, ws.actor, "referral.list", "referral", None, rows=len(rows))
    items = [{"reference": r.reference, "subject": r.subject_name, "received_at": r.received_at.isoformat(
        timespec="minutes"), "status": r.status, "rag": r.rag, "referrer_agency": r.referrer_agency} for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for it in items:
        print(f"{it['reference']}  {it['received_at'].replace('T', ' ')}  {it['status']:<9}  {it['subject']}")
    if not items:
        print("no referrals")
    return 0


def run_export(args) -> int:
    from triage_desk.referral_io import export_text

    with opened(args, user=True, shared=True) as ws:
        text = export_text(ws, args.ref)
    if not args.out:
        sys.stdout.write(text)
        return 0
    import os

    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputError(f"--out: {args.out} already exists; choose a new file name") from None
    except OSError as exc:
        raise InputError(f"--out: cannot create {args.out} ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    print(f"Exported to {args.out} (not encrypted: keep it safe and delete it when done)", file=sys.stderr)
    return 0


def run_import(args) -> int:
    from triage_desk.forms.limits import MAX_BYTES
    from triage_desk.referral_io import import_text

    if args.file == "-":
        data, source = sys.stdin.buffer.read(MAX_BYTES + 1), "standard input"
    else:
        try:
            with open(args.file, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)  # more than the cap is refused unread
        except FileNotFoundError:
            raise InputError(f"{args.file}: file does not exist") from None
        except OSError as exc:
            raise InputError(f"{args.file}: cannot read ({exc.strerror})") from None
        source = args.file
    with opened(args, user=True) as ws:
        ref, what = import_text(ws, data, source)
    print(f"{ref}: {'imported' if what == 'imported' else 'already present, nothing changed'}")
    return 0
