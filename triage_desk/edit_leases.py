""""Being edited by NAME since TIME": edit leases on referrals (service layer, no Qt).

A screen that opens a referral for editing takes a lease, renews it while open (every RENEW_EVERY) and
releases it when it closes; a workstation that crashed stops renewing and its lease lapses after TIMEOUT.
A lease warns, it does not lock: the other officer may still edit, and optimistic concurrency
(concurrency.py) stops either change from overwriting the other silently. No audit events: a lease is
presence, not casework.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from triage_desk import accounts
from triage_desk.models import EditLease, Role, User, utcnow

TIMEOUT = timedelta(minutes=2)
RENEW_EVERY = timedelta(seconds=30)
_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)


@dataclass(frozen=True)
class Editor:
    username: str
    name: str  # display name
    since: datetime  # UTC, naive

    def banner(self) -> str:
        from triage_desk.formatting import fmt_datetime, from_utc

        return f"Being edited by {self.name} since {fmt_datetime(from_utc(self.since))}"


def workstation(ws) -> str:
    """This open workspace's id (two windows of one officer on two PCs are two editors)."""
    found = ws.__dict__.get("_workstation")
    if found is None:
        found = ws.__dict__["_workstation"] = str(uuid.uuid4())
    return found


def take(ws, referral_id: str) -> list[Editor]:
    """Open `referral_id` for editing here (or renew): returns who else is editing it now."""
    from triage_desk.models import Referral

    user = accounts.require(ws.user, *_ROLES)
    now, here = utcnow(), workstation(ws)
    with ws.session() as s:
        if s.get(Referral, referral_id) is None:
            return []  # a draft not saved yet: nobody else can have it open
        lease = s.get(EditLease, (referral_id, here))
        if lease is None or lease.username != user.username:
            s.merge(EditLease(referral_id=referral_id, workstation=here, username=user.username, since=now,
                              expires_at=now + TIMEOUT))
        else:
            lease.expires_at = now + TIMEOUT
        s.flush()
        return _others(s, [referral_id], here, now).get(referral_id, [])


def release(ws, referral_id: str) -> None:
    """Closed: the lease goes at once (others' banners clear on their next refresh)."""
    with ws.session() as s:
        s.execute(delete(EditLease).where(EditLease.referral_id == referral_id,
                                          EditLease.workstation == workstation(ws)))


def editors(ws, referral_ids: list[str]) -> dict[str, list[Editor]]:
    """Who (other than this workstation) is editing each of these referrals now: case view, case list."""
    accounts.require(ws.user, *_ROLES)
    if not referral_ids:
        return {}
    with ws.session() as s:
        return _others(s, referral_ids, workstation(ws), utcnow())


def _others(session, referral_ids: list[str], here: str, now: datetime) -> dict[str, list[Editor]]:
    rows = session.execute(
        select(EditLease.referral_id, EditLease.username, User.display_name, EditLease.since)
        .join(User, User.username == EditLease.username, isouter=True)
        .where(EditLease.referral_id.in_(referral_ids), EditLease.workstation != here, EditLease.expires_at > now)
        .order_by(EditLease.since)).all()
    out: dict[str, list[Editor]] = {}
    for rid, username, name, since in rows:
        out.setdefault(rid, []).append(Editor(username, name or username, since))
    return out
