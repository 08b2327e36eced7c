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

# What person matching scores a candidate on; a look-up that returns these needs no second read by id.
PERSON_COLUMNS = "id, surname, forenames, dob, nhs_number, postcode, surname_key"
# SQLCipher only (migration 0017): the phonetic and date-of-birth look-ups read these indexes alone, so
# up to 200 candidates are a few neighbouring index pages, not 200 random pages of a 1.2-million-row
# table. Not in the ORM (the server has its own indexes), so kept out of `compare_metadata` below.
PERSON_COVERING = {"ix_person_key_cover": "surname_key, dob, id, surname, forenames, nhs_number, postcode",
                   "ix_person_dob_cover": "dob, id, surname, forenames, nhs_number, postcode, surname_key"}
# PostgreSQL only (migration 0019): the sounds-like look-ups (server_search). Up to ~12,800 people share a
# sound at a million referrals; keyed (key, spelling, id), the look-up steps from one spelling to the next
# and reads only the first ids of each, and carrying the scoring columns it never touches the table.
SERVER_PERSON_COVERING = {"ix_person_surname_key_cover": ("surname_key, surname, id",
                                                          "forenames, dob, nhs_number, postcode"),
                          "ix_person_soundex_cover": ("surname_soundex, surname, id",
                                                      "forenames, dob, nhs_number, postcode, surname_key")}
