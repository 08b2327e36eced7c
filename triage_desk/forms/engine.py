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


def _order(ind: Indicator) -> tuple:
    return (-ind.level, ind.domain, ind.id)


def dash_band(score: int, thresholds: dict) -> str:
    for band in ("high", "medium", "standard"):
        low, high = thresholds[band]
        if low <= score <= high:
            return band
    return "standard"


def assess(facts: Facts, catalogue: Catalogue, rules: Rules) -> AssessResult:
    """Score one referral's facts against the catalogue and rules. Pure: same input, same result."""
    population = facts.population
    data = rules.data
    get = catalogue.indicators.__getitem__
    chosen = sorted((get(i) for i in facts.indicators), key=_order)
    domain_levels: dict[str, int] = {}
    for ind in chosen:
        if ind.level > domain_levels.get(ind.domain, 0):
            domain_levels[ind.domain] = ind.level
    reasons: list[str] = []
    applied: list[str] = []
    if facts.kind == "unborn":
        reasons.append("unborn child: assessed as a child (expected delivery date instead of a date of birth)")
    reasons.extend(ind.reason for ind in chosen)
    indicator_level = max(domain_levels.values(), default=1)
    level = indicator_level
    if domain_levels:
        top = sorted(d for d, lv in domain_levels.items() if lv == indicator_level)
        reasons.append(f"highest domain level {indicator_level} in {', '.join(top)}")
    else:
        reasons.append("no indicators chosen: level 1")

    escalation = None
    esc = data["escalation"]
    if esc.get("enabled", True) and len(domain_levels) >= esc["min_domains"] and level < esc["to_level"]:
        many = sorted(d for d, lv in domain_levels.items() if lv >= esc["from_level"])
        if len(many) >= esc["min_domains"]:
            level = esc["to_level"]
            escalation = esc.get("name", "escalation")
            applied.append(escalation)
            reasons.append(f"rule {escalation}: level-{esc['from_level']} needs in {len(many)} domains "
                           f"({', '.join(many)}) -> level {level} ({esc.get('label', 'escalation')})")

    trigger_names = data["triggers"]
    triggers = sorted({ind.trigger for ind in chosen if ind.trigger})
    for ind in chosen if triggers else ():
        if ind.trigger:
            reasons.append(f"hard trigger {ind.trigger} ({trigger_names.get(ind.trigger, ind.trigger)}) "
                           f"from {ind.id}: consider a strategy discussion")

    dash_cfg = data["dash"]
    dash_score = dash_risk = None
    repeat = False
    floors = data["level_floors"].get(population, {})
    if facts.dash is not None:
        dash_score = facts.dash.yes
        if dash_score is not None:
            dash_risk = dash_band(dash_score, dash_cfg["thresholds"])
            reasons.append(f"DASH: {dash_score} yes answer{'s' if dash_score != 1 else ''} -> {dash_risk} risk")
        if facts.dash.judgement_high and dash_risk != "high":
            dash_risk = "high"
            code = facts.dash.judgement_reason
            # a free-text reason may hold personal details: print the configured label only
            why = dash_cfg.get("judgement_high_reasons", {}).get(code or "") or (
                "reason recorded" if code else "reason not recorded")
            reasons.append(f"DASH: professional judgement makes the risk high ({why})")
        if dash_risk == "high":
            reasons.append("DASH high risk: refer to MARAC with an IDVA referral")
        last = facts.dash.last_marac
        if last is not None:
            incident = facts.received_at.date()
            window = dash_cfg["repeat_marac_months"]
            if last <= incident < last + relativedelta(months=window):
                repeat = True
                reasons.append(f"repeat MARAC: new incident within {window} months of the last MARAC "
                               f"referral ({last.isoformat()})")
        if dash_risk == "high" and "dash_high" in floors and level < floors["dash_high"]:
            level = floors["dash_high"]
            applied.append("dash_high")
            reasons.append(f"rule dash_high: high-risk domestic abuse puts an adult case at level {level}")

    s42_duty = None
    if population == "adult":
        tests = facts.s42 or (None, None, None)
        s42_duty = all(t is True for t in tests)
        labels = data["s42_tests"]
        if s42_duty:
            reasons.append("s42 duty: all three tests hold (" + "; ".join(labels[k] for k in S42_TESTS) + ")")
            if "s42_duty" in floors and level < floors["s42_duty"]:
                level = floors["s42_duty"]
                applied.append("s42_duty")
                reasons.append(f"rule s42_duty: a statutory s42 enquiry puts the case at level {level}")
        elif facts.s42 is not None:
            missing = [labels[k] for k, t in zip(S42_TESTS, tests, strict=True) if t is not True]
            reasons.append("s42 duty does not apply: not established that the adult " + "; ".join(missing))

    cmarac = False
    cm = data["routing"].get("cmarac")
    asb = [i for i in facts.indicators if i in cm["asb_indicators"]] if cm and population == "adult" else None
    if asb:
        vuln = sorted(d for d, lv in domain_levels.items()
                      if d in cm["vulnerability_domains"] and lv >= cm.get("vulnerability_min_level", 2))
        if vuln:
            cmarac = True
            reasons.append(f"persistent anti-social behaviour ({', '.join(asb)}) with vulnerability "
                           f"({', '.join(vuln)}): community MARAC")

    label = catalogue.level_label(population, level)
    reasons.append(f"suggested level {level} ({label})")
    return AssessResult(population=population, kind=facts.kind, suggested_level=level,
                        indicator_level=indicator_level, level_label=label, domain_levels=domain_levels,
                        indicators=tuple(chosen), reasons=tuple(reasons), triggers=tuple(triggers),
                        escalation=escalation, dash_score=dash_score, dash_risk=dash_risk, repeat_marac=repeat,
                        s42_duty=s42_duty, cmarac=cmarac, rules_applied=tuple(applied))
