"""Many hands, nothing lost: optimistic concurrency for referrals and decisions (no Qt).

Every editable row carries a version (models.base.Versioned). A screen remembers the version it read and
hands it back when it saves; when someone else saved in between, the service raises `Conflict` instead of
writing: who changed it first, when, and which fields differ (by label, in words). The person then chooses
to keep theirs, overwrite with theirs (save again naming the newer version) or merge by hand (`merge`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from triage_desk.errors import TriageError

# Document keys the application keeps itself: never offered as a difference to merge.
_INTERNAL = ("id", "reference", "status", "form", "links", "decision", "variant")
_INDEX = re.compile(r"\[\d+\]")
_MAX_WORDS = 120


@dataclass(frozen=True)
class Difference:
    label: str  # the field in words ("Subject 1 — surname"); never a path
    theirs: str  # the saved value, in words
    mine: str  # the value this person was about to save, in words
    path: str = ""  # where it lives in the document (merging only; never shown)
    they_changed: bool = True  # False: only this person changed it since they opened it


@dataclass(eq=False)
class Conflict(TriageError):
    """Someone else saved the record first. Carries what a person needs to choose; no values in `str`."""

    what: str  # "referral TD-2026-000123" / "the decision on TD-2026-000123"
    by: str  # display name of whoever saved first
    at: datetime | None  # when (UTC, naive)
    differences: list[Difference] = field(default_factory=list)
    version: int = 0  # the saved version: hand it back to overwrite
    theirs: dict | None = None  # the saved document (referrals), for "keep theirs" and merging
    exit_code = 2

    def __post_init__(self) -> None:
        from triage_desk.formatting import fmt_datetime, from_utc

        when = f" at {fmt_datetime(from_utc(self.at))}" if self.at else ""
        count = len(self.differences)
        fields = (f"{count} field{'s differ' if count != 1 else ' differs'}" if count
                  else "no field you changed differs")
        super().__init__(f"{self.what} was changed by {self.by}{when} while you had it open ({fields}); nothing "
                         "was overwritten: keep their version, overwrite it with yours, or merge by hand")

    def __str__(self) -> str:
        return self.message


class ChangedMeanwhile(Conflict):
    """A versioned row was saved elsewhere between this unit of work's read and its write (raised by
    Workspace.session for any service; intake and decisions say who and what instead, see stale_guard)."""

    def __init__(self) -> None:
        super().__init__("this record", "another officer", None)
        self.message = ("this record was changed on another workstation at the same moment, so your change was "
                        "not saved (nothing was overwritten): look at it again and repeat your change if it still "
                        "applies")
        self.args = (self.message,)


def display_name(session, username: str | None) -> str:
    from sqlalchemy import select

    from triage_desk.models import User

    if not username:
        return "another officer"
    name = session.execute(select(User.display_name).where(User.username == username)).scalar()
    return name or username


def referral_conflict(session, row, mine: dict | None, base: dict | None = None) -> Conflict:
    """`row` (a Referral) was saved by someone else since this person read it."""
    from triage_desk.referral_rows import load

    theirs = load(row.document)
    diffs = document_differences(theirs, mine, base) if mine is not None else []
    return Conflict(f"referral {row.reference}", display_name(session, row.updated_by), row.updated_at, diffs,
                    row.version, theirs)


def check_referral(session, row, expected: int | None, mine: dict | None = None, base: dict | None = None) -> None:
    """Refuse a save made from an older version of `row` (expected None: the caller holds no version)."""
    if expected is not None and row.version != expected:
        raise referral_conflict(session, row, mine, base)


@contextmanager
def stale_guard(ws, referral_id: str, mine: dict | None = None) -> Iterator[None]:
    """Around a unit of work: another workstation committed the same row between our read and our write
    (the version in the UPDATE no longer matched): say who, read afresh, instead of a raw ORM error."""
    try:
        yield
    except (StaleDataError, ChangedMeanwhile):
        from triage_desk.models import Referral

        with ws.session() as s:
            row = s.get(Referral, referral_id)
            if row is None:
                raise Conflict("the referral", "another officer", None) from None
            raise referral_conflict(s, row, mine) from None


# ---- differences in words ------------------------------------------------------------------------------
def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _fields() -> dict[str, tuple[str, dict]]:
    """{"subjects[].surname": ("Subject", field)} for every field of the form in use."""
    from triage_desk.forms.form import load_form

    form = load_form()
    out = {}
    for section in form.sections:
        base = section.get("path") or section["id"]
        base = f"{base}[]" if section.get("repeat") else base
        for f in section.get("fields", []):
            out[f"{base}.{f['path']}" if base else f["path"]] = (form.label(section), f)
    return out


def _label(path: str, known: dict) -> tuple[str, dict | None]:
    found = known.get(_INDEX.sub("[]", path))
    number = re.search(r"\[(\d+)\]", path)
    if found is None:
        from triage_desk.forms.labels import humanise

        return humanise(re.split(r"[.\[]", path)[-1].rstrip("]")).capitalize(), None
    section, fld = found
    from triage_desk.forms.form import Form

    where = f"{section} ({int(number.group(1)) + 1})" if number else section
    return f"{where} — {Form.label(fld)}", fld


def _words(value: Any, fld: dict | None) -> str:
    from triage_desk.forms.form import load_form

    if value is None or value == "" or value == []:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if fld is not None and fld.get("choices"):
        form = load_form()
        items = value if isinstance(value, list) else [value]
        return ", ".join(form.choice_label(fld, v) for v in items)
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= _MAX_WORDS else text[:_MAX_WORDS - 1] + "…"


def document_differences(theirs: dict, mine: dict, base: dict | None = None) -> list[Difference]:
    """The fields that differ between the saved document and mine. With `base` (what I started from),
    each says whether they changed it (else only I did), so a merge can take their side by default."""
    flat_theirs, flat_mine = _flatten(theirs), _flatten(mine)
    flat_base = _flatten(base) if base is not None else None
    known = _fields()
    out = []
    for path in sorted(set(flat_theirs) | set(flat_mine)):
        if path.split(".")[0].split("[")[0] in _INTERNAL or path.rsplit(".", 1)[-1] == "id":
            continue
        a, b = flat_theirs.get(path), flat_mine.get(path)
        if a == b:
            continue
        label, fld = _label(path, known)
        they = flat_base is None or flat_base.get(path) != a
        out.append(Difference(label, _words(a, fld), _words(b, fld), path, they))
    return out


def _set(doc: dict, path: str, value: Any, present: bool) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if part.startswith("["):
            index = int(part[1:-1])
            while len(node) <= index:
                node.append({})
            node = node[index]
        else:
            node = node.setdefault(part, [] if nxt.startswith("[") else {})
    last = parts[-1]
    if present:
        node[last] = value
    elif isinstance(node, dict):
        node.pop(last, None)


def merge(theirs: dict, mine: dict, take_theirs: set[str]) -> dict:
    """Merge by hand: my document with their value for each path in `take_theirs`."""
    out = copy.deepcopy(mine)
    flat = _flatten(theirs)
    for path in take_theirs:
        _set(out, path, copy.deepcopy(flat.get(path)), path in flat)
    return out


def _decision_words(level: int | None, outcomes: list | tuple, rationale: str | None, nfa: str | None) -> dict:
    from triage_desk.forms.labels import word, words

    return {"Final level": f"level {level}" if level is not None else "not recorded",
            "Outcomes": words("outcomes", sorted(outcomes)) if outcomes else "not recorded",
            "Rationale": _words(rationale, None), "Reason for no further action": word("nfa_reasons", nfa)}


def decision_conflict(session, referral, current, proposal=None, approval: str | None = None) -> Conflict:
    """The case's decision changed since this person opened it: theirs (`current`) beside mine (a
    decisions.Proposal, or the approval they were about to give)."""
    import json

    if current is None:
        return Conflict(f"the decision on {referral.reference}", display_name(session, referral.updated_by),
                        referral.updated_at, [], referral.version)
    theirs = _decision_words(current.final_level, json.loads(current.final_outcomes), current.rationale,
                             current.nfa_reason)
    theirs["Approval"] = _words(current.approval, None)
    mine = dict(theirs)
    if proposal is not None:
        mine.update(_decision_words(proposal.final_level, proposal.final_outcomes, proposal.rationale.strip() or None,
                                    proposal.nfa_reason))
        mine["Approval"] = theirs["Approval"]
    if approval is not None:
        mine["Approval"] = approval
    diffs = [Difference(label, theirs[label], mine[label]) for label in theirs if theirs[label] != mine[label]]
    decided = current.approved_by and current.approved_at and current.approval != "pending"
    by, at = (current.approved_by, current.approved_at) if decided else (current.decided_by, current.decided_at)
    return Conflict(f"the decision on {referral.reference}", display_name(session, by), at, diffs,
                    referral.version)


# ---- records saved as a whole step (lifecycle transitions, agency checks) -------------------------------
def last_change_at(session, referral_id: str, actor: str | None, action_prefix: str = "") -> datetime | None:
    """When `actor` last changed the case (their latest audit event on it that is not a mere view)."""
    from sqlalchemy import select

    from triage_desk.models import AuditEvent

    q = select(AuditEvent.at).where(AuditEvent.target_id == referral_id, AuditEvent.actor == actor,
                                    AuditEvent.action.like(f"{action_prefix}%"),
                                    AuditEvent.action.not_like("%.view"), AuditEvent.action.not_like("%print%"))
    return session.execute(q.order_by(AuditEvent.id.desc()).limit(1)).scalar()


def changed_since(session, what: str, referral_id: str, by: str | None, differences: list[Difference],
                  version: int, action_prefix: str = "") -> Conflict:
    """`what` was changed by `by` after this person read it at an older version: who, when, what differs."""
    return Conflict(what, display_name(session, by), last_change_at(session, referral_id, by, action_prefix),
                    differences, version)


def check_version(row, expected: int | None, conflict) -> None:
    """Refuse a step taken from an older version of `row`: `conflict()` says who changed it and how."""
    if expected is not None and row.version != expected:
        raise conflict()
