"""What the case screens read, as services: the case list's pages and counts, one referral's header, its
subjects' other referrals, its decision and history, the deadline counts, and the bundle case view
(audited). Each opens its own unit of work so the GUI can run it off its thread."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select

from triage_desk import caselist, decisions, matching
from triage_desk.models import Referral, ReferralSubject


def case_page(ws, filters, sort, after_key, limit: int):
    """One page of the case list: (rows, next key or None)."""
    with ws.session() as s:
        return caselist.fetch_page(s, filters, sort, after_key, limit)


def case_rows(ws, referral_ids: list[str], filters=None) -> dict:
    with ws.session() as s:
        return caselist.fetch_rows(s, referral_ids, filters)


def case_count(ws, filters, cap: int) -> tuple[int, bool]:
    with ws.session() as s:
        return caselist.count_matching(s, filters, cap)


def referrer_agencies(ws) -> list[str]:
    """Every referring agency on record, A to Z (a skip-scan of the agency index: caselist.agencies)."""
    with ws.session() as s:
        return caselist.agencies(s)


def deadline_counts(ws) -> tuple[int, int]:
    """(cases with a deadline overdue, deadlines due within the next hour): the same deadline rows as
    the case list's "Overdue only" filter and the review area's overdue queue (deadlines.py)."""
    from triage_desk import deadlines
    from triage_desk.forms.clock import london_now

    with ws.session() as s:
        return deadlines.status_counts(s, london_now())


def referral_header(ws, referral_id: str):
    """The referral's row (detached, columns loaded) or None."""
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        if row is not None:
            s.expunge(row)
        return row


def written_confirmation_due(ws, referral_id: str):
    """When the phone referral's written confirmation falls due (local), while that deadline is open."""
    from triage_desk.models import Deadline

    with ws.session() as s:
        return s.execute(select(Deadline.due_at).where(
            Deadline.referral_id == referral_id, Deadline.kind == "phone_confirmation",
            Deadline.state == "open")).scalars().first()


def subject_history(ws, referral_id: str) -> list[tuple[str, list[dict]]]:
    """(subject id, the person's other referrals) for each subject linked to a known person."""
    with ws.session() as s:
        links = s.execute(select(ReferralSubject.person_id, ReferralSubject.subject_id)
                          .where(ReferralSubject.referral_id == referral_id,
                                 ReferralSubject.state == "linked")).all()
        return [(subject_id, [r for r in matching.referrals_of(s, person_id) if r["id"] != referral_id])
                for person_id, subject_id in links]


@dataclass
class DecisionState:
    """What the decision panel shows: the referral's status and document, the decision in force and the
    superseded ones."""

    status: str | None = None
    document: dict = field(default_factory=dict)
    current: object | None = None
    older: list = field(default_factory=list)
    version: int | None = None  # the referral's version: a decision saved against it (concurrency.py)


def decision_state(ws, referral_id: str) -> DecisionState:
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        return DecisionState(status=row.status if row else None,
                             document=json.loads(row.document) if row else {},
                             current=decisions.current(s, referral_id),
                             older=[d for d in decisions.history(s, referral_id) if d.superseded],
                             version=row.version if row else None)


@dataclass
class AgencyChecks:
    """What the Agency checks tab shows for one referral."""

    partners: list
    checks: list[dict]
    sharing_decisions: list[dict]
    consent: str


def agency_checks(ws, referral_id: str) -> AgencyChecks:
    from triage_desk import checks, partners, sharing

    return AgencyChecks(partners=partners.list_partners(ws), checks=checks.list_checks(ws, referral_id),
                        sharing_decisions=sharing.list_sharing_decisions(ws, referral_id),
                        consent=checks.consent_state(ws, referral_id))


def refresh_bundle_trust(ws, vb) -> None:
    """Look the bundle's signer up again (after the user added it to the trust list)."""
    from triage_desk.bundle.verify import check_trust

    with ws.session() as s:
        vb.trusted, vb.trust_source = check_trust(s, vb.public_key)


def view_bundle_case(ws, vb) -> None:
    """Reading a case from a bundle is a case view like any other: audited before it is shown."""
    from triage_desk.bundle.verify import record_view

    record_view(ws, vb)
