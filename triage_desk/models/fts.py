"""Word search on both stores: FTS5 tables on SQLCipher, full-text GIN indexes on PostgreSQL.

FTS5 tables are created by hand in migrations (Alembic cannot model virtual tables); the PostgreSQL
indexes (migration 0010) fold text as FTS5's unicode61 tokenizer does, so a query finds the same rows
on either store. User text only ever reaches a query as quoted terms or a bound phrase: no injection
of either store's search syntax.

`include_object` keeps the FTS5 tables and their shadow tables out of autogenerate and `compare_metadata`:
    context.configure(..., include_object=include_object)
"""

from __future__ import annotations

import re
import unicodedata

FTS_TABLE = re.compile(r"^\w+_fts(_data|_idx|_docsize|_config|_content)?$")
_PIECE = re.compile(r"[^\W_]+", re.UNICODE)  # what unicode61 keeps as one token (letters and digits)

PERSON_WORDS = {
    "sqlite": "SELECT p.id FROM person_fts JOIN person p ON p.rowid = person_fts.rowid WHERE person_fts MATCH :q",
    "postgresql": "SELECT id FROM person WHERE td_person_words(surname, forenames, postcode) "
                  "@@ to_tsquery('simple', :q)",
}
PERSON_POSTCODE = {
    "sqlite": PERSON_WORDS["sqlite"],
    "postgresql": "SELECT id FROM person WHERE to_tsvector('simple'::regconfig, td_fold(postcode)) "
                  "@@ phraseto_tsquery('simple', td_fold(:q))",
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and reflected and compare_to is None and FTS_TABLE.match(name or ""))


def fold(word: str) -> list[str]:
    """A typed word as the PostgreSQL index holds it: no accents, lower case, split where FTS5 splits."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return _PIECE.findall(plain.lower())


def prefix_query(words: list[str], dialect: str, min_len: int = 2) -> str | None:
    """Every word (of `min_len`+ letters) begins some word of the row: FTS5 `"w"* AND …` or tsquery `w:* & …`."""
    words = [w for w in words if len(w) >= min_len]
    if not words:
        return None
    if dialect == "sqlite":
        return " AND ".join(f'"{w}"*' for w in words)
    return " & ".join(f"{piece}:*" for w in words for piece in fold(w)) or None


def phrase_query(phrase: str, column: str, dialect: str) -> str:
    """The exact words of `phrase`, in order, in `column` (PostgreSQL: the column is in the SQL)."""
    return f'{column} : "{phrase}"' if dialect == "sqlite" else phrase
