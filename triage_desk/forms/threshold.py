"""The one entry point everyone calls for a threshold result: the CLI `assess`, the wizard, the PDF and
the bundle all use `evaluate()` so they show the same thing. `rescore()` replays many stored
referrals against the current catalogue and rules, loading them once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import Catalogue, Rules, default_catalogue, default_rules, load_pair
from triage_desk.forms.clock import WorkingCalendar, iso_local
from triage_desk.forms.engine import AssessResult, assess
from triage_desk.forms.facts import Facts, to_facts
from triage_desk.forms.router import Routing, route


@dataclass(frozen=True)
class Context:
    """Catalogue, rules and calendar loaded together (load once, score many)."""

    catalogue: Catalogue
    rules: Rules
    calendar: WorkingCalendar


@lru_cache(maxsize=1)
def default_context() -> Context:
    rules = default_rules()
    return Context(default_catalogue(), rules, WorkingCalendar.from_rules(rules))


def load_context(catalogue_path: str | None = None, rules_path: str | None = None) -> Context:
    """Catalogue and rules from files (default: the shipped ones), checked against each other."""
    if not catalogue_path and not rules_path:
        return default_context()
    cat, rules = load_pair(catalogue_path, rules_path)
    return Context(cat, rules, WorkingCalendar.from_rules(rules))


def result_json(facts: Facts, result: AssessResult, routing: Routing, ctx: Context) -> dict:
    """The JSON object `triage-desk assess` prints (issue 4 §4 keys plus a few useful extras)."""
    return {
        "suggested_level": result.suggested_level,
        "level_label": result.level_label,
        "population": result.population,
        "subject_kind": result.kind,
        "domain_levels": dict(sorted(result.domain_levels.items())),
        "indicators": [{"id": i.id, "domain": i.domain, "level": i.level, "label": i.label, "trigger": i.trigger}
                       for i in result.indicators],
        "reasons": list(result.reasons) + list(routing.notes),
        "triggers": list(result.triggers),
        "escalation": result.escalation,
        "outcomes": routing.ordered_outcomes,
        "requires": list(routing.requires),
        "requires_text": [ctx.rules.data["requires_labels"].get(c, c) for c in routing.requires],
        "consent": facts.consent,
        "dash_score": result.dash_score,
        "dash_risk": result.dash_risk,
        "repeat_marac": result.repeat_marac,
        "s42_duty": result.s42_duty,
        "rag": routing.rag,
        "rag_due": iso_local(routing.rag_due),
        "received_at": iso_local(facts.received_at),
        "decision_due": iso_local(routing.decision_due),
        "confirmation_due": iso_local(routing.confirmation_due) if routing.confirmation_due else None,
        "catalogue": ctx.catalogue.ref,
        "rules": ctx.rules.ref,
    }


def score(document_or_facts: dict, now: datetime | None = None, *,
          context: Context | None = None) -> tuple[Facts, AssessResult, Routing]:
    """The facts, the engine's result and the routing for a referral document or bare facts object.

    `now` stands in for the receipt time when the input has none (naive = Europe/London).
    Raises InputError naming the JSON path for bad input.
    """
    ctx = context or default_context()
    facts = to_facts(document_or_facts, ctx.catalogue, ctx.rules, now)
    result = assess(facts, ctx.catalogue, ctx.rules)
    return facts, result, route(result, facts, ctx.rules, ctx.calendar)


def evaluate(document_or_facts: dict, now: datetime | None = None, *, context: Context | None = None) -> dict:
    """Assess and route a referral document or bare facts object; returns the `assess` JSON dict."""
    ctx = context or default_context()
    return result_json(*score(document_or_facts, now, context=ctx), ctx)


def due(step: str, start: datetime, context: Context | None = None) -> datetime:
    """Deadline for a configured step (rules `timescales`: "decision", "phone_confirmation",
    "strategy_discussion", "strategy_record", "child_and_family_assessment", "icpc") from `start`.
    Hours are elapsed clock hours; working days are working time (see forms/clock.py)."""
    ctx = context or default_context()
    spec = ctx.rules.data["timescales"].get(step)
    if not isinstance(spec, dict) or not ("hours" in spec or "working_days" in spec):
        raise InputError(f"rules: timescales.{step} is not a configured deadline")
    start = ctx.calendar.local(start)
    if "hours" in spec:
        return ctx.calendar.add_hours(start, spec["hours"])
    return ctx.calendar.add_working_time(start, working_days=spec["working_days"])


def rescore(documents: Iterable[dict], *, errors: str = "raise", context: Context | None = None,
            now: datetime | None = None) -> Iterator[dict]:
    """Re-assess many referrals with one loaded catalogue/rules/calendar; yields one dict per document.

    errors="raise" stops at the first bad document; errors="report" yields
    {"id": <document id or null>, "error": <message>} for it and carries on.
    """
    if errors not in ("raise", "report"):
        raise ValueError("errors must be 'raise' or 'report'")
    ctx = context or default_context()
    for doc in documents:
        try:
            yield result_json(*score(doc, now, context=ctx), ctx)
        except InputError as exc:
            if errors == "raise":
                raise
            yield {"id": doc.get("id") if isinstance(doc, dict) else None, "error": str(exc)}


def catalogue_json(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """What `triage-desk catalogue --json` prints."""
    cat = catalogue or default_catalogue()
    return {"id": cat.id, "version": cat.version, "sha256": cat.sha256,
            "levels": {str(k): v for k, v in cat.levels["child"].items()},
            "adult_levels": {str(k): v for k, v in cat.levels["adult"].items()},
            "domains": {p: [{"id": d, "label": label} for d, label in cat.domains[p]] for p in cat.domains},
            "sources": {k: dict(v) for k, v in cat.sources.items()},
            "indicators": [i.as_json() for i in cat.indicators.values()]}
