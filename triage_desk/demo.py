"""Synthetic demo data: households, repeat referrals, consent states and a spread of referral sources.

Every person is invented: surnames and forenames are built from nonsense syllables, postcodes use
the non-existent "ZX"/"ZY" areas and NHS numbers the 999 test range. `bulk_generate` writes through
`executemany` on the raw connection in large transactions; a large load builds its indexes and derived
rows once at the end (demo_bulk), so a million referrals take minutes, not hours.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from sqlalchemy import func, literal, select

from triage_desk import accounts, audit, demo_clocks, matching
from triage_desk.demo_accounts import add_demo_decisions, ensure_demo_accounts
from triage_desk.forms import consent_rules, threshold
from triage_desk.forms.clock import LONDON, london_now
from triage_desk.models import Referral, Role, utcnow
from triage_desk.referral_rows import store_text

_S1 = ("Brin", "Quor", "Tam", "Vell", "Zan", "Mor", "Kest", "Lud", "Pim", "Drax", "Fen", "Grel", "Hob", "Jor",
       "Nib", "Orl", "Plov", "Rask", "Sorn", "Trem", "Ulv", "Wix", "Yarn", "Blen", "Crup", "Dorv", "Elm", "Frin")
_S2 = ("dlewick", "vale", "bottle", "thorpe", "wimble", "gate", "mire", "stock", "ridge", "fold", "worth",
       "combe", "holt", "brook", "cott", "ley", "wick", "ham", "ton", "by", "den", "marsh", "well", "croft")
_F1 = ("Ala", "Bex", "Cori", "Dax", "Eni", "Fen", "Gwyn", "Hal", "Ivo", "Jax", "Kira", "Lio", "Mabe", "Nox",
       "Oona", "Pax", "Quin", "Rue", "Suki", "Tov", "Ula", "Vix", "Wren", "Xan", "Yola", "Zed")
_F2 = ("", "bel", "rin", "tor", "lyn", "mo", "na", "ric", "sa", "do")
# (agency, DfE referral source code, weight)
SOURCES = (("Police", "6", 30), ("School", "2A", 18), ("Health visitor", "3B", 5), ("GP", "3A", 4),
           ("Hospital", "3E", 5), ("Housing", "4", 4), ("Local authority", "5B", 8), ("Individual", "1A", 9),
           ("Anonymous", "9", 3), ("Other legal agency", "7", 4), ("Other", "8", 6), ("Unknown", "10", 2),
           ("Early years", "2B", 2))
# what a referrer from each agency is called (never the bare word "Referrer")
ROLES = {"Police": ("Police constable", "Detective constable", "Public protection officer"),
         "School": ("Designated safeguarding lead", "Class teacher", "Head of year"),
         "Health visitor": ("Health visitor",), "GP": ("General practitioner", "Practice nurse"),
         "Hospital": ("Emergency department nurse", "Paediatric registrar", "Hospital social worker"),
         "Housing": ("Housing officer", "Tenancy support worker"),
         "Local authority": ("Youth worker", "Early help practitioner", "Social worker"),
         "Individual": ("Grandparent", "Neighbour", "Family friend"), "Anonymous": ("Member of the public",),
         "Other legal agency": ("Probation officer", "Youth justice worker"),
         "Other": ("Voluntary sector support worker", "Faith group leader"), "Unknown": ("Not given",),
         "Early years": ("Nursery manager", "Childminder")}
CONSENT = (("given", 55), ("refused", 10), ("not_sought", 20), ("withdrawn", 3), ("unknown", 12))
RELATIONSHIPS = ("mother", "father", "stepfather", "grandmother", "partner_of_mother", "aunt")
# who holds parental responsibility (the household says so; consent is given only by one of them)
_PR = {"mother": "yes", "father": "yes", "stepfather": "no", "grandmother": "no", "partner_of_mother": "no",
       "aunt": "no"}
CONSULT_FROM_AGE = 5  # younger children (and unborn) are "not applicable (too young)"
REPEAT_SHARE = 0.25  # share of referrals about a household referred in the last 12 months (~22 % re-referrals)
MAX_PER_HOUSEHOLD = 4  # nobody in the demo has dozens of referrals
YEARS = 3  # the demo spreads referrals over the last three years
# `--demo`'s size: about 13 contacts a week, so the Measures area's weekly charts have something to show
# (200 gave one or two a week, and "This month" five); a few seconds to generate
DEMO_SIZE = 2000


def nhs_test_number(rng: random.Random) -> str:
    """A mod-11-valid NHS number in the 999 test range (never issued to a real patient)."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def fake_surname(rng: random.Random) -> str:
    return rng.choice(_S1) + rng.choice(_S2)


