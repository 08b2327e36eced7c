"""Continuum-of-need scoring: a pure function from facts to a level with its reasons (domain.md §3, §4).

Transparent by design, no weighted sums: a domain's level is the highest indicator met in it, the
suggested level is the highest domain level, and the only things that can raise it further are
named rules (escalation for multiple needs; for adults the s42 duty and high-risk DASH) which
appear in the reasons. Hard triggers never change the level: they add "consider a strategy
discussion" whatever the level (the router turns that into STRAT).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from triage_desk.forms.catalogue import Catalogue, Indicator, Rules
from triage_desk.forms.facts import S42_TESTS, Facts


@dataclass(slots=True)  # read-only by convention; frozen dataclasses cost ~2 us each to build
class AssessResult:
    population: str  # child | adult
    kind: str  # child | unborn | adult
    suggested_level: int
    indicator_level: int  # the highest domain level before any rule raised it
    level_label: str
    domain_levels: dict[str, int]
    indicators: tuple[Indicator, ...]  # chosen indicators, highest level first
    reasons: tuple[str, ...]
    triggers: tuple[str, ...]  # trigger codes, sorted
    escalation: str | None = None  # name of the escalation rule when it raised the level
    dash_score: int | None = None
    dash_risk: str | None = None  # standard | medium | high | None (no checklist)
    repeat_marac: bool = False
    s42_duty: bool | None = None  # None for children
    cmarac: bool = False
    rules_applied: tuple[str, ...] = field(default=())


def assess_key(facts: Facts) -> tuple:
    """Everything `assess` reads from the facts: facts with equal keys get equal results, so a bulk rescore
    scores each distinct key once. Widen it whenever `assess` starts reading another fact
    (tests/test_rescoring.py varies every other fact and checks that the result stays the same)."""
    dash = facts.dash
    return (facts.kind, facts.indicators, dash, facts.s42,
            facts.received_at.date() if dash is not None and dash.last_marac is not None else None)


def _order(ind: Indicator) -> tuple:
    return (-ind.level, ind.domain, ind.id)


def dash_band(score: int, thresholds: dict) -> str:
    for band in ("high", "medium", "standard"):
        low, high = thresholds[band]
        if low <= score <= high:
            return band
    return "standard"


@dataclass(slots=True)
class _Scoring:
    """What the steps of `assess` build up: the level so far, and the reasons and rules that explain it."""

    level: int
    reasons: list[str]
    applied: list[str]

    def raise_to(self, level: int, rule: str, why: str) -> None:
        self.level = level
        self.applied.append(rule)
        self.reasons.append(f"rule {rule}: {why}")


def assess(facts: Facts, catalogue: Catalogue, rules: Rules) -> AssessResult:
    """Score one referral's facts against the catalogue and rules. Pure: same input, same result.

    The steps read like docs/threshold.md "Rules in force": domain levels, escalation for multiple needs,
    hard triggers, DASH, the s42 duty, then community MARAC."""
    population, data = facts.population, rules.data
    get = catalogue.indicators.__getitem__
    chosen = sorted((get(i) for i in facts.indicators), key=_order)
    domain_levels, indicator_level, reasons = _domain_levels(facts, chosen)
    score = _Scoring(indicator_level, reasons, [])
    escalation = _escalation(data["escalation"], domain_levels, score)
    triggers = _hard_triggers(chosen, data["triggers"], score)
    floors = data["level_floors"].get(population, {})
    dash_score, dash_risk, repeat = _dash(facts, data["dash"], floors, score)
    s42_duty = _s42_duty(facts, data["s42_tests"], floors, score) if population == "adult" else None
    cmarac = _community_marac(facts, data["routing"].get("cmarac"), domain_levels, score)
    label = catalogue.level_label(population, score.level)
    score.reasons.append(f"suggested level {score.level} ({label})")
    return AssessResult(population=population, kind=facts.kind, suggested_level=score.level,
                        indicator_level=indicator_level, level_label=label, domain_levels=domain_levels,
                        indicators=tuple(chosen), reasons=tuple(score.reasons), triggers=triggers,
                        escalation=escalation, dash_score=dash_score, dash_risk=dash_risk, repeat_marac=repeat,
                        s42_duty=s42_duty, cmarac=cmarac, rules_applied=tuple(score.applied))


def _domain_levels(facts: Facts, chosen: list[Indicator]) -> tuple[dict[str, int], int, list[str]]:
    """A domain's level is the highest indicator met in it; the suggested level is the highest domain level."""
    domain_levels: dict[str, int] = {}
    for ind in chosen:
        if ind.level > domain_levels.get(ind.domain, 0):
            domain_levels[ind.domain] = ind.level
    reasons: list[str] = []
    if facts.kind == "unborn":
        reasons.append("unborn child: assessed as a child (expected delivery date instead of a date of birth)")
    reasons.extend(ind.reason for ind in chosen)
    level = max(domain_levels.values(), default=1)
    if domain_levels:
        top = sorted(d for d, lv in domain_levels.items() if lv == level)
        reasons.append(f"highest domain level {level} in {', '.join(top)}")
    else:
        reasons.append("no indicators chosen: level 1")
    return domain_levels, level, reasons


