"""Strategy discussion records (Working Together 2023; domain.md §5a), no Qt.

A record: when it was held, who attended by agency and role (present or sent apologies), what each
agency shared, the decision (s47 enquiry / s17 assessment / no further action / other), actions with
owners and dates, next steps and the ICPC date when one follows. Input is checked against
`strategy_minutes.schema.json`; errors name the JSON path. Recording meets the "strategy discussion
held" clock, starts the "record out within 1 working day" clock and, after an s47 decision, the ICPC
clock (15 working days). Sending the minutes out (`circulate`) meets the record-out clock.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from triage_desk import accounts, audit, deadlines, lifecycle
from triage_desk.errors import InputError
from triage_desk.formatting import fmt_datetime
from triage_desk.forms.clock import london_now
from triage_desk.models import Partner, Role, StrategyDiscussion

DECISIONS = {"s47": "Section 47 enquiry", "s17": "Child and family assessment (section 17)",
             "nfa": "No further action", "other": "Other"}
ATTENDANCE = {"present": "Present", "apologies": "Sent apologies"}
OWN_AGENCY = "social_care"  # this council's children's social care (not a partner in the directory)
MAX_FILE = 1_000_000


@cache
def _schema() -> dict:
    return json.loads(resources.files("triage_desk").joinpath("strategy_minutes.schema.json").read_text("utf-8"))


def _path(error) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def check(minutes: object, source: str = "minutes") -> list[str]:
    """Problems with a minutes object, each naming the JSON path (empty: it may be recorded)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema())
    problems = []
    for err in sorted(validator.iter_errors(minutes), key=lambda e: list(e.absolute_path)):
        hint = (err.schema or {}).get("x-problem") if isinstance(err.schema, dict) else None
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else "a field"
            problems.append(f"{source} {_path(err)}.{missing}: required")
        elif err.validator == "additionalProperties":
            problems.append(f"{source} {_path(err)}: unknown field ({err.message.split('(')[-1].rstrip(')')})")
        else:
            problems.append(f"{source} {_path(err)}: {hint or _plain(err)}")
    if problems or not isinstance(minutes, dict):
        return problems or [f"{source} $: must be a JSON object"]
    return problems + _rules(minutes, source)


def _plain(err) -> str:
    if err.validator == "enum":
        return "must be one of " + ", ".join(str(v) for v in err.validator_value)
    if err.validator == "minItems":
        return "list at least one"
    if err.validator == "minLength":
        return "must not be empty"
    if err.validator == "type":
        return f"must be {err.validator_value}"
    return "not valid here"


def _rules(m: dict, source: str) -> list[str]:
    out = []
    try:
        datetime.fromisoformat(m["held_at"])
    except ValueError:
        out.append(f"{source} $.held_at: not a real date-time")
    if m["decision"] == "other" and not (m.get("decision_detail") or "").strip():
        out.append(f"{source} $.decision_detail: say what was decided when the decision is 'other'")
    if m.get("icpc_date") and m["decision"] != "s47":
        out.append(f"{source} $.icpc_date: an initial child protection conference follows an s47 decision only")
    present = [a for a in m["attendees"] if a["attendance"] == "present"]
    if not present:
        out.append(f"{source} $.attendees: at least one attendee must be present")
    agencies = {a["agency"] for a in m["attendees"]}
    for n, item in enumerate(m.get("information") or []):
        if item["agency"] not in agencies:
            out.append(f"{source} $.information[{n}].agency: not an attending agency")
    for n, action in enumerate(m.get("actions") or []):
        try:
            date.fromisoformat(action["due"])
        except ValueError:
            out.append(f"{source} $.actions[{n}].due: not a real date")
    return out


