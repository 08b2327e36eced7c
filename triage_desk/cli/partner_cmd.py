"""`triage-desk partner list | set-isa | save` and `triage-desk checks list | request | respond | cancel | overdue`."""

from __future__ import annotations

import json

from triage_desk.cli._common import add_user_options, opened


def register(sub, common) -> None:
    p = sub.add_parser("partner", help="the partner directory and information-sharing agreements",
                       description="List partner agencies; administrators change agreement status and details.")
    psub = p.add_subparsers(dest="partner_command", metavar="ACTION", required=True)
    ls = psub.add_parser("list", parents=[common], help="list partners with agreement status")
    add_user_options(ls)
    ls.add_argument("--json", action="store_true", help="one JSON array of objects")
    ls.add_argument("--all", action="store_true", help="include partners marked inactive")
    ls.set_defaults(func=run_partner_list)
    isa = psub.add_parser("set-isa", parents=[common], help="record a partner's agreement status (administrators)")
    add_user_options(isa)
    isa.add_argument("partner", metavar="PARTNER_ID")
    isa.add_argument("--status", choices=("signed", "in_discussion", "no_contact"), required=True)
    isa.add_argument("--date", metavar="YYYY-MM-DD", help="date signed (required for signed)")
    isa.set_defaults(func=run_set_isa)
    sv = psub.add_parser("save", parents=[common], help="add a partner or change its details (administrators)")
    add_user_options(sv)
    sv.add_argument("partner", metavar="PARTNER_ID", help="lower-case id, e.g. police-north")
    sv.add_argument("--name")
    sv.add_argument("--kind")
    sv.add_argument("--contact-route", metavar="TEXT")
    sv.add_argument("--isa-status", choices=("signed", "in_discussion", "no_contact"))
    sv.add_argument("--isa-date", metavar="YYYY-MM-DD")
    sv.add_argument("--due-hours", type=int, metavar="N", help="working hours the partner has to answer a check")
    sv.add_argument("--active", choices=("yes", "no"))
    sv.set_defaults(func=run_save)

    c = sub.add_parser("checks", help="agency checks on a referral",
                       description="List, request, answer and cancel agency checks on a referral.")
    csub = c.add_subparsers(dest="checks_command", metavar="ACTION", required=True)
    cl = csub.add_parser("list", parents=[common], help="a referral's checks and sharing decisions")
    add_user_options(cl)
    cl.add_argument("ref", metavar="REF", help="reference (TD-YYYY-NNNNNN) or id")
    cl.add_argument("--json", action="store_true", help="the document shape: {checks, sharing_decisions}")
    cl.set_defaults(func=run_checks_list)
    rq = csub.add_parser("request", parents=[common], help="request checks from partners")
    add_user_options(rq)
    rq.add_argument("ref", metavar="REF")
    rq.add_argument("partners", metavar="PARTNER_ID", nargs="+")
    rq.add_argument("--lead-decision", metavar="REASON",
                    help="practice leads only: check without consent, for this recorded reason")
    rq.set_defaults(func=run_request)
    rs = csub.add_parser("respond", parents=[common], help="record a partner's answer to a check")
    add_user_options(rs)
    rs.add_argument("check", metavar="CHECK_ID")
    group = rs.add_mutually_exclusive_group(required=True)
    group.add_argument("--nothing-known", action="store_true", help="the partner holds nothing")
    group.add_argument("--summary", metavar="TEXT", help="what the partner holds")
    rs.set_defaults(func=run_respond)
    cc = csub.add_parser("cancel", parents=[common], help="cancel a check no longer needed")
    add_user_options(cc)
    cc.add_argument("check", metavar="CHECK_ID")
    cc.add_argument("--reason", required=True)
    cc.set_defaults(func=run_cancel)
    od = csub.add_parser("overdue", parents=[common], help="open checks past their due time, all referrals")
    add_user_options(od)
    od.add_argument("--json", action="store_true")
    od.set_defaults(func=run_overdue)


def _partner_json(p) -> dict:
    return {"id": p.id, "name": p.name, "kind": p.kind, "contact_route": p.contact_route,
            "isa_status": p.isa_status, "isa_date": p.isa_date.date().isoformat() if p.isa_date else None,
            "check_due_hours": p.check_due_hours, "active": bool(p.active)}


