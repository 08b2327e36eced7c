"""`triage-desk review-pack ...`: practice leads reviewing threshold decisions offline (issue 13).

Front door: `export` a signed, encrypted pack (chosen cases or a dip sample), later `import-return` the
lead's signed review return (each review applied exactly once) and read `stats`.
Lead's workstation: `import` the pack, `list` / `show` the review queue, `score` and `reveal` (blind
packs), `review` (agree or re-decide), then `return` the reviews.
"""

from __future__ import annotations

import json

from triage_desk.cli._common import add_command, add_decrypt_options, opened, read_secret_file


def _encrypt_options(p, required: bool = True) -> None:
    enc = p.add_mutually_exclusive_group(required=required)
    enc.add_argument("--to", metavar="AGE_PUBKEY", help="encrypt to this age X25519 public key (age1...)")
    enc.add_argument("--bundle-passphrase-file", metavar="F", help="encrypt to the passphrase held in this file")


def _choice_options(p, rationale: bool = True) -> None:
    p.add_argument("--level", type=int, metavar="N", help="level of need 1-4")
    p.add_argument("--outcomes", metavar="CODE,CODE", help="outcome codes, comma separated")
    p.add_argument("--indicators", metavar="CODE,CODE", default="", help="indicator codes seen (blind score)")
    if rationale:
        p.add_argument("--rationale", metavar="TEXT", default="", help="why (required when you decide differently)")


def register(sub, common) -> None:
    top = sub.add_parser("review-pack", help="review threshold decisions offline (packs, blind scoring, returns)",
                         description=__doc__.split("\n\n")[1])
    rp = top.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    _register_packs(rp, common)
    _register_reviews(rp, common)


def _as_user(rp, common):
    """Every review-pack action is done as a signed-in user."""
    return lambda name, func, help: add_command(rp, name, common, func, user=True, help=help)


def _register_packs(rp, common) -> None:
    """export at the front door; import, list and show on the lead's workstation."""
    cmd = _as_user(rp, common)
    ex = cmd("export", run_export, "export a signed, encrypted review pack")
    which = ex.add_mutually_exclusive_group(required=True)
    which.add_argument("--cases", metavar="REF,REF", help="case references, comma separated "
                                                          "(or approval-queue: every decision awaiting approval)")
    which.add_argument("--sample", metavar="SPEC", help="a dip sample, e.g. per_month=10,stratify=level+outcome,"
                                                        "overrides=all,status=closed,by_team=yes (10 a month per "
                                                        "team) or team=NAME (one team)")
    ex.add_argument("--seed", metavar="TEXT", help="re-draw a sample with this recorded seed")
    ex.add_argument("--blind", action="store_true", help="the lead scores each case before seeing the decision")
    ex.add_argument("--out", metavar="FILE", required=True)
    _encrypt_options(ex)
    im = cmd("import", run_import, "verify a review pack and put it in your review queue")
    im.add_argument("file", metavar="FILE")
    add_decrypt_options(im)
    ls = cmd("list", run_list, "your review queue")
    ls.add_argument("--json", action="store_true")
    show = cmd("show", run_show, "one case of the queue (blind: decision hidden)")
    show.add_argument("ref", metavar="REF")


def _register_reviews(rp, common) -> None:
    """score, reveal, review and return on the lead's workstation; import-return and stats at the front door."""
    cmd = _as_user(rp, common)
    sc = cmd("score", run_score, "score cases of a blind pack before the reveal")
    sc.add_argument("refs", metavar="REF[,REF]")
    _choice_options(sc, rationale=False)
    rv = cmd("reveal", run_reveal, "reveal the officer's decision after a blind score")
    rv.add_argument("refs", metavar="REF[,REF]")
    rw = cmd("review", run_review, "agree, or re-decide with level, outcomes and rationale")
    rw.add_argument("refs", metavar="REF[,REF]")
    rw.add_argument("--agree", action="store_true")
    _choice_options(rw)
    rt = cmd("return", run_return, "write the signed, encrypted review return")
    rt.add_argument("--pack", metavar="ID", help="the pack (default: the newest imported)")
    rt.add_argument("--out", metavar="FILE", required=True)
    _encrypt_options(rt)
    ir = cmd("import-return", run_import_return, "apply a lead's review return (exactly once)")
    ir.add_argument("file", metavar="FILE")
    add_decrypt_options(ir)
    st = cmd("stats", run_stats, "agreement statistics (and the meeting pack PDF)")
    st.add_argument("--officer", metavar="USER")
    st.add_argument("--team", metavar="NAME", help="only officers in this team (triage-desk user set-team)")
    st.add_argument("--from", dest="start", metavar="YYYY-MM")
    st.add_argument("--to", dest="end", metavar="YYYY-MM")
    st.add_argument("--pdf", metavar="FILE", help="write the threshold review meeting pack")
    st.add_argument("--json", action="store_true")


