"""Outcome routing: a pure function from an engine result plus consent and context to a SET of outcomes
(domain.md §4), the approvals still pending, the RAG priority and the deadlines.

Order of the rules (all data in the rules file): the level's own outcomes for the population; the s42
duty replaces TAA with S42; the consent gate for the level (domain.md §2) may replace outcomes
(level 2 refused -> IAG + UNIV) and adds pending approvals (level 3 refused -> practice-lead decision;
level 4 without consent -> reason code); then additions that never replace child procedures: hard
triggers add STRAT, high-risk DASH or a repeat MARAC adds MARAC, ASB with vulnerability adds CMARAC,
an open case adds OPEN. NFA is never proposed: it is a decision, with a reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage_desk.forms.catalogue import Rules
from triage_desk.forms.clock import WorkingCalendar
from triage_desk.forms.engine import AssessResult
from triage_desk.forms.facts import Facts


@dataclass(slots=True)  # read-only by convention (cheap to build when rescoring)
class Routing:
    outcomes: frozenset[str]
    requires: tuple[str, ...]  # pending approvals / missing items, e.g. "reason_code", "practice_lead_decision"
    rag: str  # red | amber | green
    rag_due: datetime
    decision_due: datetime
    confirmation_due: datetime | None  # phone referrals: written confirmation
    notes: tuple[str, ...]  # why each outcome / requirement, for printing beside the engine's reasons
    order: dict[str, int]  # outcome code -> its place in the rules file's `outcomes`

    @property
    def ordered_outcomes(self) -> list[str]:
        """Outcomes in the order the rules file lists them (stable output for JSON and print)."""
        return sorted(self.outcomes, key=lambda c: self.order.get(c, len(self.order)))


def rag_priority(result: AssessResult, facts: Facts, rules: Rules) -> str:
    cfg = rules.data["timescales"]["rag_rules"]
    if (result.suggested_level >= cfg["red_min_level"] or result.triggers or result.dash_risk == "high"
            or result.repeat_marac or result.s42_duty or facts.urgent):
        return "red"
    return "amber" if result.suggested_level >= cfg["amber_min_level"] else "green"


def rag_words(rag: str, rules: Rules) -> str:
    """The RAG priority in words with its configured timescale: "RED – act within 4 hours",
    "AMBER – within 1 working day" (colour is never the only signal)."""
    return f"{rag.upper()} – {'act ' if rag == 'red' else ''}within {span_words(rules.data['timescales']['rag'][rag])}"


def span_words(spec: dict) -> str:
    """A configured timescale in words: {"hours": 4} -> "4 hours", {"working_days": 1} -> "1 working day"."""
    n, unit = (spec["hours"], "hour") if "hours" in spec else (spec["working_days"], "working day")
    n = int(n) if float(n).is_integer() else n
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _due(calendar: WorkingCalendar, start: datetime, spec: dict, memo: dict) -> datetime:
    key = (spec.get("hours"), spec.get("working_days"))
    due = memo.get(key)  # RAG amber and the decision are both "1 working day": compute once
    if due is None:
        due = memo[key] = (calendar.add_hours(start, spec["hours"]) if "hours" in spec
                           else calendar.add_working_time(start, working_days=spec["working_days"]))
    return due


def route(result: AssessResult, facts: Facts, rules: Rules, calendar: WorkingCalendar) -> Routing:
    """Propose outcomes for one assessed referral. Pure apart from reading the calendar."""
    data = rules.data
    routing = data["routing"]
    level = result.suggested_level
    outcomes = set(routing[result.population][str(level)])
    requires: list[str] = []
    notes: list[str] = []
    if result.s42_duty:
        outcomes.difference_update(routing.get("s42_replaces", ()))
        outcomes.update(routing["s42_adds"])
        notes.append(f"{', '.join(routing['s42_adds'])}: all three s42 tests hold")

    gate = data["consent_gates"].get(str(level), {}).get(facts.consent)
    if gate:
        if "replace" in gate:
            outcomes.difference_update(routing[result.population][str(level)])
            outcomes.update(gate["replace"])
        requires.extend(gate.get("requires", ()))
        if gate.get("reason_code") and not facts.consent_reason:
            requires.append("reason_code")
        if gate.get("note"):
            notes.append(f"consent {facts.consent.replace('_', ' ')}: {gate['note']}")

    checks_gate = data.get("checks_consent_gate")
    if checks_gate and facts.checks_consent in checks_gate["states"]:
        requires.append(checks_gate["requires"])
        notes.append(f"agency checks: consent {facts.checks_consent.replace('_', ' ')}, "
                     "checks need a recorded practice-lead decision")

    if result.triggers:
        outcomes.update(routing["trigger_adds"])
        adds = ", ".join(routing["trigger_adds"])
        notes.append(f"{adds}: hard trigger ({', '.join(result.triggers)}): consider a strategy discussion")
    if result.dash_risk == "high" or result.repeat_marac:
        outcomes.update(routing["dash_high_adds"])
        why = "repeat MARAC" if result.repeat_marac and result.dash_risk != "high" else "high-risk domestic abuse"
        notes.append(f"{', '.join(routing['dash_high_adds'])}: {why}, with IDVA referral")
    if facts.dash is not None and facts.dash.judgement_high and not facts.dash.judgement_reason:
        requires.append("dash_judgement_reason")  # judgement "high" must say why
    if result.cmarac:
        outcomes.update(routing["cmarac_adds"])
    if facts.open_case:
        outcomes.update(routing["open_case_adds"])
        notes.append(f"{', '.join(routing['open_case_adds'])}: the case is already open to an allocated worker")

    times = data["timescales"]
    memo: dict = {}
    rag = rag_priority(result, facts, rules)
    received = facts.received_at
    return Routing(
        outcomes=frozenset(outcomes), requires=tuple(dict.fromkeys(requires)), rag=rag,
        rag_due=_due(calendar, received, times["rag"][rag], memo),
        decision_due=_due(calendar, received, times["decision"], memo),
        confirmation_due=(_due(calendar, received, times["phone_confirmation"], memo)
                          if facts.channel == "phone" and "phone_confirmation" in times else None),
        notes=tuple(notes), order=_order(rules))


def _order(rules: Rules) -> dict[str, int]:
    order = rules.cache.get("outcome_order")
    if order is None:
        order = rules.cache["outcome_order"] = {code: n for n, code in enumerate(rules.codes("outcomes"))}
    return order