PERSON_WORDS = {
    "sqlite": f"SELECT {', '.join('p.' + c for c in PERSON_COLUMNS.split(', '))} FROM person_fts "
              "JOIN person p ON p.rowid = person_fts.rowid WHERE person_fts MATCH :q",
    "postgresql": f"SELECT {PERSON_COLUMNS} FROM person WHERE td_person_words(surname, forenames, postcode) "
                  "@@ to_tsquery('simple', :q)",
}
PERSON_POSTCODE = {  # :pq, so one statement can hold both look-ups (server_search.one_statement)
    "sqlite": PERSON_WORDS["sqlite"].replace(":q", ":pq"),
    "postgresql": f"SELECT {PERSON_COLUMNS} FROM person WHERE to_tsvector('simple'::regconfig, td_fold(postcode)) "
                  "@@ phraseto_tsquery('simple', td_fold(:pq))",
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "index" and reflected and compare_to is None and (
            name in PERSON_COVERING or name in SERVER_PERSON_COVERING or name == REFERENCE_KEYS):
        return False
    return not (type_ == "table" and reflected and compare_to is None
                and (FTS_TABLE.match(name or "") or name in NAME_WORD_TABLES))


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


# The case list's name search sorted by subject (SQLCipher only; migration 0017). FTS5 hands back its
# matches in rowid order, so sorting a two-letter search's tens of thousands of matches meant reading as
# many ~4 KB referral rows. `referral_word` holds one narrow entry per (word of a subject's name, case),
# keyed (first two letters, subject_sort, id, word): a search's matches are one key range already in
# subject order, so a page reads ~200 entries, first page or last; the other sort keys ride along, so a
# search of a few thousand matches sorted otherwise sorts narrow entries, and so do the list's filter
# columns (migration 0018: "pi" + closed is checked in the entry, not in the case's ~4 KB row). Triggers
# keep it in step with `referral`, splitting names with FTS5's own tokenizer (a one-row scratch FTS5 table
# and its vocabulary), so its words are exactly the words `referral_fts` finds. PostgreSQL keeps large
# documents out of line.
NAME_WORDS = "referral_word"
# A reference search ("TD-2025-00": ~10,000 cases) sorted otherwise sorts these narrow entries, not rows;
# beside a status, RAG or agency (migration 0018) the filter is checked in the entry too.
REFERENCE_KEYS = "ix_referral_reference_keys"
REFERENCE_KEYS_DDL = (f"CREATE INDEX {REFERENCE_KEYS} ON referral (reference, received_at, next_due, subject_sort, id, "
                      "status, rag, referrer_agency)")
# The sort keys and filter columns each word entry copies from its case (kept by the triggers below).
_CARRIED = ("received_at", "reference", "next_due", "status", "rag", "referrer_agency")
# Each case's words by rowid and by id (migration 0018): a one-letter search walks a sort index and looks
# each entry up; walks in received or reference order meet rowids in near order, the NULLs of the due sort
# (listed by id) ids in order, so each look-up lands beside the last one.
WORD_ROWS, WORD_IDS = "ix_referral_word_rid", "ix_referral_word_id"
WORD_LOOKUP_DDL = (f"CREATE INDEX {WORD_ROWS} ON {NAME_WORDS} (rid, word)",
                   f"CREATE INDEX {WORD_IDS} ON {NAME_WORDS} (id, word)")
NAME_WORD_TABLES = {NAME_WORDS, "referral_word_vocab"}  # not in the ORM (with referral_word_fts*)
_SPLIT = "INSERT INTO referral_word_fts(rowid, t) VALUES (1, {row}.subject_name); "
_CLEAR = "DELETE FROM referral_word_fts; "
_OF_CASE = ("prefix IN (SELECT substr(term, 1, 2) FROM referral_word_vocab) AND subject_sort = {row}.subject_sort "
            "AND id = {row}.id; ")
_ADD = (_SPLIT.format(row="new") + f"INSERT OR IGNORE INTO referral_word(prefix, subject_sort, id, word, rid, "
        f"{', '.join(_CARRIED)}) SELECT substr(term, 1, 2), new.subject_sort, new.id, term, new.rowid, "
        f"{', '.join('new.' + c for c in _CARRIED)} FROM referral_word_vocab; " + _CLEAR)
_DROP = _SPLIT.format(row="old") + "DELETE FROM referral_word WHERE " + _OF_CASE.format(row="old") + _CLEAR
_KEYS = (_SPLIT.format(row="new") + "UPDATE referral_word SET " + ", ".join(f"{c} = new.{c}" for c in _CARRIED)
         + " WHERE " + _OF_CASE.format(row="new") + _CLEAR)
NAME_WORD_DDL = (
    "CREATE TABLE referral_word (prefix TEXT NOT NULL, subject_sort TEXT NOT NULL, id TEXT NOT NULL, "
    "word TEXT NOT NULL, rid INTEGER NOT NULL, received_at TEXT, reference TEXT, next_due TEXT, status TEXT, "
    "rag TEXT, referrer_agency TEXT, PRIMARY KEY (prefix, subject_sort, id, word)) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE referral_word_fts USING fts5(t, tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE VIRTUAL TABLE referral_word_vocab USING fts5vocab(referral_word_fts, row)",
    f"CREATE TRIGGER referral_word_ai AFTER INSERT ON referral BEGIN {_ADD}END",
    f"CREATE TRIGGER referral_word_ad AFTER DELETE ON referral BEGIN {_DROP}END",
    f"CREATE TRIGGER referral_word_au AFTER UPDATE OF subject_name, subject_sort, id ON referral "
    f"BEGIN {_DROP}{_ADD}END",
    # the other sort keys and the filter columns ride along (a search sorted by received, reference or due,
    # or beside a status, RAG or agency, reads narrow entries)
    f"CREATE TRIGGER referral_word_keys AFTER UPDATE OF {', '.join(_CARRIED)} ON referral "
    f"BEGIN {_KEYS}END",
)
NAME_WORD_DROP = ("DROP TRIGGER IF EXISTS referral_word_ai", "DROP TRIGGER IF EXISTS referral_word_ad",
                  "DROP TRIGGER IF EXISTS referral_word_au", "DROP TRIGGER IF EXISTS referral_word_keys",
                  "DROP TABLE IF EXISTS referral_word_vocab", "DROP TABLE IF EXISTS referral_word_fts",
                  "DROP TABLE IF EXISTS referral_word")
# Filling it from an existing store: referral_fts already holds every case's words (its vocabulary
# lists them by rowid); the sort keys and id come from narrow indexes, never the wide rows.
_KEY_SOURCES = (("referral_subject_keys", "subject_sort, id", "ix_referral_subject", ""),
                ("referral_received_keys", "received_at, status", "ix_referral_status_received", ""),
                ("referral_reference_keys", "reference, rag", "ix_referral_rag_reference", ""),
                ("referral_agency_keys", "referrer_agency", "ix_referral_agency_received", ""),
                ("referral_due_keys", "next_due", "ix_referral_due", " WHERE next_due IS NOT NULL"))
NAME_WORD_FILL = (
    "CREATE VIRTUAL TABLE temp.referral_fts_terms USING fts5vocab(main, referral_fts, instance)",
    *(f"CREATE TEMP TABLE {name} AS SELECT rowid AS rid, {cols} FROM referral INDEXED BY {index}{where} ORDER BY 1"
      for name, cols, index, where in _KEY_SOURCES),
    *(f"CREATE UNIQUE INDEX temp.{name}_rid ON {name} (rid)" for name, *_ in _KEY_SOURCES),
    f"INSERT OR IGNORE INTO referral_word (prefix, subject_sort, id, word, rid, {', '.join(_CARRIED)}) "
    "SELECT substr(t.term, 1, 2), k.subject_sort, k.id, t.term, k.rid, r.received_at, f.reference, d.next_due, "
    "r.status, f.rag, a.referrer_agency "
    "FROM temp.referral_fts_terms t JOIN temp.referral_subject_keys k ON k.rid = t.doc "
    "JOIN temp.referral_received_keys r ON r.rid = t.doc JOIN temp.referral_reference_keys f ON f.rid = t.doc "
    "JOIN temp.referral_agency_keys a ON a.rid = t.doc "
    "LEFT JOIN temp.referral_due_keys d ON d.rid = t.doc WHERE t.col = 'subject_name' ORDER BY 1, 2, 3, 4",
    *(f"DROP TABLE temp.{name}" for name, *_ in _KEY_SOURCES),
    "DROP TABLE temp.referral_fts_terms",
)
