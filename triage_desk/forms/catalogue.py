"""The continuum-of-need catalogue and the threshold rules, loaded from their JSON files and checked.

Both are versioned data (a council edits a file, not code). Each loaded object keeps the id, version
and the sha256 of the exact file bytes so that a saved decision can say what it was scored with.
Validation errors name the file and the JSON path, never indicator wording beyond the id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from triage_desk.errors import InputError

FORMS_DIR = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = FORMS_DIR / "catalogue_default.json"
DEFAULT_RULES = FORMS_DIR / "rules_default.json"

POPULATIONS = ("child", "adult")
SUBJECTS = ("child", "parent_carer", "household", "adult")
TRIGGERS = ("disclosure_of_abuse", "injury", "sexual_abuse", "fgm_risk", "exploitation")
LEVELS = (1, 2, 3, 4)
OUTCOME_CODES = ("IAG", "UNIV", "EH", "S17", "STRAT", "OPEN", "S42", "ADULT_OTHER", "TAA", "CMARAC", "MARAC", "NFA")


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


def _need(obj: Any, key: str, kind: type | tuple, where: str, name: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InputError(f"{name}: {where}{key} is missing")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InputError(f"{name}: {where}{key} has the wrong type")
    return value


def _level_labels(obj: Any, where: str, name: str) -> dict[int, str]:
    if not isinstance(obj, dict) or set(obj) != {str(n) for n in LEVELS}:
        raise InputError(f"{name}: {where} must label levels 1, 2, 3 and 4")
    for k, v in obj.items():
        if not isinstance(v, str) or not v.strip():
            raise InputError(f"{name}: {where}.{k} must be a non-empty label")
    return {int(k): v for k, v in obj.items()}


SOURCE_USES = ("agrees", "dissent", "analogy")


def _sources(data: dict, name: str) -> dict[str, MappingProxyType]:
    """The optional top-level `sources`: key -> {title, publisher, year, url} of a published document."""
    found = data.get("sources", {})
    if not isinstance(found, dict):
        raise InputError(f"{name}: sources must be an object of documents")
    out = {}
    for key, doc in found.items():
        at = f"sources.{key}."
        for part in ("title", "publisher", "url"):
            if not _need(doc, part, str, at, name).strip():
                raise InputError(f"{name}: {at}{part} is empty")
        _need(doc, "year", int, at, name)
        out[key] = MappingProxyType(dict(doc))
    return out


def _indicator_source(item: dict, at: str, sources: dict, name: str) -> tuple:
    """An indicator's optional `source` list; each entry names a listed document, its year and level."""
    entries = item.get("source", [])
    if not isinstance(entries, list):
        raise InputError(f"{name}: {at}source must be a list")
    out = []
    for n, entry in enumerate(entries):
        where = f"{at}source[{n}]."
        doc = _need(entry, "document", str, where, name)
        if doc not in sources:
            raise InputError(f"{name}: {where}document {doc!r} is not listed under sources")
        _need(entry, "year", int, where, name)
        if _need(entry, "level", int, where, name) not in LEVELS:
            raise InputError(f"{name}: {where}level must be 1, 2, 3 or 4")
        if entry.get("use", "agrees") not in SOURCE_USES:
            raise InputError(f"{name}: {where}use must be one of {', '.join(SOURCE_USES)}")
        out.append(MappingProxyType(dict(entry)))
    return tuple(out)


def parse_catalogue(raw: bytes, data: Any, name: str = "catalogue") -> Catalogue:
    """Check a decoded catalogue file and build the lookup object."""
    if not isinstance(data, dict):
        raise InputError(f"{name}: the top level must be a JSON object")
    cid = _need(data, "id", str, "", name)
    version = _need(data, "version", str, "", name)
    levels_in = _need(data, "levels", dict, "", name)
    domains_in = _need(data, "domains", dict, "", name)
    levels = {p: _level_labels(levels_in.get(p), f"levels.{p}", name) for p in POPULATIONS}
    domains: dict[str, tuple] = {}
    domain_pop: dict[str, str] = {}
    for p in POPULATIONS:
        entries = domains_in.get(p)
        if not isinstance(entries, list) or not entries:
            raise InputError(f"{name}: domains.{p} must be a non-empty list")
        pairs = []
        for n, entry in enumerate(entries):
            did = _need(entry, "id", str, f"domains.{p}[{n}].", name)
            if did in domain_pop:
                raise InputError(f"{name}: domains.{p}[{n}].id {did!r} is declared twice")
            domain_pop[did] = p
            pairs.append((did, _need(entry, "label", str, f"domains.{p}[{n}].", name)))
        domains[p] = tuple(pairs)
    sources = _sources(data, name)
    indicators: dict[str, Indicator] = {}
    for n, item in enumerate(_need(data, "indicators", list, "", name)):
        at = f"indicators[{n}]."
        iid = _need(item, "id", str, at, name)
        domain = _need(item, "domain", str, at, name)
        level = _need(item, "level", int, at, name)
        subject = _need(item, "subject", str, at, name)
        trigger = item.get("trigger")
        if iid in indicators:
            raise InputError(f"{name}: {at}id {iid!r} is used twice (ids must be unique)")
        if domain not in domain_pop:
            raise InputError(f"{name}: {at}domain {domain!r} is not declared under domains")
        if iid.partition(".")[0] != domain or not iid.partition(".")[2]:
            raise InputError(f"{name}: {at}id {iid!r} must be '{domain}.<slug>'")
        if level not in LEVELS:
            raise InputError(f"{name}: {at}level must be 1, 2, 3 or 4")
        if subject not in SUBJECTS:
            raise InputError(f"{name}: {at}subject must be one of {', '.join(SUBJECTS)}")
        if trigger is not None and trigger not in TRIGGERS:
            raise InputError(f"{name}: {at}trigger must be null or one of {', '.join(TRIGGERS)}")
        label = _need(item, "label", str, at, name)
        indicators[iid] = Indicator(iid, domain, level, subject, label, str(item.get("help", "")), trigger,
                                    domain_pop[domain], "", _indicator_source(item, at, sources, name))
    labels = {d: lab for p in POPULATIONS for d, lab in domains[p]}
    indicators = {k: replace(i, reason=f"indicator {i.id} \"{i.label}\" ({labels[i.domain]}, level {i.level})")
                  for k, i in indicators.items()}
    return Catalogue(cid, version, hashlib.sha256(raw).hexdigest(),
                     MappingProxyType(levels), MappingProxyType(domains), MappingProxyType(indicators), name,
                     MappingProxyType(labels), sources=MappingProxyType(sources))