def fake_forename(rng: random.Random) -> str:
    return rng.choice(_F1) + rng.choice(_F2)


def fake_postcode(rng: random.Random) -> str:
    return f"Z{rng.choice('XY')}{rng.randrange(1, 99)} {rng.randrange(10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
           f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


@dataclass
class _Household:
    surname: str
    postcode: str
    town: str
    children: list  # [(person_id, forenames, dob, nhs)]
    adults: list  # [(name, relationship)]: the first holds parental responsibility
    adult_subject: bool
    created: datetime
    referrals: int = 1


def _new_household(rng: random.Random, when: datetime, adult: bool) -> _Household:
    surname = fake_surname(rng)
    count = 1 if adult else rng.choice((1, 1, 2, 2, 3))
    min_age, max_age = (19, 80) if adult else (0, 17)
    people = []
    for _ in range(count):
        age_days = rng.randrange(min_age * 365, max_age * 365 + 364)
        dob = (when - timedelta(days=age_days)).date().isoformat()
        people.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), fake_forename(rng), dob,
                       nhs_test_number(rng) if rng.random() < 0.7 else None))
    adults = [(f"{fake_forename(rng)} {surname}", rng.choice(("mother", "mother", "father")))]
    if rng.random() < 0.5:
        second = fake_forename(rng)
        while f"{second} {surname}" == adults[0][0]:  # two people, two names
            second = fake_forename(rng)
        adults.append((f"{second} {surname}", rng.choice(RELATIONSHIPS[1:])))
    return _Household(surname, fake_postcode(rng), rng.choice(("Testford", "Mockbury", "Sampleton")), people,
                      adults, adult, when)


def _repeat_household(rng: random.Random, households: list, when: datetime) -> _Household | None:
    """A household referred in the last 12 months that has not had many referrals yet (a few tries)."""
    cutoff = when - timedelta(days=365)
    recent = min(len(households), 4000)
    for _ in range(6):
        hh = households[-1 - rng.randrange(recent)] if recent else None
        if hh is not None and hh.created >= cutoff and hh.referrals < MAX_PER_HOUSEHOLD:
            hh.referrals += 1
            return hh
    return None


