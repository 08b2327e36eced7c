"""`triage-desk rescore`: which stored referrals would get a different suggested level under this catalogue?"""

from __future__ import annotations

import json

from triage_desk.cli._common import add_user_options, opened


def register(sub, common) -> None:
    p = sub.add_parser("rescore", parents=[common],
                       help="re-assess every stored referral and list those whose suggested level would change")
    add_user_options(p)
    p.add_argument("--catalogue", metavar="F", help="a draft catalogue file to try instead of the one in use")
    p.add_argument("--rules", metavar="F", help="a draft rules file to try instead of the one in use")
    p.add_argument("--json", action="store_true", help="one JSON object per changed referral, then a summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage_desk.rescoring import rescore_stored

    total = changed = failed = 0
    with opened(args, user=True) as ws:
        for r in rescore_stored(ws, catalogue_path=args.catalogue, rules_path=args.rules):
            total += 1
            failed += r.error is not None
            if r.error is None and not r.changed:
                continue
            changed += r.changed
            if args.json:
                print(json.dumps({"reference": r.reference, "stored_level": r.stored_level, "level": r.level,
                                  "error": r.error}))
            elif r.error:
                print(f"{r.reference}  cannot be scored: {r.error}")
            else:
                print(f"{r.reference}  level {r.stored_level} -> {r.level}")
    summary = {"referrals": total, "changed": changed, "cannot_score": failed}
    print(json.dumps({"summary": summary}) if args.json else
          f"{total:,} referrals re-assessed: {changed:,} would change level, {failed:,} cannot be scored")
    return 0
