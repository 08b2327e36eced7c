"""`triage-desk rescore`: which stored referrals would get a different suggested level under this catalogue?"""

from __future__ import annotations

import json
import sys

from triage_desk.cli._common import add_user_options, opened

PROGRESS_EVERY = 10000


def register(sub, common) -> None:
    p = sub.add_parser("rescore", parents=[common],
                       help="re-assess every stored referral and list those whose suggested level would change")
    add_user_options(p)
    p.add_argument("--catalogue", metavar="F", help="a draft catalogue file to try instead of the one in use")
    p.add_argument("--rules", metavar="F", help="a draft rules file to try instead of the one in use")
    p.add_argument("--json", action="store_true", help="one JSON object per changed referral, then a summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage_desk.rescoring import rescore_stored, stored_count

    total = changed = failed = 0
    with opened(args, user=True) as ws:
        # Progress on a terminal only (standard error): piped output stays the list and the summary.
        expected = stored_count(ws) if sys.stderr.isatty() else 0
        for r in rescore_stored(ws, catalogue_path=args.catalogue, rules_path=args.rules):
            total += 1
            if expected and total % PROGRESS_EVERY == 0:
                print(f"\rre-assessed {total:,} of {expected:,}", end="", file=sys.stderr, flush=True)
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
    if expected:
        print(file=sys.stderr)
    summary = {"referrals": total, "changed": changed, "cannot_score": failed}
    print(json.dumps({"summary": summary}) if args.json else
          f"{total:,} referrals re-assessed: {changed:,} would change level, {failed:,} cannot be scored")
    return 0
