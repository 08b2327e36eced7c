"""`triage-desk measures --from D --to D [--json | --csv DIR | --pdf FILE]` — the front door's figures.

Plain output is a table of figures; `--json` every figure and breakdown; `--csv DIR` writes
`figures.csv` and the statutory return `statutory_return.csv` (new owner-only files); `--pdf FILE`
the monthly performance report. Files leaving the app need a practice lead or administrator.
"""

from __future__ import annotations

import sys
from datetime import date

from triage_desk.cli._common import add_user_options, opened
from triage_desk.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("measures", parents=[common], help="the front door's measures, report PDF, statutory return",
                       description="Figures for contacts received from --from to --to (inclusive). "
                                   "Definitions: docs/measures.md.")
    add_user_options(p)
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", required=True, help="first day received")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", required=True, help="last day received")
    p.add_argument("--team", help="only decisions made by this team's officers")
    p.add_argument("--officer", metavar="USERNAME", help="only decisions made by this user")
    p.add_argument("--agency", help="only contacts from this referrer agency")
    p.add_argument("--population", choices=("child", "adult"), help="children's or adults' contacts")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="every figure and breakdown as JSON")
    out.add_argument("--csv", metavar="DIR", help="write figures.csv and statutory_return.csv into DIR")
    out.add_argument("--pdf", metavar="FILE", help="write the monthly performance report")
    p.set_defaults(func=run)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def run(args) -> int:
    import json
    from pathlib import Path

    from triage_desk import measures_export
    from triage_desk.forms.clock import london_now
    from triage_desk.measures import Scope

    scope = Scope(_day(args.start, "--from"), _day(args.end, "--to"), args.team, args.officer, args.agency,
                  args.population)
    scope.check()
    if args.csv and not Path(args.csv).is_dir():
        raise InputError(f"--csv: {args.csv} is not a folder")
    with opened(args, user=True) as ws:
        if args.csv or args.pdf:
            report, extract = measures_export.exported(ws, scope, "csv" if args.csv else "pdf")
        else:
            report = measures_export.report(ws, scope)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    elif args.csv:
        _save(Path(args.csv) / "figures.csv", measures_export.figures_csv(report).encode(), "--csv")
        _save(Path(args.csv) / "statutory_return.csv", extract.encode(), "--csv")
    elif args.pdf:
        from triage_desk.measures_report import build_pdf

        _save(Path(args.pdf), build_pdf(report, london_now()), "--pdf")
    else:
        _table(report)
    return 0


def _save(path, data: bytes, option: str) -> None:
    """A new owner-only file; never overwrites (the error names the option)."""
    from triage_desk.private_files import write_new

    write_new(path, data, option)
    print(f"Saved {path} (not encrypted: keep it safe and delete it when done)", file=sys.stderr)


def _table(report) -> None:
    from triage_desk.measures import shown, trend

    for f in report.figures:
        target = f" (target {f.target:g} %)" if f.target is not None else ""
        print(f"{f.title:<52} {shown(f):>18}{target}  {trend(f)}", file=sys.stdout)
