"""Person search through the real matching service (`matching.find_candidates`, referrals listed), one
figure per way a person is looked for, on the cached case-list database (bench_caselist.py).

search_prefix    the first three letters of a real surname, nothing else;
search_misspelt  a real surname with two letters swapped, the forenames and the DOB;
search_nhs       an NHS number alone;      search_dob   a date of birth alone;
search_postcode  a postcode alone.
Floor for each: the hand-written indexed SELECT that finds the same rows (FTS prefix, phonetic key + DOB,
NHS number, DOB, postcode), in the same run. Median over 15 people each.
"""

from __future__ import annotations

import random

from _harness import Figure, best_of
from bench_caselist import workspace

PEOPLE = 15


def _people(ws) -> list:
    from sqlalchemy import text

    rng = random.Random(11)
    out = []
    with ws.session() as s:
        top = s.execute(text("SELECT max(rowid) FROM person")).scalar_one()
        while len(out) < PEOPLE:
            row = s.execute(text("SELECT id, surname, forenames, dob, postcode, nhs_number, surname_key FROM person "
                                 "WHERE rowid = :r"), {"r": rng.randrange(1, top + 1)}).first()
            if row is not None and len(row.surname) > 4 and row.nhs_number and row.postcode:
                out.append(row)
    return out


def _swap(name: str) -> str:
    return name[:1] + name[2] + name[1] + name[3:]


KINDS = {
    "prefix": (lambda p: {"surname": p.surname[:3]},
               "SELECT rowid FROM person_fts WHERE person_fts MATCH :q LIMIT 200",
               lambda p: {"q": f'surname : "{p.surname[:3].lower()}"*'}),
    "misspelt": (lambda p: {"surname": _swap(p.surname), "forenames": p.forenames, "dob": str(p.dob)},
                 "SELECT id FROM person WHERE surname_key = :k AND dob = :d LIMIT 200",
                 lambda p: {"k": p.surname_key, "d": str(p.dob)}),
    "nhs": (lambda p: {"nhs_number": p.nhs_number}, "SELECT id FROM person WHERE nhs_number = :v LIMIT 200",
            lambda p: {"v": p.nhs_number}),
    "dob": (lambda p: {"dob": str(p.dob)}, "SELECT id FROM person WHERE dob = :d LIMIT 200",
            lambda p: {"d": str(p.dob)}),
    "postcode": (lambda p: {"address": {"postcode": p.postcode}},
                 "SELECT rowid FROM person_fts WHERE person_fts MATCH :q LIMIT 200",
                 lambda p: {"q": f'postcode : "{p.postcode}"'}),
}


def _figure(kind: str) -> Figure:
    from sqlalchemy import text

    from triage_desk import matching

    typed, sql, params = KINDS[kind]
    ws = workspace()
    people = _people(ws)
    with ws.session() as s:
        for p in people:
            found = matching.find_candidates(s, typed(p))
            assert p.id in {c.person_id for c in found} or len(found) == 10, f"{kind}: the person was not found"
        ours = best_of(lambda: [matching.find_candidates(s, typed(p)) for p in people], 5) / len(people)
        floor = best_of(lambda: [s.execute(text(sql), params(p)).all() for p in people], 5) / len(people)
    return Figure(f"search_{kind}", ours * 1000, "ms", floor * 1000, "value <= 30 ms")


FIGURES = {f"search_{kind}": (lambda k=kind: _figure(k)) for kind in KINDS}
