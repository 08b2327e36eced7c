"""The case lifecycle as a headless state machine (no Qt), like the wizard's flow.

    received -> submitted -> decided (-> awaiting approval) -> in progress -> closed
                                       in progress = strategy discussion | assessment | early help
    reopen: closed -> submitted (a fresh decision; decision and RAG clocks restart, and the referrer is
            owed the new outcome on a fresh clock)
    a reviewing lead's re-decision awaits the officer's response: accept -> decided, contest -> awaiting approval
    step up: early help -> assessment | strategy discussion; step down: those -> early help

The state is read from the referral row (status, current decision's approval, stage), never stored
twice. `allowed(state, role)` is pure; `transition(ws, ref, action, ...)` is the one service call:
role-checked, refused with a message naming what is allowed from here, recorded as a `case_event`
(who, when, why, receiving team) and audited in the same transaction. Submission, decisions and
approvals keep their own services (intake.submit, decisions.decide / approve); `transition` calls them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from triage_desk import accounts, audit, concurrency, deadlines
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms.clock import london_now
from triage_desk.models import CaseEvent, Referral, Role
from triage_desk.referral_rows import store_text

STATES = {
    "received": "received (draft)",
    "submitted": "submitted, awaiting a decision",
    "awaiting_approval": "decided, awaiting practice-lead approval",
    "awaiting_response": "decided differently by a reviewing practice lead, awaiting the officer's response",
    "decided": "decided",
    "strategy_discussion": "in progress: strategy discussion",
    "assessment": "in progress: child and family assessment",
    "early_help": "in progress: early help",
    "closed": "closed",
}
IN_PROGRESS = ("strategy_discussion", "assessment", "early_help")
SOCIAL_CARE = ("strategy_discussion", "assessment")
WORK = (Role.OFFICER, Role.LEAD)
MIN_REASON = 10


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    roles: tuple[Role, ...]
    needs: tuple[str, ...] = ()  # fields the caller must give
    targets: tuple[str, ...] = field(default=())  # possible next states


TRANSITIONS = (
    Transition("submit", "Submit the referral", ("received",), (Role.OFFICER, Role.LEAD, Role.ADMIN),
               targets=("submitted",)),
    Transition("decide", "Record a decision", ("submitted", "decided"), WORK, ("level", "outcomes"),
               ("decided", "awaiting_approval")),
    Transition("approve", "Approve the decision", ("awaiting_approval",), (Role.LEAD,), targets=("decided",)),
    Transition("reject", "Reject the decision", ("awaiting_approval",), (Role.LEAD,), ("reason",),
               ("submitted",)),
    Transition("accept_review", "Accept the practice lead's decision", ("awaiting_response",), WORK, ("reason",),
               ("decided",)),
    Transition("contest_review", "Contest the practice lead's decision", ("awaiting_response",), WORK,
               ("reason",), ("awaiting_approval",)),
    Transition("start_strategy", "Hold a strategy discussion", ("decided",), WORK, ("receiving_team",),
               ("strategy_discussion",)),
    Transition("start_assessment", "Start a child and family assessment", ("decided", "strategy_discussion"), WORK,
               ("receiving_team",), ("assessment",)),
    Transition("start_early_help", "Start early help", ("decided",), WORK, ("receiving_team",), ("early_help",)),
    Transition("step_up", "Step up to social care", ("early_help",), WORK, ("to", "reason", "receiving_team"),
               SOCIAL_CARE),
    Transition("step_down", "Step down to early help", SOCIAL_CARE, WORK,
               ("reason", "receiving_team", "lead_professional", "family_told"), ("early_help",)),
    Transition("close", "Close the case", ("decided", *IN_PROGRESS), WORK, ("outcome",), ("closed",)),
    Transition("reopen", "Reopen the case", ("closed",), (Role.LEAD,), ("reason",), ("submitted",)),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}
DELEGATED = ("submit", "decide", "approve", "reject", "accept_review", "contest_review")  # other services


def state_of(status: str, approval: str | None, stage: str | None) -> str:
    """The lifecycle state from the referral row's columns."""
    if status == "draft":
        return "received"
    if status == "closed":
        return "closed"
    if status == "submitted" or approval == "rejected":
        return "submitted"
    if approval == "pending":
        return "awaiting_approval"
    if approval == "response":
        return "awaiting_response"
    return stage if stage in IN_PROGRESS else "decided"


def allowed(state: str, role: Role | str | None = None) -> list[Transition]:
    """Transitions possible from `state` (for `role`, when given): the buttons the case view shows."""
    return [t for t in TRANSITIONS if state in t.sources and (role is None or Role(role) in t.roles)]


def refusal(state: str, action: str, role: Role | str) -> str | None:
    """Why `action` cannot happen from `state` for `role` (None: it can), saying what is allowed."""
    t = BY_ACTION.get(action)
    if t is None:
        return f"action: unknown action '{action}'; actions are {', '.join(BY_ACTION)}"
    if state not in t.sources:
        here = [x.action for x in allowed(state, role)]
        return (f"cannot {t.label.lower()}: the case is {STATES[state]}; allowed from here: "
                + (", ".join(here) if here else "nothing for your role"))
    if Role(role) not in t.roles:
        names = " or ".join(r.label.lower() for r in t.roles)
        return f"only a {names} may {t.label.lower()}"
    return None


