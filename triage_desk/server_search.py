"""Person search on the team server where it differs from SQLCipher: the sounds-like surname look-ups.

Both stores find people by the same metaphone and soundex keys (models/person.py), so they offer the same
candidates. When more people share a sound than one look-up takes (matching.PER_SOURCE), SQLCipher takes
them in its index order; the server takes the spellings closest to what was typed first, through the GiST
trigram index of migration 0016 (pg_trgm distance on the surname folded as the full-text index folds it).
"""

from __future__ import annotations

_SOUNDS_LIKE = {
    "sqlite": "SELECT {columns} FROM person WHERE {column} = :k",
    "postgresql": "SELECT {columns} FROM person WHERE {column} = :k ORDER BY td_fold(surname) <-> td_fold(:s)",
}


def sounds_like_sql(dialect: str, column: str, columns: str = "id") -> str:
    """`columns` of the people whose `column` (surname_key or surname_soundex) is :k; on the server the
    surnames nearest to :s first."""
    return _SOUNDS_LIKE[dialect].format(column=column, columns=columns)
