"""What every section builder reads: the document, the page width, and the lookups from ids and codes
to the words a reader needs (people's names, indicator labels, outcome and reason-code labels)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from triage_desk.forms.clock import whole_years
from triage_desk.reports.pdf_styles import as_dict, as_list, humanise, parse_when


@lru_cache(maxsize=1)
def _shipped_labels() -> dict[str, dict]:
    """Labels from the shipped rules and catalogue. The PDF prints codes beside these labels, so a
    council's renamed label never hides what was recorded; a broken rules file only loses labels."""
    from triage_desk.forms.catalogue import default_catalogue, default_rules

    try:
        rules, cat = default_rules().data, default_catalogue()
    except Exception:  # noqa: BLE001 - printing must not depend on the rules file loading
        return {}
    dash = as_dict(rules.get("dash"))
    return {"outcomes": dict(rules.get("outcomes", {})), "requires": dict(rules.get("requires_labels", {})),
            "reasons": {**rules.get("consent_not_sought_reasons", {}), **rules.get("refusal_override_reasons", {}),
                        **rules.get("nfa_reasons", {})},
            "dash_questions": dict(dash.get("questions", {})),
            "dash_judgement": dict(dash.get("judgement_high_reasons", {})),
            "triggers": dict(rules.get("triggers", {})),
            "indicators": {i.id: i.label for i in cat.indicators.values()},
            "domains": dict(cat.domain_labels),
            "levels": {p: dict(v) for p, v in cat.levels.items()}}


def person_name(person: dict) -> str:
    """'Forenames Surname' for a subject, or the household member's single name field."""
    if not isinstance(person, dict):
        return ""
    if person.get("name"):
        return str(person["name"])
    return " ".join(str(person[k]) for k in ("forenames", "surname") if person.get(k)).strip()


def age_on(born: Any, on: date) -> int | None:
    b = parse_when(born)
    if b is None:
        return None
    b = b.date() if isinstance(b, datetime) else b
    years = whole_years(b, on)
    return years if 0 <= years < 130 else None


@dataclass
class Ctx:
    doc: dict
    width: float
    generated_at: datetime
    history: list | None = None  # None: nobody looked; []: looked and found none
    catalogue_labels: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # person id -> display name

    @classmethod
    def build(cls, doc: dict, width: float, generated_at: datetime, history: Any,
              catalogue_labels: Any) -> Ctx:
        ctx = cls(doc=doc, width=width, generated_at=generated_at,
                  history=None if history is None else [h for h in as_list(history) if isinstance(h, dict)],
                  catalogue_labels=as_dict(catalogue_labels), labels=_shipped_labels())
        for person in as_list(doc.get("subjects")) + as_list(doc.get("household")):
            if isinstance(person, dict) and person.get("id"):
                ctx.names[str(person["id"])] = person_name(person) or "name not recorded"
        return ctx

    def section(self, key: str) -> dict:
        return as_dict(self.doc.get(key))

    def engine(self) -> dict:
        return as_dict(self.section("decision").get("engine"))

    @property
    def population(self) -> str:
        return "adult" if self.doc.get("variant") == "adult" else "child"

    @property
    def today(self) -> date:
        return self.generated_at.date()

    def who(self, person_id: Any) -> str:
        """A person id as a name when the document knows it (consent and checks refer to people by id)."""
        if person_id is None or person_id == "":
            return humanise(None)
        return self.names.get(str(person_id), str(person_id))

    def indicator_label(self, ind_id: str) -> str:
        for ind in as_list(self.engine().get("indicators")):
            if isinstance(ind, dict) and ind.get("id") == ind_id and ind.get("label"):
                return str(ind["label"])
        return str(self.catalogue_labels.get(ind_id) or self.labels.get("indicators", {}).get(ind_id) or "")

    def domain_label(self, domain: str) -> str:
        return str(self.labels.get("domains", {}).get(domain) or domain.replace("_", " "))

    def level_text(self, level: Any) -> str:
        if not isinstance(level, int) or isinstance(level, bool):
            return humanise(level)
        engine = self.engine()
        label = engine.get("level_label") if engine.get("suggested_level") == level else None
        label = label or self.labels.get("levels", {}).get(self.population, {}).get(level)
        return f"Level {level}" + (f" ({label})" if label else "")

    def code_label(self, table: str, code: Any) -> str:
        return str(self.labels.get(table, {}).get(str(code), "")) if code is not None else ""
