"""One case's summary PDF as the app prints, saves and bundles it (issue 5 point 2).

Assembles the full referral document (the stored document, the current threshold decision, agency
checks when that module is present), the subject(s)' earlier referrals and the audit chain head, and
renders it with `summary_pdf.render_summary`. Printing and saving are audited before rendering, so the
head printed on the page covers the print event itself. No Qt here: the CLI and the bundle use it too.
"""

from __future__ import annotations

from sqlalchemy import select

from triage_desk import accounts, audit
from triage_desk.errors import InputError
from triage_desk.models import Referral, ReferralSubject, Role
from triage_desk.referral_rows import find_referral

# Why the summary is being made -> the audit action recorded (who, what and when come with every event).
PURPOSES = {"print": "case.print", "pdf_export": "case.pdf_export", "print_preview": "case.print_preview"}
SUMMARY_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)


def checks_section(ws, referral_id: str) -> dict:
    """Agency checks (and sharing decisions) for the case file."""
    from triage_desk import checks

    return dict(checks.as_document(ws, referral_id))


def case_document(session, row: Referral, extra: dict | None = None) -> dict:
    """The full referral document: the stored document, the current decision and `extra` (checks)."""
    from triage_desk import decisions
    from triage_desk.referral_rows import load

    doc = load(row.document)
    decision = decisions.current(session, row.id)
    if decision is not None:
        doc["decision"] = decisions.as_document(decision)
    doc.update(extra or {})
    return doc


def history(session, row: Referral) -> list[dict]:
    """Earlier (and later) referrals of the same linked people, newest first, this one left out."""
    from triage_desk.matching import referrals_of

    people = session.execute(select(ReferralSubject.person_id).where(
        ReferralSubject.referral_id == row.id, ReferralSubject.state == "linked")).scalars().all()
    seen, out = {row.id}, []
    for pid in people:
        for r in referrals_of(session, pid):
            if r["id"] not in seen:
                seen.add(r["id"])
                out.append({"reference": r["reference"], "received": r["received_at"], "status": r["status"]})
    return sorted(out, key=lambda r: r["received"], reverse=True)


def catalogue_labels() -> dict[str, str]:
    """Indicator id -> label from the shipped catalogue (for indicators the engine result does not label)."""
    from triage_desk.forms.catalogue import default_catalogue

    try:
        return {i.id: i.label for i in default_catalogue().indicators.values()}
    except Exception:  # noqa: BLE001 - a broken catalogue file must not stop a print; ids still print
        return {}


def suggestion(doc: dict, row: Referral) -> dict:
    """The engine's result for a submitted, undecided referral, as the app shows it (scored at receipt)."""
    from triage_desk.forms.threshold import evaluate

    try:
        return evaluate(doc, now=row.received_at)
    except InputError:
        return {}  # a document the engine cannot score prints "not recorded", never a crash


def render_case(ws, session, row: Referral, extra: dict | None = None) -> bytes:
    """Render the summary of `row` inside the caller's session (no audit: the caller records why)."""
    from triage_desk.forms.clock import london_now
    from triage_desk.reports.summary_pdf import render_summary

    user = ws.user
    doc = case_document(session, row, extra)
    if row.status != "draft" and not doc.get("decision"):
        doc["decision"] = {"engine": suggestion(doc, row)}  # printed as the engine's suggestion until decided
    return render_summary(doc,
                          generated_by=(user.display_name or user.username) if user else "unknown user",
                          generated_at=london_now(), audit_head=audit.head(session), history=history(session, row),
                          catalogue_labels=catalogue_labels())


def summary_for(ws, reference: str, purpose: str = "pdf_export") -> bytes:
    """The case's summary PDF, audited as `case.print`, `case.pdf_export` or `case.print_preview` (shown on screen
    before printing; `record_printed` then records the pages that reached paper).

    Raises InputError (unknown case or purpose) and PermissionDenied.
    """
    if purpose not in PURPOSES:
        raise InputError(f"purpose: must be one of {', '.join(PURPOSES)}")
    user = accounts.require(ws.user, *SUMMARY_ROLES)
    with ws.session() as s:
        rid = find_referral(s, reference, "reference").id
    extra = checks_section(ws, rid)  # opens its own session
    with ws.session() as s:
        row = find_referral(s, rid)
        from triage_desk.case_overview import section

        extra["after_decision"] = section(s, row.id)  # deadlines, strategy, feedback, disputes
        audit.record(s, user.username, PURPOSES[purpose], "referral", row.id, reference=row.reference)
        return render_case(ws, s, row, extra)


def record_printed(ws, reference: str, pages: int) -> None:
    """Audit `case.print` once the person printed from the preview (a closed preview prints nothing)."""
    user = accounts.require(ws.user, *SUMMARY_ROLES)
    with ws.session() as s:
        row = find_referral(s, reference, "reference")
        audit.record(s, user.username, PURPOSES["print"], "referral", row.id, reference=row.reference, pages=pages)