@dataclass(frozen=True)
class CaseState:
    referral_id: str
    reference: str
    state: str
    label: str


def _row(s, ref: str) -> Referral:
    row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
    if row is None:
        raise InputError(f"reference: no referral {ref}")
    return row


def current_state(ws, ref: str) -> CaseState:
    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        row = _row(s, ref)
        state = state_of(row.status, row.approval, row.stage)
        return CaseState(row.id, row.reference, state, STATES[state])


def _text(params: dict, key: str, label: str, minimum: int = 1) -> str:
    value = params.get(key)
    value = value.strip() if isinstance(value, str) else ""
    if len(value) < minimum:
        more = f" (at least {minimum} characters)" if minimum > 1 else ""
        raise InputError(f"{label}: required{more}")
    return value


def transition(ws, ref: str, action: str, *, now: datetime | None = None, expected_version: int | None = None,
               **params) -> CaseState:
    """Carry out one lifecycle action; returns the new state. Refusals raise InputError/PermissionDenied;
    `expected_version` (the case's version the screen showed): concurrency.Conflict when it changed since."""
    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        row = _row(s, ref)
        state = state_of(row.status, row.approval, row.stage)
        concurrency.check_version(row, expected_version, lambda: _moved_on(s, row, state, action))
        problem = refusal(state, action, user.role)
        if problem is not None:
            if action in BY_ACTION and state in BY_ACTION[action].sources:
                raise PermissionDenied(problem)
            raise InputError(problem)
        referral_id = row.id
    if action in DELEGATED:
        _delegate(ws, referral_id, action, params)
        return current_state(ws, referral_id)
    return _apply(ws, referral_id, action, now or london_now(), params)


def _moved_on(s, row: Referral, state: str, action: str) -> concurrency.Conflict:
    """The case was changed elsewhere since the screen showed it: where it stands now beside the step this
    person was about to take."""
    mine = BY_ACTION[action].label if action in BY_ACTION else action.replace("_", " ")
    diffs = [concurrency.Difference("Case state", STATES[state], f"{mine} (the step you were taking)")]
    return concurrency.changed_since(s, f"case {row.reference}", row.id, row.updated_by, diffs, row.version)


def _delegate(ws, referral_id: str, action: str, params: dict) -> None:
    from triage_desk import decisions, intake, review_response
    from triage_desk.referral_rows import load

    if action == "submit":
        with ws.session() as s:
            doc = load(s.get(Referral, referral_id).document)
        intake.submit(ws, doc)
    elif action in ("accept_review", "contest_review"):
        review_response.respond(ws, referral_id, action == "accept_review", params.get("reason") or "")
    elif action == "decide":
        outcomes = params.get("outcomes") or ()
        level = params.get("level")
        if not isinstance(level, int) or isinstance(level, bool):
            raise InputError("final level: give the final level 1-4")
        proposal = decisions.Proposal(level, tuple(outcomes), params.get("reason") or "",
                                      params.get("evidence") or "", params.get("reason_code"))
        decisions.decide(ws, referral_id, decisions.engine_for(ws, referral_id), proposal)
    else:
        with ws.session() as s:
            current = decisions.current(s, referral_id)
            decision_id = current.id
        decisions.approve(ws, decision_id, action == "approve", params.get("reason") or "")


def _apply(ws, referral_id: str, action: str, now: datetime, params: dict) -> CaseState:
    t = BY_ACTION[action]
    user = ws.user
    reason = (params.get("reason") or "").strip() or None
    team = _text(params, "receiving_team", "receiving team") if "receiving_team" in t.needs else None
    if "reason" in t.needs:
        reason = _text(params, "reason", "reason (why)", MIN_REASON)
    lead = _text(params, "lead_professional", "lead professional") if "lead_professional" in t.needs else None
    told = params.get("family_told") if "family_told" in t.needs else None
    if "family_told" in t.needs and not isinstance(told, bool):
        raise InputError("family told: say whether the family has been told of the step-down (yes or no)")
    outcome = code = None
    if action == "close":
        outcome, code = _closure(params)
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        before = state_of(row.status, row.approval, row.stage)
        if state_of(row.status, row.approval, row.stage) not in t.sources:  # changed since the check
            raise InputError(refusal(before, action, user.role) or "the case changed: try again")
        after = _target(action, params)
        _clocks(s, row, action, after, now, user.username, reason)
        if action == "close":
            row.status, row.stage = "closed", None
        elif action == "reopen":
            row.status, row.stage, row.approval = "submitted", None, None
        else:
            row.stage = after
        _sync_document(row)
        event = CaseEvent(referral_id=row.id, action=action, from_state=before, to_state=after,
                          actor=user.username, role=user.role, at=now, reason=reason, receiving_team=team,
                          lead_professional=lead, outcome=outcome, reason_code=code, family_told=told)
        s.add(event)
        s.flush()
        audit.record(s, user.username, f"case.{action}", "referral", row.id, reference=row.reference,
                     event=event.id, from_state=before, to_state=after, outcome=outcome, reason_code=code)
        return CaseState(row.id, row.reference, after, STATES[after])


