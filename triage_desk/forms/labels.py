"""Codes to words: the one place that turns a stored code or a JSON path into what people read.

Configuration is the single source of truth: labels come from the form file (choice lists), the rules
file (outcomes, reasons, requirements, lawful bases, triggers) and the catalogue (indicators, domains,
levels). Screens, PDFs and messages call `word` / `words`; validation problems are re-worded with
`reword` so a field is named by its label and person ("Jade Pimcombe — reason not informed"). Paths
stay on `Problem.path` for `--json` output and logs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from triage_desk.forms.problem import Problem

# rules-file tables that map a code to its words
_RULE_TABLES = ("outcomes", "requires_labels", "consent_not_sought_reasons", "refusal_override_reasons",
                "nfa_reasons", "triggers", "lawful_bases", "s42_tests")
# words for codes the application itself stores (decision states, deadline kinds)
_OWN = {"not_needed": "not needed", "pending": "awaiting practice-lead approval", "approved": "approved",
        "rejected": "rejected", "response": "awaiting the officer's response", "accepted": "accepted by the officer",
        "not_known": "not known", "unknown": "not known", "not_applicable": "not applicable", "yes": "yes", "no": "no"}
_PATH = re.compile(r" \((?:\$|[A-Za-z_][\w-]*(?:\[\d+\])?(?:\.[\w-]*(?:\[\d+\])?)*)\)")  # a key may be empty
_SUBJECT = re.compile(r"^(subjects|household)\[(\d+)\]")
_INFORMED = re.compile(r"^consent\.informed\.([\w-]+)")
_RECORD = re.compile(r"^consent\.records\[(\d+)\]")


@lru_cache(maxsize=8)
def _tables(form_file: str) -> dict[str, dict[str, str]]:
    from triage_desk.forms.catalogue import default_catalogue, default_rules
    from triage_desk.forms.form import load_form

    out: dict[str, dict[str, str]] = {}
    form = load_form(form_file)
    for name, items in form.raw.get("choices", {}).items():
        if isinstance(items, list):
            out[name] = {str(c["value"]): str(c["label"]) for c in items if isinstance(c, dict)}
    rules = default_rules().data
    for name in _RULE_TABLES:
        out[name] = {k: str(v) for k, v in rules.get(name, {}).items() if not k.startswith("_")}
    out["dash_judgement"] = {k: str(v) for k, v in rules.get("dash", {}).get("judgement_high_reasons", {}).items()}
    cat = default_catalogue()
    out["indicators"] = {i.id: i.label for i in cat.indicators.values()}
    out["domains"] = dict(cat.domain_labels)
    # aliases the screens use
    out["lawful_basis"] = out["lawful_bases"]
    out["consent_reason"] = out["consent_not_sought_reasons"]
    out["refusal_override"] = out["refusal_override_reasons"]
    out["requires"] = out["requires_labels"]
    out["dfe_source"] = {k: f"{v} ({k})" for k, v in out.get("dfe_source", {}).items()}
    out["cin_ethnicity"] = out.get("cin_ethnicity", {})
    return out


def tables() -> dict[str, dict[str, str]]:
    """Every code table, from the form file in use and the shipped rules and catalogue."""
    from triage_desk.forms.form import form_path

    return _tables(str(form_path()))


def indicator_level(indicator_id: Any) -> int | None:
    """The catalogue level of an indicator (None for an id the catalogue does not know)."""
    from triage_desk.forms.catalogue import default_catalogue

    found = default_catalogue().get(str(indicator_id))
    return found.level if found else None


def humanise(code: Any) -> str:
    """A code nobody labelled, made readable ("increase_risk_to_child" -> "increase risk to child")."""
    if code is None or code == "":
        return "not recorded"
    text = str(code)
    return _OWN.get(text, text.replace("_", " "))


def word(table: str, code: Any) -> str:
    """The label of `code` in `table` (a form choice list or a rules/catalogue table); readable words when
    the table has no label for it. DfE codes keep the code beside the label, as returns need it."""
    if code is None or code == "":
        return "not recorded"
    found = tables().get(table, {}).get(str(code))
    return found if found else humanise(code)


def words(table: str, codes: Any) -> str:
    """Several codes from one table as one readable list."""
    items = codes if isinstance(codes, (list, tuple, set)) else [codes]
    return ", ".join(word(table, c) for c in items) if items else "none"


def any_word(code: Any) -> str:
    """A code whose table is not known to the caller: the first table that labels it."""
    text = str(code)
    for table in ("outcomes", "requires_labels", "indicators", "triggers", "nfa_reasons",
                  "consent_not_sought_reasons", "refusal_override_reasons", "lawful_bases"):
        found = tables().get(table, {}).get(text)
        if found:
            return found
    return humanise(code)


def _name(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    if person.get("name"):
        return str(person["name"]).strip()
    return " ".join(str(person[k]) for k in ("forenames", "surname") if person.get(k)).strip()


def _people(doc: dict) -> dict[str, str]:
    out = {}
    for key in ("subjects", "household"):
        for person in doc.get(key) if isinstance(doc.get(key), list) else []:
            if isinstance(person, dict) and isinstance(person.get("id"), str):
                out[person["id"]] = _name(person)
    return out


def person_at(doc: Any, path: str) -> str | None:
    """The person a JSON path is about, by name ("Subject 2" when the name is not yet written)."""
    if not isinstance(doc, dict):
        return None
    if m := _SUBJECT.match(path):
        key, n = m.group(1), int(m.group(2))
        items = doc.get(key) if isinstance(doc.get(key), list) else []
        name = _name(items[n]) if n < len(items) else ""
        return name or ("Subject" if key == "subjects" else "Household member") + f" {n + 1}"
    if m := _INFORMED.match(path):
        return _people(doc).get(m.group(1)) or "A person not named in this referral"
    if m := _RECORD.match(path):
        consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
        records = consent.get("records") if isinstance(consent.get("records"), list) else []
        n = int(m.group(1))
        pid = records[n].get("person_id") if n < len(records) and isinstance(records[n], dict) else None
        return _people(doc).get(pid) if isinstance(pid, str) else None
    return None


def _lower_first(label: str) -> str:
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def field_name(doc: Any, path: str, label: str) -> str:
    """'Jade Pimcombe — reason not informed', or just the label when the field is about nobody."""
    person = person_at(doc, path)
    return f"{person} — {_lower_first(label)}" if person else label


def plain(message: str, doc: Any = None, path: str | None = None) -> str:
    """A message with any "(json.path)" removed and the field named by its person."""
    # the problem's own path goes literally: a key may hold any character (Hypothesis found "consent.informed.:")
    own = f" ({path})" if path else None
    label, sep, rest = message.partition(": ")
    stripped = _PATH.sub("", label.replace(own, "") if own else label)
    if not sep or stripped == label:
        return _PATH.sub("", message.replace(own, "") if own else message)
    return f"{field_name(doc, path, stripped) if path else stripped}: {rest}"


def reword(doc: Any, problems: list[Problem]) -> list[Problem]:
    """Problems whose messages people can read: label and person, never a path or id."""
    return [replace(p, message=plain(p.message, doc, p.path)) for p in problems]


_IND_REASON = re.compile(r'indicator ([a-z][\w]*\.[\w]+) ("[^"]*")')
_TRIGGER_REASON = re.compile(r"hard trigger [a-z_]+ \(([^)]*)\) from ([a-z][\w]*\.[\w]+)")
_DOMAIN_LIST = re.compile(r"(domain level \d+ in )([a-z_]+(?:, [a-z_]+)*)$")
_DOTTED = re.compile(r"\b[a-z][a-z0-9_]{2,}\.[a-z][a-z0-9_]{2,}\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def reason_text(reason: Any) -> str:
    """An engine reason in words: indicator ids become their labels, snake_case codes their words."""
    text = str(reason)
    text = _IND_REASON.sub(r"\2", text)
    text = _DOMAIN_LIST.sub(lambda m: m.group(1) + ", ".join(
        tables()["domains"].get(d.strip(), d.strip()) for d in m.group(2).split(",")), text)
    text = _TRIGGER_REASON.sub(lambda m: f"hard trigger ({m.group(1)}) from \"{word('indicators', m.group(2))}\"",
                               text)
    text = _DOTTED.sub(lambda m: f"\"{word('indicators', m.group(0))}\"" if m.group(0) in tables()[
        "indicators"] else humanise(m.group(0).rpartition(".")[2]), text)
    return _SNAKE.sub(lambda m: tables()["domains"].get(m.group(0)) or humanise(m.group(0)), text)


def status_words(status: Any, approval: Any = None, overridden: bool = False) -> str:
    """Exactly where a case is, in words ("Decided — override awaiting practice-lead approval")."""
    what = "override" if overridden else "decision"
    return {"draft": "Draft — not yet submitted",
            "submitted": "Submitted — awaiting a threshold decision",
            "closed": "Closed"}.get(str(status)) or (
        f"Decided — {what} awaiting practice-lead approval" if approval == "pending" else
        f"Decided — the practice lead sent the {what} back: decide again" if approval == "rejected" else
        f"Decided — {what} approved by a practice lead" if approval == "approved" else
        "Decided" if status == "decided" else humanise(status))
