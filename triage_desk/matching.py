"""Person matching at intake: who already known to the front door might this subject be?

Candidates come only from indexed look-ups (never a scan of every person): NHS number, the metaphone
key of the surname with the DOB, the DOB alone, and word-prefix matches on names and postcode (FTS5 on
SQLCipher, full-text indexes on PostgreSQL: models/fts.py). Each candidate is then scored with rapidfuzz
and the reasons are listed for the officer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import jellyfish
from dateutil.relativedelta import relativedelta
from rapidfuzz import fuzz
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from triage_desk import server_search
from triage_desk.models import fts

PER_SOURCE = 200  # most candidates taken from any one look-up
MIN_SCORE = 60.0  # out of 100 for what was typed (see _score)
PREFIX_SIMILARITY = 90.0  # a typed surname that begins the person's surname counts as nearly the same
# The most each typed field can add: a score is a share of what the typed fields could reach, so a
# search by surname (or its first letters) alone can pass MIN_SCORE, and a full subject scores as before.
_WEIGHTS = {"surname": 35.0, "forenames": 25.0, "dob": 30.0, "postcode": 10.0}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class Candidate:
    person_id: str
    surname: str
    forenames: str
    dob: str | None
    postcode: str | None
    nhs_number: str | None
    score: float
    why: list[str]
    referrals: list[dict] = field(default_factory=list)  # {"id", "reference", "received_at", "status"}


def normalise_postcode(value: str | None) -> str | None:
    if not isinstance(value, str):
        return None
    pc = re.sub(r"\s+", "", value).upper()
    if not (5 <= len(pc) <= 7):
        return None
    return f"{pc[:-3]} {pc[-3:]}"


def normalise_nhs(value) -> str | None:
    """Ten digits, or None: "not_known", blanks and malformed numbers never match anybody."""
    if not isinstance(value, str):
        return None
    digits = re.sub(r"\s", "", value)
    return digits if re.fullmatch(r"\d{10}", digits) else None


def phonetic(name: str | None) -> str:
    """Metaphone of the first word of a name ('' when none)."""
    words = _WORD.findall(name or "")
    return jellyfish.metaphone(words[0])[:32] if words else ""


def soundex(name: str | None) -> str:
    words = _WORD.findall(name or "")
    return jellyfish.soundex(words[0]) if words else ""


def person_keys(surname: str, forenames: str) -> dict:
    """The indexed phonetic columns of a Person."""
    return {"surname_key": phonetic(surname), "surname_soundex": soundex(surname),
            "forename_key": phonetic(forenames)}


def _dob(value) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _look_ups(dialect: str, surname: str, forenames: str, dob: str | None, nhs: str | None,
              postcode: str | None) -> tuple[list[tuple[str, str]], dict]:
    """The (tag, SELECT of the scoring columns) look-ups for what was typed, and their parameters (each
    parameter named once, so the server can take them all in one statement)."""
    look_ups: list[tuple[str, str]] = []
    params: dict = {}
    if nhs:
        look_ups.append(("nhs", f"SELECT {fts.PERSON_COLUMNS} FROM person WHERE nhs_number = :v"))
        params["v"] = nhs
    key = phonetic(surname)
    if key and dob:
        look_ups.append(("phonetic_dob", f"SELECT {fts.PERSON_COLUMNS} FROM person WHERE surname_key = :k "
                                         "AND dob = :d"))
    if dob:
        look_ups.append(("dob", f"SELECT {fts.PERSON_COLUMNS} FROM person WHERE dob = :d"))
        params["d"] = dob
    if key:
        look_ups.append(("phonetic", server_search.sounds_like_sql(dialect, "surname_key", limit=PER_SOURCE)))
        params.update(k=key, s=surname)
    sx = soundex(surname)
    if sx and not dob:
        look_ups.append(("soundex", server_search.sounds_like_sql(dialect, "surname_soundex", key="sx",
                                                                    limit=PER_SOURCE)))
        params.update(sx=sx, s=surname)
    q = fts.prefix_query([w.lower() for w in _WORD.findall(f"{surname} {forenames}")], dialect)
    if q:
        look_ups.append(("name", fts.PERSON_WORDS[dialect]))
        params["q"] = q
    if postcode:
        look_ups.append(("postcode", fts.PERSON_POSTCODE[dialect]))
        params["pq"] = fts.phrase_query(postcode, "postcode", dialect)
    return look_ups, params


def _candidate_ids(session: Session, surname: str, forenames: str, dob: str | None, nhs: str | None,
                   postcode: str | None, rows: dict | None = None) -> dict[str, set[str]]:
    """person id -> look-ups that found it; `rows` (if given) gets each person's scoring columns."""
    found: dict[str, set[str]] = {}
    rows = {} if rows is None else rows
    dialect = session.get_bind().dialect.name
    look_ups, params = _look_ups(dialect, surname, forenames, dob, nhs, postcode)
    if not look_ups:
        return found
    if dialect == "sqlite":  # in-process: each look-up alone keeps its covering-index plan (migration 0017)
        tagged = [(tag, row) for tag, sql in look_ups
                  for row in session.execute(text(f"{sql} LIMIT {PER_SOURCE}"), params).all()]
    else:  # the server is a round trip away: one statement
        tagged = [(row.tag, row) for row in
                  session.execute(text(server_search.one_statement(look_ups, PER_SOURCE)), params).all()]
    for tag, row in tagged:
        found.setdefault(row.id, set()).add(tag)
        rows[row.id] = row
    return found


