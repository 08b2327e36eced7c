"""The case list's narrow paths on SQLCipher: a name or reference search, with the filters set beside it,
read from narrow entries that carry the sort keys and filter columns (models/fts.py, migrations 0017 and
0018), never from every match's ~4 KB row. `caselist` decides when (docs/architecture.md, "Case list at a
million"); the server's rows are narrow already and it never comes here.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, text

from triage_desk.models import Referral, fts

SORT_COLUMNS = {"received": "received_at", "due": "next_due", "reference": "reference", "subject": "subject_sort"}
NULLABLE = {"due"}
REF_RANGE = "reference >= :ref_lo AND reference < :ref_hi"
WORD = re.compile(r"[^\W_]+", re.UNICODE)  # a word of a name search (letters or digits)
# The filters a word entry or a reference-keys entry checks itself (shape name -> its test on the entry).
_CARRIED = {"status": "status IN :status", "rag": "rag IN :rag", "agency": "referrer_agency = :agency",
            "dl_now": "next_due < :dl_now", "rfrom": "received_at >= :rfrom", "rto": "received_at < :rto"}
_TYPES = {"status": None, "rag": None, "agency": None, "dl_now": Referral.next_due.type,
          "rfrom": Referral.received_at.type, "rto": Referral.received_at.type}
_MARKS = {"fts", "ref_lo", "ref_hi", "status_leads", "rag_leads", "agency_leads"}  # not filters of their own


def carried(shape: tuple) -> tuple | None:
    """The shape's filters when an entry can check every one of them itself (else None: a row must)."""
    names = tuple(n for n in shape[1:] if n not in _MARKS)
    return names if all(n in _CARRIED for n in names) else None


def by_words(params: dict, needle: str) -> tuple | None:
    """A name search reads the word table: the cases with a word beginning the typed letters (the longest
    typed word, with several) are one key range in subject order, carrying the other sort keys and the
    filter columns; with several words each is also checked against FTS5. One typed letter ("letter")
    is a range of first-two-letter keys, not in subject order; several one-letter words: None."""
    pieces = [piece for word in WORD.findall(needle) for piece in fts.fold(word)]
    lead = max(pieces, key=len)
    params.update(w_pre=lead[:2], w_lo=lead, w_hi=lead[:-1] + chr(ord(lead[-1]) + 1))  # every word beginning `lead`
    if len(lead) < 2:
        return ("letter", "w_hi", "w_lo") if len(pieces) == 1 else None
    return ("words", "w_hi", "w_lo", "w_pre", *(("fts",) if len(pieces) > 1 else ()))


# One typed letter: how many word entries begin with it (counted up to a cap: a case's two words count
# twice, so this errs towards walking), and the check on each entry of a sort index walked instead: one
# look-up in 0018's index of each case's words by rowid (walks in received or reference order) or by id
# (the due sort's NULLs, listed by id), where gathering the ~110,000 matches of "p" from FTS5 cost
# 10–20 ms for every statement.
LETTER = "SELECT rid FROM referral_word WHERE prefix >= :w_lo AND prefix < :w_hi"
HAS_WORD = {by: f"EXISTS (SELECT 1 FROM {fts.NAME_WORDS} w INDEXED BY {index} WHERE w.{col} = referral.{key} "
                "AND w.word >= :w_lo AND w.word < :w_hi)"
            for by, index, col, key in ((False, fts.WORD_ROWS, "rid", "rowid"), (True, fts.WORD_IDS, "id", "id"))}
# One typed letter sorted by subject: each first-two-letter key beginning with it is one range in subject
# order, so a page merges the first entries of each (walking the subject index for them read ~50,000
# entries at 1M: "p" + closed, 50–110 ms). A skip-scan finds the keys (at most a few dozen).
LETTER_KEYS = text("WITH RECURSIVE p(v) AS (SELECT min(prefix) FROM referral_word WHERE prefix >= :w_lo AND "
                   "prefix < :w_hi UNION ALL SELECT (SELECT min(prefix) FROM referral_word WHERE prefix > p.v AND "
                   "prefix < :w_hi) FROM p WHERE p.v IS NOT NULL) SELECT v FROM p WHERE v IS NOT NULL")


def page(shape: tuple, key: str, desc: bool, nulls: bool, after: bool, limit: int):
    """The page's rowids from narrow entries carrying the sort keys: the word table for a name search,
    the reference index for a reference search, each entry checked against the other filters."""
    d, beyond = ("DESC", "<") if desc else ("ASC", ">")
    col = "id" if nulls else SORT_COLUMNS[key]
    # GROUP BY: a case with two words beginning the typed letters has two entries (adjacent by subject).
    first = {"words": "prefix = :w_pre", "letter": "prefix >= :w_lo AND prefix < :w_hi"}.get(shape[0], "prefix = :KEY")
    source, rid, where, group = (fts.NAME_WORDS, "rid", f"{first} AND word >= :w_lo AND word < :w_hi",
                                 " GROUP BY subject_sort, id" if key == "subject" else " GROUP BY id") \
        if shape[0] != "refkeys" else (f"referral INDEXED BY {fts.REFERENCE_KEYS}", "rowid", REF_RANGE, "")
    if "fts" in shape:
        where += " AND rid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH :fts)"
    names = [n for n in shape[1:] if n in _CARRIED]
    where += "".join(f" AND {_CARRIED[n]}" for n in names)
    if key in NULLABLE:
        where += f" AND {SORT_COLUMNS[key]} IS {'' if nulls else 'NOT '}NULL"
    if after:
        where += f" AND id {beyond} :k_id" if nulls else f" AND ({col}, id) {beyond} (:k_val, :k_id)"
    order = f"{col} {d}" if nulls else f"{col} {d}, id {d}"
    cols = "rid, subject_sort, id" if shape[0] == "letters" else rid
    pick = f"SELECT {cols} FROM {source} WHERE {where}{group} ORDER BY {order} LIMIT {int(limit)}"
    if shape[0] == "letters":  # (by subject) the first entries of each key's range, merged
        arms = " UNION ALL ".join(f"SELECT * FROM ({pick.replace(':KEY', ':' + n)})"
                                  for n in shape[1:] if n.startswith("lp"))
        pick = f"SELECT rid FROM ({arms}){group} ORDER BY {order} LIMIT {int(limit)}"
    clause = text(f"referral.rowid IN ({pick})")
    binds = [bindparam(n, expanding=n in ("status", "rag"), type_=_TYPES[n]) for n in names]
    if after and not nulls:
        binds.append(bindparam("k_val", type_=getattr(Referral, SORT_COLUMNS[key]).type))
    return clause.bindparams(*binds)