def _consulted(rng: random.Random, subjects: list, when: datetime) -> str:
    """Children old enough are asked (most of the time); babies and toddlers cannot be."""
    oldest = max((when.date() - datetime.fromisoformat(dob).date()).days // 365 for _, _, dob, _ in subjects)
    return "not_applicable" if oldest < CONSULT_FROM_AGE else rng.choice(("yes", "yes", "yes", "no"))


def _records(rng: random.Random, record: dict) -> list[dict]:
    if record["state"] == "unknown":
        return []
    if record["state"] != "withdrawn":
        return [record]
    # a withdrawal supersedes consent once given (its id from the seed too: one seed, one demo)
    given = dict(record, state="given", id=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    return [given, dict(record, supersedes=given["id"])]


def _not_sought_reasons(rules) -> tuple[str, ...]:
    """The rules file's reasons for not seeking consent (lacks_capacity needs assessments: not generated)."""
    return tuple(c for c in rules.codes("consent_not_sought_reasons") if c != consent_rules.LACKS_CAPACITY)


def _document(rng, rid, ref, when, hh, subjects, agency, source, status, consent, indicators, rr,
              not_sought: tuple[str, ...]) -> dict:
    state = consent
    # consent records follow forms.consent_rules; "unknown" means nothing was recorded
    record = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "person_id": subjects[0][0],
              "scope": "referral", "state": state, "date": when.date().isoformat(), "recorded_by": "demo",
              "informed": state != "not_sought", "form": rng.choice(("verbal", "written"))}
    if state == "not_sought":
        record["reason_code"] = rng.choice(not_sought)
        del record["form"]
    elif hh.adult_subject:
        record["by"] = {"name": f"{subjects[0][1]} {hh.surname}", "standing": "adult_capacity"}
    else:
        record["by"] = {"name": hh.adults[0][0], "standing": "parental_responsibility"}
    return {
        "schema": "triage-desk/referral", "schema_version": 1, "id": rid, "reference": ref,
        "form": {"id": "marf-default", "version": "1"}, "status": status,
        "variant": "adult" if hh.adult_subject else "child",
        "contact": {"received_at": when.isoformat(timespec="minutes"), "channel": rng.choice(
            ("phone", "email", "portal", "portal", "in_person")), "urgent": rng.random() < 0.08,
            "referral_source": source},
        "referrer": {"name": f"{fake_forename(rng)} {fake_surname(rng)}", "role": rng.choice(ROLES.get(agency, (
                     "Practitioner",))), "agency": agency,
                     "phone": f"0100 {rng.randrange(900000, 999999)}", "email": "referrer@example.org"},
        "consent": {"records": _records(rng, record), "child_consulted": _consulted(rng, subjects, when)},
        "subjects": [{"id": pid, "kind": "adult" if hh.adult_subject else "child", "surname": hh.surname,
                      "forenames": fn, "dob": dob, "nhs_number": nhs or "not_known",
                      "address": {"line1": f"{rng.randrange(1, 200)} Example Road", "town": hh.town,
                                  "postcode": hh.postcode}} for pid, fn, dob, nhs in subjects],
        "household": [{"name": name, "relationship": rel, "parental_responsibility": _PR.get(rel, "not_known")}
                      for name, rel in hh.adults],
        "concerns": {"narrative": "Synthetic demo referral (no real person).", "indicators": indicators},
        "links": {"matched_person_ids": [], "re_referrals_12m": rr},
    }


def _indicators(rng, pools: dict, population: str, level: int) -> list[str]:
    """One indicator at `level` and up to two from the levels below (never three domains at level 2)."""
    chosen = [rng.choice(pools[(population, level)])]
    below = [i for lv in range(1, level) for i in pools[(population, lv)] if not (level == 2 and lv == 2)]
    if below:
        chosen += rng.sample(below, min(len(below), rng.randrange(0, 3)))
    return chosen


def _draw(table) -> tuple[list, list]:
    """(choices, cumulative weights) of a (..., weight) table: `random.choices` then skips summing the
    weights on every draw (same numbers drawn, same results)."""
    return [t[:-1] for t in table], list(accumulate(t[-1] for t in table))


_SOURCE_DRAW, _CONSENT_DRAW, _LEVEL_DRAW = _draw(SOURCES), _draw(CONSENT), _draw(((1, 20), (2, 40), (3, 28), (4, 12)))


def _weighted(rng, draw: tuple[list, list]):
    return rng.choices(draw[0], cum_weights=draw[1])[0]


def _pools(ctx: threshold.Context) -> dict:
    # Indicators by population and level (hard triggers only at level 4), so the stored level is the one
    # the engine gives for the document: no escalation, no trigger below level 4.
    return {(p, lv): [i.id for i in ctx.catalogue.for_population(p) if i.level == lv and (lv == 4 or not i.trigger)]
            for p in ("child", "adult") for lv in (1, 2, 3, 4)}


@dataclass(frozen=True)
class Slice:
    """Consecutive referrals first..first+count-1 of a demo of `n` spread evenly over start..end."""
    start: datetime
    end: datetime
    n: int
    first: int
    count: int
    seed: str

    def when(self, i: int) -> datetime:
        # The jitter is a function of the index, not of the random stream, so any slice can tell which
        # year earlier slices' referrals fell in and number its references on from theirs.
        step = (self.end - self.start) / max(self.n, 1)
        return (self.start + step * i + timedelta(minutes=(i * 17) % 30)).replace(second=0, microsecond=0)

    def year_counts_before(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for i in range(self.first):
            year = self.when(i).year
            counts[year] = counts.get(year, 0) + 1
        return counts


def bulk_generate(ws, n: int, seed: int = 1, *, batch: int = 20000, progress=None,
                  until: datetime | None = None) -> dict:
    """Insert `n` synthetic referrals (and their people) quickly. Returns counts, seconds and rate.
    The referrals end now (London time), or at `until` when a test needs the same data on any day.

    From demo_load.PARALLEL_FROM referrals the time span is cut into one slice per core, generated in
    worker processes (households repeat within their slice) while this process writes."""
    from triage_desk import demo_load

    accounts.require(ws.user, Role.ADMIN, Role.LEAD)
    t0 = time.perf_counter()
    with ws.session() as s:
        existing = s.execute(select(func.count()).select_from(Referral)).scalar_one()
        year = func.substr(Referral.reference, literal(4, literal_execute=True), literal(4, literal_execute=True))
        last_refs = dict(s.execute(select(year, func.max(Referral.reference)).group_by(year)).all())
    counters = {int(y): int(r[-6:]) for y, r in last_refs.items()}
    end = (until or london_now()).replace(second=0, microsecond=0)
    k = demo_load.workers(n)
    cuts = [n * j // k for j in range(k + 1)]
    slices = [Slice(end - timedelta(days=365 * YEARS), end, n, a, b - a, f"{seed}:{existing}" + (f":{j}" if j else ""))
              for j, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False))]
    totals = demo_load.load(ws, _generate, slices, counters, batch, progress,
                            defer_indexes=n >= max(demo_load.DEFER_INDEXES_FROM, existing), fresh=existing == 0)
    seconds = time.perf_counter() - t0
    with ws.session() as s:
        audit.record(s, ws.actor, "demo.generate", "workspace", None, referrals=n, people=totals["people"], seed=seed)
    return {"referrals": n, "people": totals["people"], "links": totals["links"], "seconds": round(seconds, 2),
            "per_second": round(n / seconds) if seconds else None, "phases": totals.get("phases", {}),
            "generator_cpu": round(totals["generator_cpu"], 1)}


_KEEP_HOUSEHOLDS = 20000  # repeat referrals come from recent households; older ones are let go (memory)


def _scores(doc: dict, ctx: threshold.Context) -> tuple[str, dict[str, datetime], int]:
    """RAG, the decision and RAG clocks' due times (local, naive) and suggested level, from the engine and the
    working-time clock as intake.submit stores them."""
    _, result, routing = threshold.score(doc, context=ctx)
    dues = {kind: due.astimezone(LONDON).replace(tzinfo=None)
            for kind, due in (("decision", routing.decision_due), ("rag", routing.rag_due))}
    return routing.rag, dues, result.suggested_level


def _person_rows(hh: _Household, now_s: str) -> list[tuple]:
    rows = []
    for pid, fn, dob, nhs in hh.children:
        keys = matching.person_keys(hh.surname, fn)
        rows.append((pid, hh.surname, fn, dob, nhs, hh.postcode, keys["surname_key"], keys["surname_soundex"],
                     keys["forename_key"], now_s))
    return rows


def _generate(sl: Slice, counters: dict, batch: int, totals: dict, ctx: threshold.Context):
    """Yields (referrals in the batch, person rows, referral rows, link rows, deadline rows) for one slice,
    in chronological order. `counters` (year -> last reference number) must hold every earlier referral."""
    rng, pools, not_sought = random.Random(sl.seed), _pools(ctx), _not_sought_reasons(ctx.rules)
    clock_rng = random.Random(f"{sl.seed}:clocks")  # its own stream: the referrals are as they were without it
    households: list[_Household] = []
    history: dict[str, list[datetime]] = {}
    rows: tuple[list, list, list, list] = ([], [], [], [])
    now_s = matching.sql_datetime(utcnow())
    last = sl.first + sl.count - 1
    for i in range(sl.first, last + 1):
        when = sl.when(i)
        hh = _repeat_household(rng, households, when) if rng.random() < REPEAT_SHARE else None
        if hh is None:
            hh = _new_household(rng, when, adult=rng.random() < 0.2)
            households.append(hh)
            rows[0].extend(_person_rows(hh, now_s))
            totals["people"] += len(hh.children)
            if len(households) > 2 * _KEEP_HOUSEHOLDS:
                del households[:_KEEP_HOUSEHOLDS]
                kept = {pid for h in households for pid, *_ in h.children}
                history = {pid: ts for pid, ts in history.items() if pid in kept}
        counters[when.year] = counters.get(when.year, 0) + 1
        ref = f"TD-{when.year:04d}-{counters[when.year]:06d}"
        _referral((rng, clock_rng), ctx, pools, not_sought, (when, sl.end, ref, hh, history, now_s), rows)
        if len(rows[1]) >= batch or i == last:
            totals["links"] += len(rows[2])
            yield len(rows[1]), *rows
            rows = ([], [], [], [])


def _referral(rngs, ctx, pools, not_sought, where: tuple, rows: tuple) -> None:
    """One referral's rows, appended to (people, referrals, links, deadlines)."""
    (rng, clock_rng), (when, end, ref, hh, history, now_s) = rngs, where
    subjects = hh.children if rng.random() < 0.3 else [rng.choice(hh.children)]
    cutoff = matching.twelve_months_before(when)
    rr = len({t for pid, *_ in subjects for t in history.get(pid, ()) if t >= cutoff})
    age_days = (end - when).days
    status = ("draft" if rng.random() < 0.3 else "submitted") if age_days < 2 else \
        ("submitted" if age_days < 5 else ("decided" if age_days < 60 else "closed"))
    agency, source = _weighted(rng, _SOURCE_DRAW)
    (consent,) = _weighted(rng, _CONSENT_DRAW)
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    (level,) = _weighted(rng, _LEVEL_DRAW)
    doc = _document(rng, rid, ref, when, hh, subjects, agency, source, status, consent,
                    _indicators(rng, pools, "adult" if hh.adult_subject else "child", level), rr, not_sought)
    rag, dues = None, {}
    if status != "draft":
        rag, dues, level = _scores(doc, ctx)
    names = "; ".join(f"{hh.surname.upper()}, {fn}" for _, fn, _, _ in subjects)
    sort = " ".join(f"{hh.surname} {fn}".lower() for _, fn, _, _ in subjects)
    clocks = demo_clocks.clocks(clock_rng, ctx.calendar, rid, when, end, status, dues, rag)
    rows[3].extend(clocks)
    due = matching.sql_datetime(dues["decision"]) if dues else None
    rows[1].append((rid, ref, status, doc["variant"], matching.sql_datetime(when), names, sort, agency, source,
                    doc["contact"]["urgent"], rag, due, None if status == "draft" else level,
                    level if status in ("decided", "closed") else None, rr, "marf-default", "1",
                    store_text(doc), None, "demo", now_s, now_s, *demo_clocks.earliest_open(clocks)))
    for pid, *_ in subjects:
        rows[2].append((rid, pid, pid, "linked", "demo", now_s))
        if status != "draft":
            history.setdefault(pid, []).append(when)


def ensure_demo_data(ws, n: int = DEMO_SIZE, seed: int = 1) -> int:
    """Top the database up to at least `n` referrals; returns how many were added (0 when enough)."""
    with ws.session() as s:
        existing = s.execute(select(func.count()).select_from(Referral)).scalar_one()
    if existing >= n:
        return 0
    ensure_demo_accounts(ws)
    added = bulk_generate(ws, n - existing, seed)["referrals"]
    add_demo_decisions(ws, seed=seed)
    return added