def _secret(args) -> str | None:
    f = getattr(args, "bundle_passphrase_file", None)
    return read_secret_file(f, "--bundle-passphrase-file") if f else None


def _refs(text: str) -> list[str]:
    return [r.strip() for r in text.split(",") if r.strip()]


def _choice(args):
    from triage_desk.errors import InputError
    from triage_desk.review_offline import Choice

    if args.level is None or not args.outcomes:
        raise InputError("--level and --outcomes: both are needed")
    return Choice(args.level, tuple(_refs(args.outcomes)), tuple(_refs(args.indicators or "")),
                  getattr(args, "rationale", "") or "")


def run_export(args) -> int:
    from triage_desk.review_pack import export_pack

    with opened(args, user=True) as ws:
        result, _data = export_pack(ws, cases=_refs(args.cases) if args.cases else None, sample=args.sample,
                                    seed=args.seed, blind=args.blind, out=args.out, passphrase=_secret(args),
                                    recipient=args.to)
    print(f"exported review pack {result.pack_id} with {len(result.references)} cases to {result.path} "
          f"({'blind' if result.blind else 'not blind'})")
    if result.seed:
        print(f"sample seed: {result.seed} (re-draw with --seed)")
    return 0


def run_import(args) -> int:
    from triage_desk.review_pack import import_pack

    with opened(args, user=True) as ws:
        result = import_pack(ws, args.file, passphrase=_secret(args), identity=args.identity)
    print(f"imported review pack {result.pack_id}:")
    for line in result.words():
        print(f"  {line}")
    return 0


def run_list(args) -> int:
    from triage_desk.review_offline import queue

    with opened(args, user=True) as ws:
        rows = queue(ws)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        state = r["reviewed"] or ("revealed" if r["revealed"] else "scored blind" if r["scored"] else "to do")
        print(f"{r['reference']}  {'blind' if r['blind'] else '     '}  {state}")
    return 0


def run_show(args) -> int:
    from triage_desk.review_offline import case_view

    with opened(args, user=True) as ws:
        print(json.dumps(case_view(ws, args.ref), indent=2, ensure_ascii=False, default=str))
    return 0


def run_score(args) -> int:
    from triage_desk.review_offline import score

    choice = _choice(args)
    with opened(args, user=True) as ws:
        for ref in _refs(args.refs):
            score(ws, ref, choice)
            print(f"{ref}: blind score signed")
    return 0


def run_reveal(args) -> int:
    from triage_desk.review_offline import case_view, reveal

    with opened(args, user=True) as ws:
        for ref in _refs(args.refs):
            reveal(ws, ref)
            d = case_view(ws, ref)["decision"]
            print(f"{ref}: revealed (signed): officer level {d['level']}, engine suggested level {d['engine_level']}")
    return 0


def run_review(args) -> int:
    from triage_desk.errors import InputError
    from triage_desk.review_offline import Choice, review

    if args.agree and args.level is not None:
        raise InputError("--agree or --level: not both")
    choice = _choice(args) if not args.agree else Choice(1, (), rationale=args.rationale or "")
    with opened(args, user=True) as ws:
        for ref in _refs(args.refs):
            print(f"{ref}: {review(ws, ref, agree=args.agree, choice=choice)} (signed)")
    return 0


def run_return(args) -> int:
    from triage_desk.review_offline import write_return

    with opened(args, user=True) as ws:
        count = write_return(ws, args.pack, args.out, passphrase=_secret(args), recipient=args.to)
    print(f"wrote the review return ({count} reviews, signed and encrypted) to {args.out}")
    return 0


def run_import_return(args) -> int:
    from triage_desk.review_apply import apply_return

    with opened(args, user=True) as ws:
        report = apply_return(ws, args.file, passphrase=_secret(args), identity=args.identity)
    print(f"review return from {report.reviewer} for pack {report.pack_id}:")
    for line in report.lines():
        print(f"  {line}")
    return 0


def run_stats(args) -> int:
    from triage_desk import agreement

    with opened(args, user=True) as ws:
        result = agreement.compute_for(ws, officer=args.officer, team=args.team, start=args.start,
                                           end=args.end)
        if args.pdf:
            from triage_desk.reports.review_meeting_pdf import write_meeting_pack

            write_meeting_pack(ws, result, args.pdf)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0
