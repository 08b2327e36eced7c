"""`triage-desk case show | transition | deadlines | confirm | dispute` — the case after the decision."""

from __future__ import annotations

import json
import sys
from datetime import datetime

from triage_desk.cli._common import add_user_options, opened
from triage_desk.errors import InputError

ACTION_HELP = ("submit, decide, approve, reject, accept_review, contest_review (answer a reviewing lead's "
               "re-decision, with --reason), start_strategy, start_assessment, start_early_help, step_up, "
               "step_down, close, reopen")


def register(sub, common) -> None:
    p = sub.add_parser("case", help="a case's progress after the decision: state, transitions, deadlines",
                       description="Show a case's lifecycle, move it on, list deadlines, record a phone "
                                   "referral's written confirmation or a dispute.")
    csub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    show = csub.add_parser("show", parents=[common], help="state, allowed actions, deadlines, history")
    add_user_options(show)
    show.add_argument("ref", metavar="REF", help="reference (TD-YYYY-NNNNNN)")
    show.add_argument("--json", action="store_true", help="one JSON object")
    show.set_defaults(func=run_show)
    tr = csub.add_parser("transition", parents=[common], help="move the case on (refused when not allowed)")
    add_user_options(tr)
    tr.add_argument("ref", metavar="REF")
    tr.add_argument("action", metavar="ACTION", help=ACTION_HELP)
    tr.add_argument("--reason", help="why (reject, step_up, step_down, reopen, accept_review, contest_review; "
                                     "optional otherwise)")
    tr.add_argument("--receiving-team", help="the team taking the case on")
    tr.add_argument("--lead-professional", help="the lead professional (step_down)")
    tr.add_argument("--family-told", choices=("yes", "no"), help="step_down: has the family been told?")
    tr.add_argument("--to", choices=("assessment", "strategy_discussion"), help="step_up: where to")
    tr.add_argument("--outcome", help="close: the outcome code from the rules file (e.g. S17, EH, NFA)")
    tr.add_argument("--reason-code", help="close with NFA / decide NFA: the reason code from the rules file")
    tr.add_argument("--level", type=int, help="decide: the final level 1-4")
    tr.add_argument("--outcomes", help="decide: outcome codes, comma-separated")
    tr.set_defaults(func=run_transition)
    dl = csub.add_parser("deadlines", parents=[common], help="open deadlines across cases, soonest first")
    add_user_options(dl)
    dl.add_argument("--overdue", action="store_true", help="only deadlines already past due")
    dl.add_argument("--kind", help="only this kind (decision, rag, phone_confirmation, strategy_discussion, ...)")
    dl.add_argument("--limit", type=int, default=200, metavar="N", help="at most N (default 200)")
    dl.add_argument("--json", action="store_true", help="one JSON array")
    dl.set_defaults(func=run_deadlines)
    ar = csub.add_parser("awaiting-response", parents=[common],
                         help="cases where a reviewing lead decided differently, awaiting the officer's answer")
    add_user_options(ar)
    ar.add_argument("--json", action="store_true", help="one JSON array")
    ar.set_defaults(func=run_awaiting_response)
    cd = csub.add_parser("cancel-deadline", parents=[common], help="cancel one open deadline that no longer applies")
    add_user_options(cd)
    cd.add_argument("deadline_id", metavar="ID", type=int, help="the deadline's id (case deadlines --json)")
    cd.add_argument("--reason", required=True, help="why it no longer applies")
    cd.set_defaults(func=run_cancel_deadline)
    cf = csub.add_parser("confirm", parents=[common], help="record a phone referral's written confirmation")
    add_user_options(cf)
    cf.add_argument("ref", metavar="REF")
    cf.add_argument("--received-at", required=True, metavar="YYYY-MM-DDTHH:MM", help="when it arrived")
    cf.add_argument("--how", required=True, help="email, letter, portal, secure_email or form")
    cf.set_defaults(func=run_confirm)
    dp = csub.add_parser("dispute", parents=[common], help="record a professional's disagreement with the decision")
    add_user_options(dp)
    dp.add_argument("ref", metavar="REF")
    dp.add_argument("--raised-by", required=True, help="who disagrees (their role)")
    dp.add_argument("--agency", required=True, help="their agency")
    dp.add_argument("--grounds", required=True, help="why they disagree")
    dp.set_defaults(func=run_dispute)