def _target(action: str, params: dict) -> str:
    if action == "step_up":
        to = params.get("to")
        if to not in SOCIAL_CARE:
            raise InputError("step up to: a child and family assessment (assessment) or a strategy discussion "
                             "(strategy_discussion)")
        return to
    return {"start_strategy": "strategy_discussion", "start_assessment": "assessment",
            "start_early_help": "early_help", "step_down": "early_help", "close": "closed",
            "reopen": "submitted"}[action]


def _closure(params: dict) -> tuple[str, str | None]:
    """Closure needs an outcome code from the rules file; no further action needs an NFA reason code."""
    from triage_desk.forms.threshold import default_context

    rules = default_context().rules.data
    outcome = params.get("outcome")
    if outcome not in rules["outcomes"]:
        raise InputError(f"outcome: closing needs an outcome, one of {', '.join(rules['outcomes'])}")
    code = params.get("reason_code") or None
    if outcome == "NFA" and code not in rules["nfa_reasons"]:
        raise InputError("NFA reason code: no further action needs a reason code, one of "
                         + ", ".join(rules["nfa_reasons"]))
    if outcome != "NFA" and code is not None and code not in rules["nfa_reasons"]:
        raise InputError(f"NFA reason code: unknown reason code {code}")
    return outcome, code


_STAGE_CLOCKS = {"strategy_discussion": ("strategy_discussion", "strategy_record", "icpc"),
                 "assessment": ("assessment",)}


def _clocks(s, row: Referral, action: str, after: str, now: datetime, by: str, reason: str | None) -> None:
    """Start, restart or cancel the deadlines a transition affects."""
    leaving = _STAGE_CLOCKS.get(row.stage or "", ())
    if action in ("step_up", "step_down", "start_assessment") and leaving:
        deadlines.cancel(s, row.id, leaving, now, by, f"case moved to {STATES[after]}")
    if after == "strategy_discussion":
        deadlines.open_deadline(s, row.id, "strategy_discussion", now)
    elif after == "assessment":
        deadlines.open_deadline(s, row.id, "assessment", now)
    if action == "close":
        keep = {"phone_confirmation", "referrer_feedback", "dispute_manager", "dispute_head_of_service"}
        deadlines.cancel(s, row.id, [k for k in deadlines.KINDS if k not in keep], now, by, "case closed")
    if action.startswith("start_") or action == "close":
        _feedback_clock(s, row.id)
    if action == "reopen":  # a fresh decision is due, on the case's RAG clock, from the reopening
        deadlines.cancel(s, row.id, ["referrer_feedback"], now, by,
                         "case reopened: the referrer is told the new outcome once it is decided")
        deadlines.open_deadline(s, row.id, "decision", now)
        if row.rag:
            deadlines.open_deadline(s, row.id, "rag", now, rag=row.rag)


def _feedback_clock(s, referral_id: str) -> None:
    """The referrer is to be told the outcome within the configured working days of the decision that
    stands: after a reopening that is the new decision, whatever the referrer was told before."""
    from triage_desk import decisions
    from triage_desk.models import Deadline, ReferrerFeedback

    current = decisions.current(s, referral_id)
    if current is None:
        return
    decided = deadlines.to_local(current.decided_at).replace(microsecond=0)  # letters are stamped to the second
    told = s.execute(select(ReferrerFeedback.id).where(ReferrerFeedback.referral_id == referral_id,
                                                       ReferrerFeedback.sent_at >= decided)).first()
    running = s.execute(select(Deadline.id).where(Deadline.referral_id == referral_id,
                                                  Deadline.kind == "referrer_feedback",
                                                  Deadline.started_at >= decided)).first()
    if told is None and running is None:
        deadlines.open_deadline(s, referral_id, "referrer_feedback", decided)


def _sync_document(row: Referral) -> None:
    """The stored document's `status` follows the row (closed / submitted after reopening)."""
    try:
        doc = json.loads(row.document)
    except (TypeError, ValueError):
        return
    if isinstance(doc, dict) and doc.get("status") != row.status:
        doc["status"] = row.status
        row.document = store_text(doc)


def history(ws, ref: str) -> list[dict]:
    """The case's lifecycle events, oldest first."""
    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        row = _row(s, ref)
        events = s.execute(select(CaseEvent).where(CaseEvent.referral_id == row.id)
                           .order_by(CaseEvent.at, CaseEvent.id)).scalars()
        return [{"action": e.action, "label": BY_ACTION[e.action].label if e.action in BY_ACTION else e.action,
                 "from": e.from_state, "to": e.to_state, "by": e.actor, "role": e.role,
                 "at": e.at.strftime("%Y-%m-%dT%H:%M"), "reason": e.reason, "receiving_team": e.receiving_team,
                 "lead_professional": e.lead_professional, "outcome": e.outcome, "reason_code": e.reason_code,
                 "family_told": e.family_told}
                for e in events]
