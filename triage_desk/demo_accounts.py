"""Demo accounts and their work: a front-door officer and a practice lead a newcomer signs in as, and the
threshold decisions (signed with their keys, unsealed once per user) that give the Review area work."""

from __future__ import annotations

import json
import random
from contextlib import contextmanager

from sqlalchemy import exists, func, select

from triage_desk import accounts, audit, decisions
from triage_desk.errors import AuthError
from triage_desk.forms import threshold
from triage_desk.models import Decision, Referral, Role, User

DEMO_PASSWORD = "demo-password"  # printed: a demo database is never for real cases
# (username, display name, role): real accounts a newcomer signs in with; the demo's decisions are theirs
DEMO_OFFICER = ("demo.officer", "Demo Officer", Role.OFFICER)
DEMO_LEAD = ("demo.lead", "Demo Practice Lead", Role.LEAD)
OVERRIDE_EVERY = 8  # of the demo decisions, one in eight changes the engine's level
NFA_SHARE = 0.4  # of the decisions where no further action fits (_nfa_fits): about one decision in six
_ADULT_ONLY_NFA = "adult_declines_with_capacity"  # an NFA reason (rules file) that fits no child


def ensure_demo_accounts(ws) -> list[tuple[str, str, str]]:
    """Create the demo officer and practice lead (an administrator must be signed in) when missing.
    Returns (user name, role, password) for each demo account that exists, for printing."""
    out = []
    with ws.session() as s:
        for username, display, role in (DEMO_OFFICER, DEMO_LEAD):
            if s.execute(select(User).where(User.username == username)).scalar_one_or_none() is None:
                if ws.user is None or ws.user.role != Role.ADMIN.value:
                    continue  # only an administrator may add accounts
                accounts.create_user(s, ws.user, username, display, role, DEMO_PASSWORD)
            out.append((username, role.label, DEMO_PASSWORD))
    return out


def demo_accounts_text(found: list[tuple[str, str, str]]) -> str:
    """The sign-in details of the demo accounts, one line each (printed: demo data only)."""
    if not found:
        return "Demo accounts: none added (an administrator must be signed in to add them)."
    return "Demo accounts (synthetic data only):\n" + "\n".join(
        f"    {role:<14} user name: {name:<14} password: {password}" for name, role, password in found)


@contextmanager
def _signed_in_as(ws, username: str):
    """Work as a demo user, signed in once (their signing key unsealed once, not per referral)."""
    before = ws.user
    with ws.session() as s:
        user = accounts.authenticate(s, username, DEMO_PASSWORD, action="demo.sign_in")
        s.expunge(user)
    ws.user = user
    try:
        yield user
    finally:
        ws.user = before


def _demo_users_ready(ws) -> bool:
    with ws.session() as s:
        found = s.execute(select(func.count()).select_from(User).where(
            User.username.in_((DEMO_OFFICER[0], DEMO_LEAD[0])))).scalar_one()
    return found == 2


def add_demo_decisions(ws, limit: int = 60, seed: int = 1) -> int:
    """Recorded threshold decisions for the newest decided demo referrals that have none, made through
    `decisions.decide` (and `decisions.approve`) like anyone's: most agree with the engine; every eighth
    changes the level, with a rationale; some low-level contacts end in no further action (with a reason
    code), which differs from the engine's outcomes and so counts as an override too (about three in
    ten in all; with every fourth changing the level it was two in five); the newest overrides and NFAs still wait
    for a practice lead, so the Review area has work in it."""
    accounts.require(ws.user, Role.ADMIN, Role.LEAD)
    if not _demo_users_ready(ws):
        return 0  # the demo officer and lead make the decisions; without them none are invented
    try:
        return _decide_newest(ws, limit, seed)
    except AuthError:
        return 0  # the demo accounts' passwords were changed: they no longer sign for the demo


def _decide_newest(ws, limit: int, seed: int) -> int:
    rng = random.Random(seed)
    with ws.session() as s:
        rows = s.execute(select(Referral.id, Referral.document).where(
            Referral.status == "decided", ~exists().where(Decision.referral_id == Referral.id))
            .order_by(Referral.received_at.desc()).limit(limit)).all()
    to_approve = []
    with _signed_in_as(ws, DEMO_OFFICER[0]):
        for i, (rid, text) in enumerate(rows):
            engine = threshold.evaluate(json.loads(text))
            decision = decisions.decide(ws, rid, engine, _demo_proposal(rng, engine, override=i % OVERRIDE_EVERY == 1))
            # the newest overrides wait for a lead; everything else that needs approval has had it
            if decision.approval == decisions.APPROVAL_PENDING and not (decision.overridden and i < limit // 2):
                to_approve.append(decision.id)
    with _signed_in_as(ws, DEMO_LEAD[0]):
        for decision_id in to_approve:
            decisions.approve(ws, decision_id, True, "Synthetic demo approval.")
    if rows:
        with ws.session() as s:
            audit.record(s, ws.actor, "demo.decisions", "workspace", None, count=len(rows))
    return len(rows)


def _nfa_fits(rules, engine: dict) -> bool:
    """No further action closes a contact: the demo chooses it only where the rules' routing for the lowest
    two levels (advice, signposting, early help) covers everything the engine proposed."""
    routes = rules["routing"][engine["population"]]
    low = rules.levels[:2]
    return engine["suggested_level"] in low and set(engine["outcomes"]) <= {c for lv in low for c in routes[str(lv)]}


def _nfa_proposal(rng: random.Random, rules, engine: dict) -> decisions.Proposal:
    """The engine's level with no further action instead of its outcomes, a reason code from the rules file
    (an adult's own refusal only for an adult), and a rationale: an override a practice lead approves."""
    reasons = [c for c in rules.codes("nfa_reasons") if engine["population"] == "adult" or c != _ADULT_ONLY_NFA]
    reason = rng.choice(reasons)
    return decisions.Proposal(engine["suggested_level"], (rules["nfa_outcome"],),
                              f"Synthetic demo rationale: {rules['nfa_reasons'][reason]}.", nfa_reason=reason)


def _demo_proposal(rng: random.Random, engine: dict, override: bool) -> decisions.Proposal:
    rules, level = threshold.default_context().rules, engine["suggested_level"]
    if not override and _nfa_fits(rules, engine) and rng.random() < NFA_SHARE:
        return _nfa_proposal(rng, rules, engine)
    final = min(max(level + rng.choice((-1, 1)), rules.levels[0]), rules.levels[-1]) if override else level
    if final == level:
        return decisions.Proposal(level, tuple(engine["outcomes"]))
    routes = rules["routing"][engine["population"]][str(final)]
    return decisions.Proposal(final, tuple(routes), "Synthetic demo rationale: the referrer's account and the "
                              "history point to a different level than the indicators alone.")
