"""Person search on the team server where it differs from SQLCipher: the sounds-like surname look-ups, and
every look-up of one search sent as one statement.

Both stores find people by the same metaphone and soundex keys (models/person.py), so they offer the same
candidates. When more people share a sound than one look-up takes (matching.PER_SOURCE), SQLCipher takes
them in its index order; the server takes the spellings closest to what was typed first (pg_trgm distance
on the surname folded as the full-text index folds it). The distance is worked out once per spelling, not
once per person: a sound is shared by thousands of people but few spellings, and folding each person's
surname cost ~13 ms at a million referrals. Ordering by a per-spelling figure also keeps the planner off
the trigram index's nearest-first walk, which filtered ~160,000 people by key (~0.4 s) when the spelling
typed was far from everyone sharing its sound. People of one spelling are taken by id: which of them fill
the look-up no longer depends on the plan the server chose.
"""

from __future__ import annotations

from triage_desk.models.fts import PERSON_COLUMNS

_SOUNDS_LIKE = {
    "sqlite": "SELECT {columns} FROM person WHERE {column} = :{key}",
    "postgresql": "WITH keyed AS MATERIALIZED (SELECT {columns} FROM person WHERE {column} = :{key}), "
                  "spelt AS MATERIALIZED (SELECT surname, td_fold(surname) <-> td_fold(:s) AS distance "
                  "FROM keyed GROUP BY surname) "
                  "SELECT keyed.* FROM keyed JOIN spelt USING (surname) ORDER BY spelt.distance, keyed.id",
}


def sounds_like_sql(dialect: str, column: str, key: str = "k") -> str:
    """The scoring columns of the people whose `column` (surname_key or surname_soundex) is :`key`; on the
    server the surnames nearest to :s first."""
    return _SOUNDS_LIKE[dialect].format(column=column, columns=PERSON_COLUMNS, key=key)


def one_statement(look_ups: list[tuple[str, str]], limit: int) -> str:
    """The (tag, SELECT) look-ups of one search as one statement: each keeps its own order and LIMIT and its
    rows carry its tag. The server is a round trip away; a search asked it seven times."""
    return " UNION ALL ".join(f"SELECT '{tag}' AS tag, found.* FROM ({sql} LIMIT {limit}) AS found"
                              for tag, sql in look_ups)