def run_partner_list(args) -> int:
    from triage_desk import partners

    with opened(args, user=True) as ws:
        items = [_partner_json(p) for p in partners.list_partners(ws, include_inactive=args.all)]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for it in items:
        status = partners.ISA_STATUSES[it["isa_status"]] + (f" {it['isa_date']}" if it["isa_date"] else "")
        print(f"{it['id']:<24} {status:<20} {it['check_due_hours']:>3} h  {it['name']}")
    return 0


def run_set_isa(args) -> int:
    from triage_desk import partners

    with opened(args, user=True) as ws:
        p = partners.set_isa_status(ws, args.partner, args.status, args.date)
    print(f"{p.id}: {partners.ISA_STATUSES[p.isa_status].lower()}")
    return 0


def run_save(args) -> int:
    from triage_desk import partners

    values = {k: v for k, v in (("name", args.name), ("kind", args.kind), ("contact_route", args.contact_route),
                                ("isa_status", args.isa_status), ("isa_date", args.isa_date),
                                ("check_due_hours", args.due_hours)) if v is not None}
    if args.active is not None:
        values["active"] = args.active == "yes"
    with opened(args, user=True) as ws:
        p = partners.save_partner(ws, args.partner, **values)
    print(f"{p.id}: saved")
    return 0


def _check_line(c: dict, now) -> str:
    from datetime import datetime

    from triage_desk import checks

    if c["status"] == "requested":
        state = checks.time_left(datetime.fromisoformat(c["due_at"]), now)
    elif c["status"] == "answered":
        state = "nothing known" if c["nothing_known"] else "answered"
    else:
        state = "cancelled"
    return (f"{c['id']}  {c['partner_name']:<40} requested {c['requested_at'].replace('T', ' ')} by "
            f"{c['requested_by']}, due {c['due_at'].replace('T', ' ')}: {state}")


def run_checks_list(args) -> int:
    from triage_desk import checks
    from triage_desk.forms.clock import london_now

    with opened(args, user=True) as ws:
        section = checks.as_document(ws, args.ref)
        checks.record_view(ws, args.ref)
    if args.json:
        print(json.dumps(section, ensure_ascii=False, indent=2))
        return 0
    now = london_now()
    for c in section["checks"]:
        print(_check_line(c, now))
        if c["summary"]:
            print(f"    {c['summary']}")
    for d in section["sharing_decisions"]:
        print(f"sharing with {d['partner_id'] or '-'}: {'shared' if d['shared'] else 'not shared'} "
              f"({d['decided_at'].replace('T', ' ')}, {d['decided_by']}): {d['reason']}")
    if not section["checks"] and not section["sharing_decisions"]:
        print("no checks")
    return 0


def run_request(args) -> int:
    from triage_desk import checks

    basis = "lead_decision" if args.lead_decision else "consent"
    with opened(args, user=True) as ws:
        made = checks.request_checks(ws, args.ref, args.partners, basis=basis, basis_note=args.lead_decision)
    for c in made:
        print(f"{c.id}  {c.partner_id}: due {c.due_at.isoformat(sep=' ', timespec='minutes')}")
    return 0


def run_respond(args) -> int:
    from triage_desk import checks

    with opened(args, user=True) as ws:
        c = checks.record_response(ws, args.check, nothing_known=args.nothing_known, summary=args.summary or "")
    print(f"{c.id}: {'nothing known' if c.nothing_known else 'answered'}")
    return 0


def run_cancel(args) -> int:
    from triage_desk import checks

    with opened(args, user=True) as ws:
        c = checks.cancel_check(ws, args.check, args.reason)
    print(f"{c.id}: cancelled")
    return 0


def run_overdue(args) -> int:
    from triage_desk import checks
    from triage_desk.forms.clock import london_now

    now = london_now()
    with opened(args, user=True) as ws:
        items = checks.overdue(ws, now=now)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    for c in items:
        print(f"{c['reference']}  " + _check_line(c, now))
    if not items:
        print("no overdue checks")
    return 0