def _when(value: str, option: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date-time (YYYY-MM-DDTHH:MM)") from None


def run_show(args) -> int:
    from triage_desk import audit
    from triage_desk.case_overview import overview

    with opened(args, user=True) as ws:
        view = overview(ws, args.ref)
        with ws.session() as s:
            audit.record(s, ws.actor, "case.view_progress", "referral", view["id"], reference=view["reference"])
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    print(f"{view['reference']}: {view['state_label']}" + (f" (RAG {view['rag']})" if view["rag"] else ""))
    if view["phone_confirmation_outstanding"]:
        print("  written confirmation of the phone referral: OUTSTANDING")
    print("  allowed: " + (", ".join(a["action"] for a in view["allowed"]) or "nothing for your role"))
    for d in view["deadlines"]:
        flag = "  OVERDUE" if d["overdue"] else ""
        print(f"  {d['label']:<44} due {d['due_at'].replace('T', ' ')}  {d['state']}{flag}")
    for e in view["history"]:
        why = f" - {e['reason']}" if e["reason"] else ""
        print(f"  {e['at'].replace('T', ' ')}  {e['label']} by {e['by']}{why}")
    for d in view["disputes"]:
        print(f"  dispute by {d['raised_by']} ({d['agency']}): {d['stage']}")
    if view.get("reviews"):
        from triage_desk.review_history import review_line

        for r in view["reviews"]:
            print(f"  {review_line(r)}")
    _print_response(view)
    return 0


def _print_response(view: dict) -> None:
    from triage_desk.review_history import response_due_line, response_line

    due = view.get("response_due")
    if due:
        print(f"  {response_due_line(due)}")
        print("  answer with: case transition REF accept_review|contest_review --reason WHY")
    for r in view.get("responses") or []:
        print(f"  {response_line(r)}")


def run_transition(args) -> int:
    from triage_desk import lifecycle

    params = {"reason": args.reason, "receiving_team": args.receiving_team, "lead_professional":
              args.lead_professional, "to": args.to, "outcome": args.outcome, "reason_code": args.reason_code,
              "level": args.level, "family_told": None if args.family_told is None else args.family_told == "yes",
              "outcomes": [c.strip() for c in args.outcomes.split(",") if c.strip()] if args.outcomes else None}
    with opened(args, user=True) as ws:
        state = lifecycle.transition(ws, args.ref, args.action, **{k: v for k, v in params.items() if v is not None})
    print(f"{state.reference}: {state.label}")
    return 0


def run_awaiting_response(args) -> int:
    from triage_desk import review_response
    from triage_desk.review_history import response_due_line

    with opened(args, user=True) as ws:
        rows = review_response.awaiting(ws)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(f"{row['reference']}  {response_due_line(row)}")
    print("answer each with: case transition REF accept_review|contest_review --reason WHY" if rows
          else "no decision is awaiting an officer's response")
    return 0


def run_deadlines(args) -> int:
    from triage_desk import accounts, audit, deadlines
    from triage_desk.forms.clock import london_now
    from triage_desk.intake import CASE_ROLES
    from triage_desk.models import Referral

    if not 1 <= args.limit <= 5000:
        raise InputError("--limit: must be between 1 and 5000")
    deadlines.check_kind(args.kind)
    now = london_now()
    with opened(args, user=True) as ws:
        accounts.require(ws.user, *CASE_ROLES)
        with ws.session() as s:
            q = deadlines.overdue_select(args.kind) if args.overdue else deadlines.open_select(args.kind)
            rows = s.execute(q.limit(args.limit), {"dl_now": now, "dl_kind": args.kind}).all()
            refs = dict(s.execute(Referral.__table__.select().with_only_columns(Referral.id, Referral.reference)
                                  .where(Referral.id.in_({r.referral_id for r in rows}))).all())
            audit.record(s, ws.actor, "deadlines.list", "deadline", None, rows=len(rows), overdue=args.overdue)
    items = [{"id": r.id, "reference": refs.get(r.referral_id), "kind": r.kind, "label": deadlines.KINDS[r.kind],
              "due_at": r.due_at.strftime("%Y-%m-%dT%H:%M"), "overdue": r.due_at < now} for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for it in items:
        print(f"{it['reference']}  {it['due_at'].replace('T', ' ')}  {it['label']}" + ("  OVERDUE" * it["overdue"]))
    if not items:
        print("no overdue deadlines" if args.overdue else "no open deadlines")
    return 0


def run_cancel_deadline(args) -> int:
    from triage_desk import deadlines

    with opened(args, user=True) as ws:
        done = deadlines.cancel_one(ws, args.deadline_id, args.reason)
    print(f"{done['label']}: cancelled")
    return 0


def run_confirm(args) -> int:
    from triage_desk import confirmation

    when = _when(args.received_at, "--received-at")
    with opened(args, user=True) as ws:
        doc = confirmation.record(ws, args.ref, when, args.how)
    print(f"{doc['reference']}: written confirmation recorded ({args.how}, {args.received_at})")
    return 0


def run_dispute(args) -> int:
    from triage_desk import disputes

    with opened(args, user=True) as ws:
        disputes.raise_dispute(ws, args.ref, args.raised_by, args.agency, args.grounds)
    print(f"{args.ref}: dispute recorded; it goes to the MASH manager")
    return 0


def write_private(path: str, data: bytes) -> None:
    """A new owner-only file (PDFs here are not encrypted)."""
    from triage_desk.private_files import write_new

    write_new(path, data, "--out")
    print(f"Saved {path} (not encrypted: keep it safe and delete it when done)", file=sys.stderr)