def load_file(path: str) -> dict:
    """Minutes from a JSON file; errors name the file and the JSON path."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE:
            raise InputError(f"--file: {path} is larger than {MAX_FILE // 1000} kB")
        minutes = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"--file: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--file: cannot read {path} ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--file: {path} is not valid JSON (line {exc.lineno})") from None
    problems = check(minutes, p.name)
    if problems:
        raise InputError("; ".join(problems))
    return minutes


def _agencies_known(s, m: dict) -> None:
    ids = {a["agency"] for a in m["attendees"]} - {OWN_AGENCY}
    known = set(s.execute(select(Partner.id).where(Partner.id.in_(ids))).scalars())
    unknown = sorted(ids - known)
    if unknown:
        raise InputError(f"attendees: {unknown[0]} is not a partner in the directory (use {OWN_AGENCY} for "
                         "this council's children's social care)")


def record(ws, ref: str, minutes: dict, *, now: datetime | None = None) -> StrategyDiscussion:
    """Record a strategy discussion on a case that is holding one."""
    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    problems = check(minutes)
    if problems:
        raise InputError("; ".join(problems))
    state = lifecycle.current_state(ws, ref)
    if state.state != "strategy_discussion":
        raise InputError(f"strategy discussion: the case is {state.label}; choose 'Hold a strategy discussion' "
                         "first")
    held = datetime.fromisoformat(minutes["held_at"])
    now = now or london_now()
    if held > now:  # a record is of a meeting that took place: a future time would meet its clock early
        raise InputError(f"minutes $.held_at: {fmt_datetime(held)} is in the future; record the discussion once "
                         "it has been held")
    with ws.session() as s:
        _agencies_known(s, minutes)
        icpc = minutes.get("icpc_date")
        row = StrategyDiscussion(id=str(uuid.uuid4()), referral_id=state.referral_id, held_at=held,
                                 decision=minutes["decision"], icpc_date=datetime.fromisoformat(icpc) if icpc else None,
                                 minutes=json.dumps(minutes, ensure_ascii=False, sort_keys=True),
                                 recorded_by=user.username, recorded_at=now)
        s.add(row)
        deadlines.complete(s, row.referral_id, ["strategy_discussion"], held, user.username)
        deadlines.open_deadline(s, row.referral_id, "strategy_record", held)
        if minutes["decision"] == "s47":
            deadlines.open_deadline(s, row.referral_id, "icpc", held)
        audit.record(s, user.username, "strategy.record", "referral", row.referral_id, discussion=row.id,
                     decision=row.decision, attendees=len(minutes["attendees"]))
        s.flush()
        s.expunge(row)
        return row


def latest(ws, ref: str) -> tuple[StrategyDiscussion, dict] | None:
    """The case's most recent strategy discussion and its minutes (None when none is recorded)."""
    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    state = lifecycle.current_state(ws, ref)
    with ws.session() as s:
        row = s.execute(select(StrategyDiscussion).where(StrategyDiscussion.referral_id == state.referral_id)
                        .order_by(StrategyDiscussion.held_at.desc(), StrategyDiscussion.recorded_at.desc())
                        .limit(1)).scalar()
        if row is None:
            return None
        s.expunge(row)
    return row, json.loads(row.minutes)


def _recorded(ws, ref: str) -> tuple[StrategyDiscussion, dict]:
    """The latest discussion, for an action that needs one: refused when none is recorded."""
    found = latest(ws, ref)
    if found is None:
        raise InputError("strategy discussion: none is recorded on this case")
    return found


def circulate(ws, ref: str, *, now: datetime | None = None) -> None:
    """The minutes went out to the attendees: the record-out clock is met (or missed if late)."""
    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    row, _ = _recorded(ws, ref)
    with ws.session() as s:
        done = deadlines.complete(s, row.referral_id, ["strategy_record"], now or london_now(), user.username)
        audit.record(s, user.username, "strategy.circulate", "referral", row.referral_id, discussion=row.id,
                     on_time=all(d.state == "met" for d in done))


def agency_names(s, minutes: dict) -> dict[str, str]:
    """Partner id -> name for the agencies in the minutes (this council's social care included)."""
    ids = {a["agency"] for a in minutes["attendees"]}
    names = dict(s.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all())
    return names | {OWN_AGENCY: "Children's social care"}


def minutes_pdf(ws, ref: str) -> bytes:
    """The full minutes of the latest strategy discussion (children's social care's record), audited."""
    from triage_desk.referral_rows import load
    from triage_desk.reports.case_summary import find_referral
    from triage_desk.reports.pdf_casework import render_minutes

    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    row, minutes = _recorded(ws, ref)
    with ws.session() as s:
        referral = find_referral(s, row.referral_id)
        consent = load(referral.document).get("consent") or {}
        names = agency_names(s, minutes)
        audit.record(s, user.username, "strategy.minutes_pdf", "referral", row.referral_id, discussion=row.id)
        reference = referral.reference
    withhold = [w for w in consent.get("withhold") or [] if isinstance(w, dict)]
    return render_minutes(reference, minutes, names, withhold, generated_by=user.username,
                          generated_at=london_now())
