"""`triage-desk strategy record | minutes | pack | packs` — strategy discussion records and their PDFs."""

from __future__ import annotations

import sys

from triage_desk.cli._common import add_user_options, opened
from triage_desk.cli.case_cmd import write_private


def register(sub, common) -> None:
    p = sub.add_parser("strategy", help="strategy discussion records, minutes and redacted agency packs",
                       description="Record a strategy discussion from a JSON file, print its minutes, or make "
                                   "the redacted pack for one attending agency.")
    ssub = p.add_subparsers(dest="strategy_command", metavar="ACTION", required=True)
    rec = ssub.add_parser("record", parents=[common], help="record the discussion from a minutes JSON file")
    add_user_options(rec)
    rec.add_argument("ref", metavar="REF")
    rec.add_argument("--file", required=True, metavar="minutes.json", help="the minutes (see docs/after-decision.md)")
    rec.set_defaults(func=run_record)
    mins = ssub.add_parser("minutes", parents=[common], help="the full minutes PDF (children's social care)")
    add_user_options(mins)
    mins.add_argument("ref", metavar="REF")
    mins.add_argument("--out", required=True, metavar="FILE.pdf", help="new file, created owner-only")
    mins.add_argument("--circulated", action="store_true", help="the minutes are being sent out now")
    mins.set_defaults(func=run_minutes)
    pack = ssub.add_parser("pack", parents=[common], help="the redacted pack for one attending agency")
    add_user_options(pack)
    pack.add_argument("ref", metavar="REF")
    pack.add_argument("--agency", required=True, help="the agency's partner id (as in the minutes)")
    pack.add_argument("--out", required=True, metavar="FILE.pdf", help="new file, created owner-only")
    pack.set_defaults(func=run_pack)
    packs = ssub.add_parser("packs", parents=[common], help="every attending agency's redacted pack, one PDF each")
    add_user_options(packs)
    packs.add_argument("ref", metavar="REF")
    packs.add_argument("--out-dir", required=True, metavar="FOLDER",
                       help="existing folder; REF-AGENCY-pack.pdf per agency, created owner-only, never overwritten")
    packs.set_defaults(func=run_packs)


def run_record(args) -> int:
    from triage_desk import strategy

    minutes = strategy.load_file(args.file)
    with opened(args, user=True) as ws:
        row = strategy.record(ws, args.ref, minutes)
    print(f"{args.ref}: strategy discussion recorded ({strategy.DECISIONS[row.decision]}); minutes are due out "
          "within 1 working day")
    return 0


def run_minutes(args) -> int:
    from triage_desk import strategy

    with opened(args, user=True) as ws:
        data = strategy.minutes_pdf(ws, args.ref)
        write_private(args.out, data)
        if args.circulated:
            strategy.circulate(ws, args.ref)
    return 0


def run_pack(args) -> int:
    from triage_desk import redaction

    with opened(args, user=True) as ws:
        data = redaction.pack_pdf(ws, args.ref, args.agency)
    write_private(args.out, data)
    return 0


def run_packs(args) -> int:
    from triage_desk import redaction

    with opened(args, user=True) as ws:
        saved = redaction.save_packs(ws, args.ref, args.out_dir)
    for path in saved:
        print(f"saved {path}")
    print("The packs are not encrypted: send each only to its agency by a secure route, then delete them here.",
          file=sys.stderr)
    return 0