def _escalation(esc: dict, domain_levels: dict[str, int], score: _Scoring) -> str | None:
    """Multiple needs: needs at `from_level` in `min_domains` domains raise the level to `to_level`."""
    if not esc.get("enabled", True) or len(domain_levels) < esc["min_domains"] or score.level >= esc["to_level"]:
        return None
    many = sorted(d for d, lv in domain_levels.items() if lv >= esc["from_level"])
    if len(many) < esc["min_domains"]:
        return None
    name = esc.get("name", "escalation")
    score.raise_to(esc["to_level"], name, f"level-{esc['from_level']} needs in {len(many)} domains "
                   f"({', '.join(many)}) -> level {esc['to_level']} ({esc.get('label', 'escalation')})")
    return name


def _hard_triggers(chosen: list[Indicator], names: dict, score: _Scoring) -> tuple[str, ...]:
    """Hard triggers never change the level: each asks for a strategy discussion whatever the level."""
    triggers = tuple(sorted({ind.trigger for ind in chosen if ind.trigger}))
    for ind in chosen if triggers else ():
        if ind.trigger:
            score.reasons.append(f"hard trigger {ind.trigger} ({names.get(ind.trigger, ind.trigger)}) "
                                 f"from {ind.id}: consider a strategy discussion")
    return triggers


def _dash(facts: Facts, cfg: dict, floors: dict, score: _Scoring) -> tuple[int | None, str | None, bool]:
    """DASH: the checklist band, professional judgement of high risk, a repeat MARAC within the window,
    and (adults) high risk as a level floor. Returns (score, risk band, repeat MARAC)."""
    if facts.dash is None:
        return None, None, False
    dash_score, dash_risk, reasons = facts.dash.yes, None, score.reasons
    if dash_score is not None:
        dash_risk = dash_band(dash_score, cfg["thresholds"])
        reasons.append(f"DASH: {dash_score} yes answer{'s' if dash_score != 1 else ''} -> {dash_risk} risk")
    if facts.dash.judgement_high and dash_risk != "high":
        dash_risk = "high"
        code = facts.dash.judgement_reason
        # a free-text reason may hold personal details: print the configured label only
        why = cfg.get("judgement_high_reasons", {}).get(code or "") or (
            "reason recorded" if code else "reason not recorded")
        reasons.append(f"DASH: professional judgement makes the risk high ({why})")
    if dash_risk == "high":
        reasons.append("DASH high risk: refer to MARAC with an IDVA referral")
    repeat, last, window = False, facts.dash.last_marac, cfg["repeat_marac_months"]
    if last is not None and last <= facts.received_at.date() < last + relativedelta(months=window):
        repeat = True
        reasons.append(f"repeat MARAC: new incident within {window} months of the last MARAC "
                       f"referral ({last.isoformat()})")
    if dash_risk == "high" and "dash_high" in floors and score.level < floors["dash_high"]:
        score.raise_to(floors["dash_high"], "dash_high", "high-risk domestic abuse puts an adult case at "
                       f"level {floors['dash_high']}")
    return dash_score, dash_risk, repeat


def _s42_duty(facts: Facts, labels: dict, floors: dict, score: _Scoring) -> bool:
    """Care Act s42: the duty holds only when all three tests are true (unknown is not true)."""
    tests = facts.s42 or (None, None, None)
    duty = all(t is True for t in tests)
    if duty:
        score.reasons.append("s42 duty: all three tests hold (" + "; ".join(labels[k] for k in S42_TESTS) + ")")
        if "s42_duty" in floors and score.level < floors["s42_duty"]:
            score.raise_to(floors["s42_duty"], "s42_duty", "a statutory s42 enquiry puts the case at level "
                           f"{floors['s42_duty']}")
    elif facts.s42 is not None:
        missing = [labels[k] for k, t in zip(S42_TESTS, tests, strict=True) if t is not True]
        score.reasons.append("s42 duty does not apply: not established that the adult " + "; ".join(missing))
    return duty


def _community_marac(facts: Facts, cm: dict | None, domain_levels: dict[str, int], score: _Scoring) -> bool:
    """Community MARAC: persistent anti-social behaviour together with a vulnerability (adults)."""
    asb = [i for i in facts.indicators if i in cm["asb_indicators"]] if cm and facts.population == "adult" else None
    if not asb:
        return False
    vuln = sorted(d for d, lv in domain_levels.items()
                  if d in cm["vulnerability_domains"] and lv >= cm.get("vulnerability_min_level", 2))
    if vuln:
        score.reasons.append(f"persistent anti-social behaviour ({', '.join(asb)}) with vulnerability "
                             f"({', '.join(vuln)}): community MARAC")
    return bool(vuln)
