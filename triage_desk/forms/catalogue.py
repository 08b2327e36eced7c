"""The continuum-of-need catalogue and the threshold rules, loaded from their JSON files and checked.

Both are versioned data (a council edits a file, not code). Each loaded object keeps the id, version
and the sha256 of the exact file bytes so that a saved decision can say what it was scored with.
Validation errors name the file and the JSON path, never indicator wording beyond the id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms.schema_check import bad, check_file

FORMS_DIR = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = FORMS_DIR / "catalogue_default.json"
DEFAULT_RULES = FORMS_DIR / "rules_default.json"

CATALOGUE_SCHEMA = "catalogue.schema.json"
RULES_SCHEMA = "rules.schema.json"
POPULATIONS = ("child", "adult")


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    domain: str
    level: int
    subject: str
    label: str
    help: str
    trigger: str | None
    population: str
    reason: str = ""  # the line the engine prints for this indicator (built once at load)
    source: tuple = field(default=(), compare=False)  # ({"document", "year", "level"[, "use"]}, ...)

    def as_json(self) -> dict:
        """The shape `triage-desk catalogue --json` prints for one indicator."""
        return {"id": self.id, "domain": self.domain, "level": self.level, "subject": self.subject,
                "label": self.label, "trigger": self.trigger, "source": [dict(s) for s in self.source]}


@dataclass(frozen=True)
class Catalogue:
    id: str
    version: str
    sha256: str
    levels: MappingProxyType  # population -> {level int: label}
    domains: MappingProxyType  # population -> ((domain id, label), ...)
    indicators: MappingProxyType  # id -> Indicator, in file order
    path: str = ""
    domain_labels: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # derived lookups, built lazily
    sources: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # key -> document

    def get(self, indicator_id: str) -> Indicator | None:
        return self.indicators.get(indicator_id)

    def for_population(self, population: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.population == population]

    def by_domain(self, population: str) -> dict[str, list[Indicator]]:
        out: dict[str, list[Indicator]] = {d: [] for d, _ in self.domains[population]}
        for ind in self.indicators.values():
            if ind.population == population:
                out[ind.domain].append(ind)
        return out

    def domain_label(self, domain: str) -> str:
        return self.domain_labels.get(domain, domain)

    def level_label(self, population: str, level: int) -> str:
        return self.levels[population].get(level, str(level))

    @property
    def ref(self) -> dict:
        """{"id", "version", "sha256"}: what a decision records about the catalogue it used."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class Rules:
    id: str
    version: str
    sha256: str
    data: MappingProxyType = field(repr=False)  # the whole rules file, read-only at the top level
    path: str = ""
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # derived lookups, built lazily

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @property
    def ref(self) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}

    @property
    def levels(self) -> tuple[int, ...]:
        """The configured levels, lowest first (the same for children and adults)."""
        return tuple(sorted(int(k) for k in self.data["levels"]["child"]))

    def codes(self, key: str) -> dict[str, str]:
        """A code -> label table of the file (outcomes, triggers, nfa_reasons, lawful_bases...), in file order."""
        return {k: v for k, v in self.data[key].items() if not k.startswith("_")}


def _read(path: Path) -> tuple[bytes, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        return raw, json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"{path.name}: not valid JSON{where}") from None


def _levels(labels: dict, source: str, where: str) -> dict[int, str]:
    """Level labels keyed by number; the levels must run 1, 2, ... N with no gap."""
    levels = {int(k): v for k, v in sorted(labels.items(), key=lambda kv: int(kv[0]))}
    if list(levels) != list(range(1, len(levels) + 1)):
        raise bad(source, where, f"must label levels 1 to {len(levels)} with no gap")
    return levels


def _same_levels(levels: dict, source: str) -> None:
    if set(levels["child"]) != set(levels["adult"]):
        raise bad(source, "$.levels.child", "must label the same levels as levels.adult")