def _score(subject: tuple, row) -> tuple[float, list[str]]:
    surname, forenames, dob, nhs, postcode, sound = subject
    why: list[str] = []
    if nhs and row.nhs_number == nhs:
        return 100.0, ["same NHS number"]
    typed, known = surname.lower(), (row.surname or "").lower()
    s_sim = fuzz.ratio(typed, known) if surname else 0.0
    prefix = len(typed) >= 2 and len(typed) < len(known) and known.startswith(typed)
    if prefix:
        s_sim = max(s_sim, PREFIX_SIMILARITY)
    f_sim = fuzz.token_set_ratio(forenames.lower(), (row.forenames or "").lower()) if forenames else 0.0
    same_sound = bool(surname) and sound == row.surname_key
    score = 0.35 * s_sim + 0.25 * f_sim
    if s_sim == 100:
        why.append("same surname")
    elif prefix:
        why.append(f"surname begins “{surname}”")
    elif same_sound:
        score = max(score, 0.35 * 90 + 0.25 * f_sim)
        why.append("surname sounds the same")
    elif s_sim >= 75:
        why.append(f"similar surname ({s_sim:.0f}%)")
    if f_sim == 100:
        why.append("same forenames")
    elif f_sim >= 75:
        why.append(f"similar forenames ({f_sim:.0f}%)")
    if dob and row.dob is not None and _dob(row.dob) == dob:
        score += 30
        why.append("same date of birth")
    if postcode and row.postcode == postcode:
        score += 10
        why.append("same postcode")
    if nhs and row.nhs_number and row.nhs_number != nhs:
        score -= 40
        why.append("different NHS number")
    typed_fields = zip(_WEIGHTS.values(), (surname, forenames, dob, postcode), strict=True)
    reachable = sum(w for w, value in typed_fields if value) or 100.0
    return round(min(score * 100.0 / reachable, 99.0), 1), why


def _with_ids(sql: str):
    """`sql` whose `IN :ids` takes a list (SQLAlchemy expands it into one parameter per value)."""
    return text(sql).bindparams(bindparam("ids", expanding=True))


