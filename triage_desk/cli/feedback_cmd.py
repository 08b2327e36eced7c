"""`triage-desk feedback send REF --method email|letter|phone` — tell the referrer the outcome."""

from __future__ import annotations

from triage_desk.cli._common import add_user_options, opened
from triage_desk.cli.case_cmd import write_private


def register(sub, common) -> None:
    p = sub.add_parser("feedback", help="tell the referrer the outcome (letter PDF, recorded as sent)",
                       description="Record that the referrer was told the outcome, and make the outcome letter.")
    fsub = p.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    send = fsub.add_parser("send", parents=[common], help="record the outcome as sent to the referrer")
    add_user_options(send)
    send.add_argument("ref", metavar="REF")
    send.add_argument("--method", required=True, choices=("email", "letter", "phone"), help="how they were told")
    send.add_argument("--out", metavar="FILE.pdf", help="also save the outcome letter (new file, owner-only)")
    send.set_defaults(func=run_send)


def run_send(args) -> int:
    from triage_desk import feedback

    with opened(args, user=True) as ws:
        told, pdf = feedback.send(ws, args.ref, args.method)
    if args.out:
        write_private(args.out, pdf)
    print(f"{args.ref}: referrer told the outcome by {args.method} ({told.sent_at:%Y-%m-%d %H:%M}, {told.sent_by})")
    return 0
