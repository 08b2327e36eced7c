"""`triage-desk audit verify`: walk the hash chain and name the first broken event."""

from __future__ import annotations

from triage_desk.cli._common import opened


def register(sub, common) -> None:
    p = sub.add_parser("audit", parents=[common], help="check the tamper-evident audit trail")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser("verify", parents=[common], help="exit 0 when the chain is intact, else name the first break")
    v.set_defaults(func=verify)


def verify(args) -> int:
    from triage_desk import audit_anchor

    with opened(args, shared=True) as ws, ws.session() as s:
        report = audit_anchor.verify(s, ws.data_dir, open_elsewhere=not ws.exclusive)
    for warning in report.warnings:
        print(f"note: {warning}")
    if report.intact:
        anchored = (f", matching {report.checkpoints} signed checkpoint{'s' if report.checkpoints != 1 else ''} "
                    "and the anchor file" if report.checkpoints else "")
        print(f"audit chain intact: {report.events} events from its genesis event{anchored}, head {report.head} "
              "(the audit trail only: `triage-desk check` checks the whole database)")
        return 0
    if report.first_break is not None:
        print(f"audit chain BROKEN at event {report.first_break}: {report.problem}")
    for problem in report.problems:
        print(f"audit chain NOT PROVEN: {problem}")
    return 1