def _indicator_source(item: dict, at: str, sources: dict, levels: dict, name: str) -> tuple:
    """An indicator's `source` entries (shape checked by the schema): each must name a listed document and
    one of the catalogue's levels."""
    out = []
    for n, entry in enumerate(item.get("source", [])):
        if entry["document"] not in sources:
            raise bad(name, f"{at}.source[{n}].document", f"{entry['document']!r} is not listed under sources")
        if entry["level"] not in levels:
            raise bad(name, f"{at}.source[{n}].level", "is not one of the levels the catalogue labels")
        out.append(MappingProxyType(dict(entry)))
    return tuple(out)


def parse_catalogue(raw: bytes, data: Any, name: str = "catalogue") -> Catalogue:
    """Check a decoded catalogue file against catalogue.schema.json and its cross-references, and build
    the lookup object."""
    check_file(data, CATALOGUE_SCHEMA, name, raw)
    levels = {p: _levels(data["levels"][p], name, f"$.levels.{p}") for p in POPULATIONS}
    _same_levels(levels, name)
    domains: dict[str, tuple] = {}
    domain_pop: dict[str, str] = {}
    for p in POPULATIONS:
        for n, entry in enumerate(data["domains"][p]):
            if entry["id"] in domain_pop:
                raise bad(name, f"$.domains.{p}[{n}].id", f"domain {entry['id']!r} is declared twice")
            domain_pop[entry["id"]] = p
        domains[p] = tuple((e["id"], e["label"]) for e in data["domains"][p])
    sources = data.get("sources", {})
    labels = {d: lab for p in POPULATIONS for d, lab in domains[p]}
    indicators: dict[str, Indicator] = {}
    for n, item in enumerate(data["indicators"]):
        at, iid, domain, level = f"$.indicators[{n}]", item["id"], item["domain"], item["level"]
        if iid in indicators:
            raise bad(name, f"{at}.id", f"{iid!r} is used twice (ids must be unique)")
        if domain not in domain_pop:
            raise bad(name, f"{at}.domain", f"{domain!r} is not declared under domains")
        if iid.partition(".")[0] != domain:
            raise bad(name, f"{at}.id", f"{iid!r} must be '{domain}.<slug>'")
        if level not in levels[domain_pop[domain]]:
            raise bad(name, f"{at}.level", "is not one of the levels the catalogue labels")
        indicators[iid] = Indicator(iid, domain, level, item["subject"], item["label"], str(item.get("help", "")),
                                    item.get("trigger"), domain_pop[domain],
                                    f"indicator {iid} \"{item['label']}\" ({labels[domain]}, level {level})",
                                    _indicator_source(item, at, sources, levels[domain_pop[domain]], name))
    return Catalogue(data["id"], data["version"], hashlib.sha256(raw).hexdigest(),
                     MappingProxyType(levels), MappingProxyType(domains), MappingProxyType(indicators), name,
                     MappingProxyType(labels),
                     sources=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in sources.items()}))


