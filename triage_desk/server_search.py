"""Person search on the team server where it differs from SQLCipher: the sounds-like surname look-ups, and
every look-up of one search sent as one statement.

Both stores find people by the same metaphone and soundex keys (models/person.py), so they offer the same
candidates. When more people share a sound than one look-up takes (matching.PER_SOURCE), SQLCipher takes
them in its index order; the server takes the spellings closest to what was typed first (pg_trgm distance
on the surname folded as the full-text index folds it), and people of one spelling by id. The widest sound
is shared by ~12,800 people at a million referrals but by few spellings: the server reads the spellings
from a covering index keyed (key, surname, id) (migration 0019), one index descent each, works the distance
out once per spelling, and reads only the first ids of each spelling, all from the index. Reading everyone
who shares the sound and sorting them cost ~20 ms of a surname-only search; ordering by a per-spelling
figure never used the trigram index 0016 built (0019 dropped it), whose nearest-first walk filtered
~160,000 people by key (~0.4 s) when the spelling typed was far from everyone sharing its sound. Which
people fill the look-up does not depend on the plan the server chose.
"""

from __future__ import annotations

from triage_desk.models.fts import PERSON_COLUMNS

_SOUNDS_LIKE = {
    "sqlite": "SELECT {columns} FROM person WHERE {column} = :{key}",
    # the sound's spellings, each found by one descent of the covering index (key, surname, id) from the
    # last; the nearest to what was typed first, and of each spelling the first `limit` ids
    "postgresql": "WITH RECURSIVE spellings(surname) AS ("
                  "(SELECT surname FROM person WHERE {column} = :{key} ORDER BY surname LIMIT 1) UNION ALL "
                  "SELECT (SELECT p.surname FROM person p WHERE p.{column} = :{key} AND p.surname > spellings.surname "
                  "ORDER BY p.surname LIMIT 1) FROM spellings WHERE spellings.surname IS NOT NULL), "
                  "spelt AS MATERIALIZED (SELECT surname, td_fold(surname) <-> td_fold(:s) AS distance "
                  "FROM spellings WHERE surname IS NOT NULL) "
                  "SELECT spelling.* FROM spelt CROSS JOIN LATERAL (SELECT {columns} FROM person "
                  "WHERE {column} = :{key} AND surname = spelt.surname ORDER BY id LIMIT {limit}) AS spelling "
                  "ORDER BY spelt.distance, spelling.id",
}


def sounds_like_sql(dialect: str, column: str, key: str = "k", *, limit: int) -> str:
    """The scoring columns of the people whose `column` (surname_key or surname_soundex) is :`key`; on the
    server the surnames nearest to :s first, by id within a spelling (the caller takes the first `limit`)."""
    return _SOUNDS_LIKE[dialect].format(column=column, columns=PERSON_COLUMNS, key=key, limit=limit)


def one_statement(look_ups: list[tuple[str, str]], limit: int) -> str:
    """The (tag, SELECT) look-ups of one search as one statement: each keeps its own order and LIMIT and its
    rows carry its tag. The server is a round trip away; a search asked it seven times."""
    return " UNION ALL ".join(f"SELECT '{tag}' AS tag, found.* FROM ({sql} LIMIT {limit}) AS found"
                              for tag, sql in look_ups)