def parse_rules(raw: bytes, data: Any, name: str = "rules") -> Rules:
    """Check the parts of a rules file the engine, router and clock rely on."""
    if not isinstance(data, dict):
        raise InputError(f"{name}: the top level must be a JSON object")
    rid = _need(data, "id", str, "", name)
    version = _need(data, "version", str, "", name)
    for p in POPULATIONS:
        _level_labels(_need(data, "levels", dict, "", name).get(p), f"levels.{p}", name)
    esc = _need(data, "escalation", dict, "", name)
    for key in ("from_level", "min_domains", "to_level"):
        _need(esc, key, int, "escalation.", name)
    routing = _need(data, "routing", dict, "", name)
    for p in POPULATIONS:
        table = _need(routing, p, dict, "routing.", name)
        for lv in LEVELS:
            codes = _need(table, str(lv), list, f"routing.{p}.", name)
            bad = [c for c in codes if c not in OUTCOME_CODES]
            if bad:
                raise InputError(f"{name}: routing.{p}.{lv} has unknown outcome code(s) {', '.join(map(str, bad))}")
    gates = _need(data, "consent_gates", dict, "", name)
    states = _need(data, "consent_states", list, "", name)
    for lv, table in gates.items():
        if lv.startswith("_"):
            continue
        if lv not in {str(n) for n in LEVELS} or not isinstance(table, dict):
            raise InputError(f"{name}: consent_gates.{lv} must be a level 1-4 holding an object")
        for state in table:
            if state not in states:
                raise InputError(f"{name}: consent_gates.{lv}.{state} is not a consent state")
    times = _need(data, "timescales", dict, "", name)
    for colour in ("red", "amber", "green"):
        _need(_need(times, "rag", dict, "timescales.", name), colour, dict, "timescales.rag.", name)
    _need(_need(times, "decision", dict, "timescales.", name), "working_days", int, "timescales.decision.", name)
    hours = _need(data, "working_hours", dict, "", name)
    for key in ("start", "end", "timezone"):
        _need(hours, key, str, "working_hours.", name)
    dash = _need(data, "dash", dict, "", name)
    if len(_need(dash, "questions", dict, "dash.", name)) != 24:
        raise InputError(f"{name}: dash.questions must hold 24 numbered questions")
    thresholds = _need(dash, "thresholds", dict, "dash.", name)
    for band in ("standard", "medium", "high"):
        pair = _need(thresholds, band, list, "dash.thresholds.", name)
        if len(pair) != 2 or not all(isinstance(x, int) for x in pair):
            raise InputError(f"{name}: dash.thresholds.{band} must be [lowest, highest]")
    _need(dash, "repeat_marac_months", int, "dash.", name)
    for key in ("consent_not_sought_reasons", "refusal_override_reasons", "nfa_reasons", "requires_labels"):
        _need(data, key, dict, "", name)
    codes = {"reason_code", "dash_judgement_reason"}
    codes.update(c for lv, table in gates.items() if not lv.startswith("_")
                 for gate in table.values() for c in gate.get("requires", ()))
    if data.get("checks_consent_gate"):
        codes.add(data["checks_consent_gate"].get("requires"))
    missing = sorted(str(c) for c in codes - set(data["requires_labels"]))
    if missing:
        raise InputError(f"{name}: requires_labels has no label for {', '.join(missing)}")
    return Rules(rid, version, hashlib.sha256(raw).hexdigest(), MappingProxyType(data), name)


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
    """The two files must agree on level labels and name only catalogue indicators in routing."""
    for p in POPULATIONS:
        for lv in LEVELS:
            if rules["levels"][p][str(lv)] != catalogue.levels[p][lv]:
                raise InputError(f"{rules.path}: levels.{p}.{lv} differs from the catalogue's label")
    cm = rules["routing"].get("cmarac") or {}
    for n, iid in enumerate(cm.get("asb_indicators", [])):
        if iid not in catalogue.indicators:
            raise InputError(f"{rules.path}: routing.cmarac.asb_indicators[{n}] is not a catalogue indicator")


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    return load_catalogue()


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    rules = load_rules()
    check_pair(default_catalogue(), rules)
    return rules
