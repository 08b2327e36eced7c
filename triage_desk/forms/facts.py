"""The facts the threshold engine scores, parsed from a bare facts object or a full referral document.

Bare facts (issue 4 §4): {"subject": {"kind", "age"}, "indicators": [...], "consent": {"referral", "reason", "checks"},
"dash": {"yes" | "answers", "judgement_high", "judgement_reason", "last_marac"}, "s42": {...},
"open_case", "received_at", "urgent", "channel"}. A referral document (docs/architecture.md) is
recognised by its `schema` / `subjects` keys and mapped onto the same facts. Every problem raises
InputError naming the JSON path; values (which may be personal data) are never echoed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import Catalogue, Rules
from triage_desk.forms.clock import LONDON, london_now, whole_years

KINDS = ("child", "unborn", "adult")
S42_TESTS = ("care_support_needs", "abuse_or_neglect", "unable_to_protect")
FACT_KEYS = {"subject", "indicators", "consent", "dash", "s42", "open_case", "received_at", "urgent", "channel"}
DASH_KEYS = {"yes", "answers", "judgement_high", "judgement_reason", "last_marac"}
CHANNELS = ("phone", "email", "portal", "in_person")
# When several people's consent counts, the least permissive state governs (also forms/consent_rules.py).
CONSENT_PRIORITY = ("refused", "withdrawn", "given", "not_sought", "unknown")


@dataclass(frozen=True, slots=True)
class DashFacts:
    yes: int | None  # None: no checklist score (judgement or last MARAC date only)
    judgement_high: bool = False
    judgement_reason: str | None = None
    last_marac: date | None = None


@dataclass(slots=True)  # read-only by convention (cheap to build when rescoring)
class Facts:
    kind: str  # child | unborn | adult
    indicators: tuple[str, ...]
    received_at: datetime  # aware, Europe/London
    age: int | None = None
    consent: str = "unknown"
    consent_reason: str | None = None
    dash: DashFacts | None = None
    s42: tuple[bool | None, bool | None, bool | None] | None = None
    open_case: bool = False
    urgent: bool = False
    channel: str | None = None
    checks_consent: str = "unknown"  # consent to multi-agency checks (scope 2)

    @property
    def population(self) -> str:
        # An unborn child is a child for every threshold purpose.
        return "adult" if self.kind == "adult" else "child"


def _bad(path: str, problem: str) -> InputError:
    return InputError(f"{path}: {problem}")


def _type(value: Any, kind: type, path: str, what: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(path, f"must be {what}")
    return value


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None or value in ("not_known", "unknown"):
        return None
    return _type(value, bool, path, "true, false or null")


def parse_date(value: Any, path: str) -> date:
    if not isinstance(value, str):
        raise _bad(path, "must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(path, "is not a valid date (expected YYYY-MM-DD)") from None


def parse_datetime(value: Any, path: str) -> datetime:
    """ISO 8601 date-time; a value without offset is local time in Europe/London."""
    if not isinstance(value, str) or len(value) < 16 or value[10] not in "T ":
        raise _bad(path, "must be a date-time YYYY-MM-DDTHH:MM")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(path, "is not a valid date-time (expected YYYY-MM-DDTHH:MM)") from None
    return dt.replace(tzinfo=LONDON) if dt.tzinfo is None else dt.astimezone(LONDON)


def local_now(now: datetime | None = None) -> datetime:
    """`now` (default: London now) as an aware Europe/London time; a naive `now` is London wall time."""
    now = now or london_now()
    return now.replace(tzinfo=LONDON) if now.tzinfo is None else now.astimezone(LONDON)


def parse_indicators(value: Any, path: str, kind: str, catalogue: Catalogue) -> tuple[str, ...]:
    _type(value, list, path, "a list of indicator ids")
    population = "adult" if kind == "adult" else "child"
    seen: dict[str, None] = {}
    get = catalogue.indicators.get
    for n, iid in enumerate(value):
        if not isinstance(iid, str):
            raise _bad(f"{path}[{n}]", "must be an indicator id string")
        ind = get(iid)
        if ind is None:
            raise _bad(f"{path}[{n}]", f"unknown indicator id {iid!r}")
        if ind.population != population:
            raise _bad(f"{path}[{n}]", f"indicator {iid!r} belongs to the {ind.population} catalogue "
                                       f"but the subject is {'an' if kind == 'adult' else 'a'} {kind}")
        seen[iid] = None
    return tuple(seen)


def _consent_reason(reason: Any, path: str, rules: Rules) -> str | None:
    if reason is None or reason == "":
        return None
    if not isinstance(reason, str):
        raise _bad(path, "must be a reason code string")
    if reason not in rules["consent_not_sought_reasons"] and reason not in rules["refusal_override_reasons"]:
        raise _bad(path, "is not a known reason code (see consent_not_sought_reasons / refusal_override_reasons)")
    return reason


def parse_dash(value: Any, path: str) -> DashFacts | None:
    if value is None:
        return None
    _type(value, dict, path, "an object")
    unknown = sorted(set(value) - DASH_KEYS)
    if unknown:
        raise _bad(f"{path}.{unknown[0]}", "is not a DASH field")
    yes = value.get("yes")
    answers = value.get("answers")
    if answers is not None:
        _type(answers, list, f"{path}.answers", "a list of 24 true/false/null answers")
        if len(answers) != 24:
            raise _bad(f"{path}.answers", "must hold exactly 24 answers")
        for n, a in enumerate(answers):
            if a is not None and not isinstance(a, bool):
                raise _bad(f"{path}.answers[{n}]", "must be true, false or null")
        count = sum(1 for a in answers if a is True)
        if yes is not None and yes != count:
            raise _bad(f"{path}.yes", "does not match the number of yes answers")
        yes = count
    if yes is None:
        if not value.get("judgement_high") and value.get("last_marac") is None:
            return None  # an empty DASH section: no checklist done
    else:
        _type(yes, int, f"{path}.yes", "a whole number 0-24")
        if not 0 <= yes <= 24:
            raise _bad(f"{path}.yes", "must be between 0 and 24")
    judgement = _flag(value.get("judgement_high"), f"{path}.judgement_high")
    reason = value.get("judgement_reason")
    if reason is not None:
        _type(reason, str, f"{path}.judgement_reason", "a reason code string")
    last = value.get("last_marac")
    return DashFacts(yes, judgement, reason or None,
                     parse_date(last, f"{path}.last_marac") if last is not None else None)


def parse_s42(value: Any, path: str) -> tuple | None:
    if value is None:
        return None
    _type(value, dict, path, "an object")
    unknown = sorted(set(value) - set(S42_TESTS))
    if unknown:
        raise _bad(f"{path}.{unknown[0]}", "is not one of the s42 tests")
    return tuple(_opt_bool(value.get(k), f"{path}.{k}") for k in S42_TESTS)


def _flag(value: Any, path: str) -> bool:
    return False if value is None else _type(value, bool, path, "true or false")


def parse_facts(obj: Any, catalogue: Catalogue, rules: Rules, now: datetime | None = None) -> Facts:
    """Validate a bare facts object (issue 4 §4)."""
    _type(obj, dict, "$", "a JSON object")
    unknown = sorted(set(obj) - FACT_KEYS)
    if unknown:
        raise _bad(unknown[0], "is not a known field of the facts object")
    if "subject" not in obj:
        raise _bad("subject", "is missing (give {\"kind\": \"child\"|\"unborn\"|\"adult\"})")
    subject = _type(obj["subject"], dict, "subject", "an object")
    kind = subject.get("kind")
    if kind not in KINDS:
        raise _bad("subject.kind", "must be \"child\", \"unborn\" or \"adult\"")
    age = subject.get("age")
    if age is not None:
        _type(age, int, "subject.age", "a whole number of years")
        if not 0 <= age <= 130:
            raise _bad("subject.age", "must be between 0 and 130")
    if "indicators" not in obj:
        raise _bad("indicators", "is missing (give a list, possibly empty)")
    indicators = parse_indicators(obj["indicators"], "indicators", kind, catalogue)
    consent, reason, checks = "unknown", None, "unknown"
    if obj.get("consent") is not None:
        c = _type(obj["consent"], dict, "consent", "an object")
        unknown = sorted(set(c) - {"referral", "reason", "checks"})
        if unknown:
            raise _bad(f"consent.{unknown[0]}", "is not a known consent field (referral, reason, checks)")
        consent = c.get("referral", "unknown")
        checks = c.get("checks", "unknown")
        for key, value in (("referral", consent), ("checks", checks)):
            if value not in rules["consent_states"]:
                raise _bad(f"consent.{key}", f"must be one of {', '.join(rules['consent_states'])}")
        reason = _consent_reason(c.get("reason"), "consent.reason", rules)
    received = obj.get("received_at")
    channel = obj.get("channel")
    if channel is not None and channel not in CHANNELS:
        raise _bad("channel", f"must be one of {', '.join(CHANNELS)}")
    return Facts(kind=kind, indicators=indicators, age=age, consent=consent, consent_reason=reason,
                 checks_consent=checks, dash=parse_dash(obj.get("dash"), "dash"), s42=parse_s42(obj.get("s42"), "s42"),
                 open_case=_flag(obj.get("open_case"), "open_case"), urgent=_flag(obj.get("urgent"), "urgent"),
                 channel=channel,
                 received_at=parse_datetime(received, "received_at") if received is not None else local_now(now))


def is_document(obj: Any) -> bool:
    return isinstance(obj, dict) and (obj.get("schema") == "triage-desk/referral" or "subjects" in obj)


REFERRAL_SCOPES, CHECKS_SCOPES = ("referral", 1, "1"), ("checks", 2, "2")


def _document_consents(consent: Any, rules: Rules) -> tuple[tuple[str, str | None], str]:
    """Consent to the referral itself (state, reason code) and to multi-agency checks (state) from the
    document's consent records, in one pass (a rescore reads a million of them): the latest record per
    person counts, and the least permissive person's state governs. A bad referral record is reported
    first, then the first bad checks record, as reading the referral's records and then the checks' did."""
    if not isinstance(consent, dict) or not consent.get("records"):
        return ("unknown", None), "unknown"
    records = _type(consent["records"], list, "consent.records", "a list")
    latest: tuple[dict, dict] = ({}, {})
    data = rules.data
    checks_problem = None
    for n, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise _bad(f"consent.records[{n}]", "must be an object")
        scope = rec.get("scope", "referral")
        which = 0 if scope in REFERRAL_SCOPES else 1 if scope in CHECKS_SCOPES and checks_problem is None else None
        if which is None:
            continue
        state = rec.get("state")
        if state not in data["consent_states"]:
            checks_problem = _bad(f"consent.records[{n}].state", f"must be one of {', '.join(data['consent_states'])}")
            if which == 0:
                raise checks_problem
            continue
        reason = rec.get("reason_code", rec.get("reason") if state == "not_sought" else None)
        if reason is not None and not (reason in data["consent_not_sought_reasons"]
                                       or reason in data["refusal_override_reasons"]):
            reason = None  # a free-text reason from the person: not a routing reason code
        latest[which][rec.get("person_id", n)] = (state, reason)
    if checks_problem is not None:
        raise checks_problem
    return _governing(latest[0]), _governing(latest[1])[0]


def _governing(latest: dict) -> tuple[str, str | None]:
    if not latest:
        return "unknown", None
    if len(latest) == 1:
        state, reason = next(iter(latest.values()))
        return state, reason or None
    states = list(latest.values())
    state = min((s for s, _ in states), key=CONSENT_PRIORITY.index)  # the least permissive person's state governs
    return state, next((r for s, r in states if s == state and r), None)


def facts_from_document(doc: dict, catalogue: Catalogue, rules: Rules, now: datetime | None = None) -> Facts:
    """Map a referral document (docs/architecture.md) onto the facts the engine scores."""
    variant = doc.get("variant", "child")
    if variant not in ("child", "adult"):
        raise _bad("variant", "must be \"child\" or \"adult\"")
    subjects = doc.get("subjects")
    if not isinstance(subjects, list) or not subjects:
        raise _bad("subjects", "at least one subject is required")
    for n, s in enumerate(subjects):
        if not isinstance(s, dict):
            raise _bad(f"subjects[{n}]", "must be an object")
    contact = doc.get("contact") or {}
    _type(contact, dict, "contact", "an object")
    received = contact.get("received_at")
    received_at = parse_datetime(received, "contact.received_at") if received else local_now(now)
    if variant == "adult":
        kind = "adult"
    else:
        kinds = {s.get("kind", "child") for s in subjects}
        kind = "unborn" if kinds == {"unborn"} else "child"
    first = subjects[0]
    age = first.get("estimated_age")
    if not isinstance(age, int) or isinstance(age, bool):
        age = None
        dob = first.get("dob")
        if isinstance(dob, str) and len(dob) == 10:
            age = whole_years(parse_date(dob, "subjects[0].dob"), received_at.date())
    concerns = doc.get("concerns") or {}
    _type(concerns, dict, "concerns", "an object")
    indicators = parse_indicators(concerns.get("indicators") or [], "concerns.indicators", kind, catalogue)
    (consent, reason), checks = _document_consents(doc.get("consent"), rules)
    channel = contact.get("channel") if contact.get("channel") in CHANNELS else None
    return Facts(kind=kind, indicators=indicators, age=age, consent=consent, consent_reason=reason,
                 checks_consent=checks, dash=parse_dash(doc.get("dash"), "dash"), s42=parse_s42(doc.get("s42"), "s42"),
                 open_case=bool(doc.get("open_case")), urgent=bool(contact.get("urgent")), channel=channel,
                 received_at=received_at)


def to_facts(obj: Any, catalogue: Catalogue, rules: Rules, now: datetime | None = None) -> Facts:
    """A full referral document or a bare facts object, whichever was given."""
    if is_document(obj):
        return facts_from_document(obj, catalogue, rules, now)
    return parse_facts(obj, catalogue, rules, now)