def parse_rules(raw: bytes, data: Any, name: str = "rules") -> Rules:
    """Check a decoded rules file against rules.schema.json and the codes it cross-references."""
    check_file(data, RULES_SCHEMA, name, raw)
    levels = {p: _levels(data["levels"][p], name, f"$.levels.{p}") for p in POPULATIONS}
    _same_levels(levels, name)
    level_keys = {str(n) for n in levels["child"]}
    outcomes = set(data["outcomes"]) - {"_comment"}
    routing = data["routing"]

    def known(codes: Any, path: str, allowed: set, what: str) -> None:
        unknown = [c for c in codes if c not in allowed]
        if unknown:
            raise bad(name, path, f"names {what} not configured in this file: {', '.join(map(str, unknown))}")

    for p in POPULATIONS:
        if set(routing[p]) != level_keys:
            raise bad(name, f"$.routing.{p}", "must route every configured level")
        for lv, codes in routing[p].items():
            known(codes, f"$.routing.{p}.{lv}", outcomes, "outcome code(s)")
    for key in ("s42_replaces", "s42_adds", "trigger_adds", "open_case_adds", "dash_high_adds", "cmarac_adds"):
        known(routing[key], f"$.routing.{key}", outcomes, "outcome code(s)")
    known([data["nfa_outcome"]], "$.nfa_outcome", outcomes, "an outcome code")
    states = set(data["consent_states"])
    for lv, table in data["consent_gates"].items():
        if lv.startswith("_"):
            continue
        known([lv], f"$.consent_gates.{lv}", level_keys, "a level")
        known(table, f"$.consent_gates.{lv}", states, "consent state(s)")
        for state, gate in table.items():
            known(gate.get("replace", ()), f"$.consent_gates.{lv}.{state}.replace", outcomes, "outcome code(s)")
    gate = data.get("checks_consent_gate") or {}
    known(gate.get("states", ()), "$.checks_consent_gate.states", states, "consent state(s)")
    for key in ("from_level", "to_level"):
        known([str(data["escalation"][key])], f"$.escalation.{key}", level_keys, "a level")
    codes = {"reason_code", "dash_judgement_reason"}
    codes.update(c for lv, table in data["consent_gates"].items() if not lv.startswith("_")
                 for g in table.values() for c in g.get("requires", ()))
    if gate:
        codes.add(gate["requires"])
    missing = sorted(str(c) for c in codes - set(data["requires_labels"]))
    if missing:
        raise bad(name, "$.requires_labels", f"has no label for {', '.join(missing)}")
    return Rules(data["id"], data["version"], hashlib.sha256(raw).hexdigest(), MappingProxyType(data), name)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a catalogue file (default: the shipped one)."""
    p = Path(path) if path else DEFAULT_CATALOGUE
    raw, data = _read(p)
    return parse_catalogue(raw, data, p.name)


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate a rules file (default: the shipped one)."""
    p = Path(path) if path else DEFAULT_RULES
    raw, data = _read(p)
    return parse_rules(raw, data, p.name)


def check_pair(catalogue: Catalogue, rules: Rules) -> None:
    """The two files must agree on level labels, and each may name only what the other defines: the
    catalogue's triggers are the rules' triggers, the rules' CMARAC indicators are catalogue indicators."""
    for p in POPULATIONS:
        if set(rules["levels"][p]) != {str(lv) for lv in catalogue.levels[p]}:
            raise bad(rules.path, f"$.levels.{p}", "must label the same levels as the catalogue")
        for lv, label in catalogue.levels[p].items():
            if rules["levels"][p][str(lv)] != label:
                raise bad(rules.path, f"$.levels.{p}.{lv}", "differs from the catalogue's label")
    triggers = rules.codes("triggers")
    for n, ind in enumerate(catalogue.indicators.values()):
        if ind.trigger is not None and ind.trigger not in triggers:
            raise bad(catalogue.path, f"$.indicators[{n}].trigger",
                      f"is not one of the triggers {rules.path} names ({', '.join(triggers)})")
    cm = rules["routing"].get("cmarac") or {}
    for n, iid in enumerate(cm.get("asb_indicators", [])):
        if iid not in catalogue.indicators:
            raise bad(rules.path, f"$.routing.cmarac.asb_indicators[{n}]", "is not a catalogue indicator")


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return load_catalogue()


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    rules = load_rules()
    check_pair(default_catalogue(), rules)
    return rules


def load_pair(catalogue_path: str | Path | None = None,
              rules_path: str | Path | None = None) -> tuple[Catalogue, Rules]:
    """A catalogue and rules from files (default: the shipped ones), checked against each other."""
    if not catalogue_path and not rules_path:
        return default_catalogue(), default_rules()
    catalogue, rules = load_catalogue(catalogue_path), load_rules(rules_path)
    check_pair(catalogue, rules)
    return catalogue, rules


def __getattr__(name: str) -> Any:
    # OUTCOME_CODES stays importable for the screens, read from the rules file rather than fixed here.
    if name == "OUTCOME_CODES":
        return tuple(default_rules().codes("outcomes"))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