def find_candidates(session: Session, subject: dict, *, exclude: set[str] | frozenset[str] = frozenset(),
                    limit: int = 10, min_score: float = MIN_SCORE, with_referrals: bool = True) -> list[Candidate]:
    """People who may be this document subject (dict with surname, forenames, dob, nhs_number, address)."""
    surname = (subject.get("surname") or "").strip() if isinstance(subject.get("surname"), str) else ""
    forenames = (subject.get("forenames") or "").strip() if isinstance(subject.get("forenames"), str) else ""
    if surname in ("not_known", "not_applicable"):
        surname = ""
    dob = _dob(subject.get("dob"))
    nhs = normalise_nhs(subject.get("nhs_number"))
    address = subject.get("address") if isinstance(subject.get("address"), dict) else {}
    postcode = normalise_postcode(address.get("postcode"))
    if not (surname or forenames or nhs or dob or postcode):
        return []
    known: dict = {}
    found = _candidate_ids(session, surname, forenames, dob, nhs, postcode, known)
    ids = [pid for pid in found if pid not in exclude]
    if not ids:
        return []
    rows = [known[pid] for pid in ids]
    key = (surname, forenames, dob, nhs, postcode, phonetic(surname))
    scored = []
    for row in rows:
        score, why = _score(key, row)
        if score >= min_score:
            scored.append(Candidate(row.id, row.surname, row.forenames, _dob(row.dob), row.postcode,
                                    row.nhs_number, score, why))
    scored.sort(key=lambda c: (-c.score, c.surname, c.forenames, c.person_id))
    scored = scored[:limit]
    if with_referrals:
        listed = referrals_of_people(session, [c.person_id for c in scored])
        for c in scored:
            c.referrals = listed.get(c.person_id, [])
    return scored


_REFERRALS_OF = _with_ids(
    "SELECT rs.person_id, r.id, r.reference, r.received_at, r.status FROM referral_subject rs "
    "JOIN referral r ON r.id = rs.referral_id WHERE rs.person_id IN :ids AND rs.state = 'linked' "
    "ORDER BY rs.person_id, r.received_at DESC, r.id")


def referrals_of_people(session: Session, person_ids: list[str], limit: int = 50) -> dict[str, list[dict]]:
    """Each person's linked referrals, newest first (at most `limit` each): one query for a page of people."""
    if not person_ids:
        return {}
    rows = session.execute(_REFERRALS_OF, {"ids": list(person_ids)}).all()
    out: dict[str, list[dict]] = {}
    for r in rows:
        listed = out.setdefault(r.person_id, [])
        if len(listed) < limit:
            listed.append({"id": r.id, "reference": r.reference, "status": r.status,
                           "received_at": str(r.received_at)[:16].replace(" ", "T")})
    return out


def referrals_of(session: Session, person_id: str, limit: int = 50) -> list[dict]:
    return referrals_of_people(session, [person_id], limit).get(person_id, [])


_YEAR_BEFORE = relativedelta(years=-1)


@lru_cache(maxsize=4096)
def _year_before(day: date) -> date:
    return day + _YEAR_BEFORE  # cached per day: the demo asks once per referral, a million times


def twelve_months_before(moment: datetime) -> datetime:
    """The same date-time a year earlier (29 February falls back to the 28th)."""
    return datetime.combine(_year_before(moment.date()), moment.timetz())


def sql_datetime(moment: datetime) -> str:
    """A date-time as SQLAlchemy stores it in SQLite (so text() comparisons match the stored strings)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


_RE_REFERRALS = _with_ids(
    "SELECT count(DISTINCT r.id) FROM referral_subject rs JOIN referral r ON r.id = rs.referral_id "
    "WHERE rs.person_id IN :ids AND rs.state = 'linked' AND r.status != 'draft' "
    "AND r.received_at >= :start AND r.received_at < :end AND r.id != :ex")


def re_referrals_12m(session: Session, person_ids, received_at: datetime,
                     exclude_referral_id: str | None = None) -> int:
    """Submitted referrals for any of these people received in the 12 months up to `received_at`
    (a referral exactly 12 months earlier counts; drafts never count)."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return 0
    params = {"ids": ids, "start": sql_datetime(twelve_months_before(received_at)), "end": sql_datetime(received_at),
              "ex": exclude_referral_id or ""}
    return session.execute(_RE_REFERRALS, params).scalar_one()
