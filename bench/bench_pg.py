"""Case list and person matching on a real PostgreSQL team server (issue 15 point 8).

The server: TRIAGE_BENCH_PG (a superuser URL of a server you run), else a cluster of this machine's
PostgreSQL kept in /tmp/triage-bench-pg (`.ci/pg-server start`, halted after the run, reused by the next).
The database `bench_<N>` is built once through `server init` and `demo.bulk_generate` (psycopg executemany
in pipeline batches), then VACUUM ANALYZE; later runs reuse it, upgrading it first (timed) when this code
has newer migrations. TRIAGE_BENCH_PG_REFERRALS sets N
(default 1,000,000). Each floor is hand-written SQL giving the same answer, on the same server, same run.

pg_case_list_filter  first page (200 rows) filtered by RAG + referrer agency + received date range, through
                     caselist.fetch_page; floor: SELECT … WHERE … ORDER BY received_at DESC, id DESC LIMIT 201.
pg_person_search     intake matching for a typed subject (misspelt surname + forenames + DOB + postcode),
                     candidates scored, referrals listed, through matching.find_candidates; floor: the same job
                     as one hand-written statement (the same look-ups, scored in SQL, the ten best with
                     their referrals).
pg_surname_search    the same for a surname typed alone, one for each of the eight sounds the most people
                     share (the sounds-like look-ups read ~11,000-12,800 people each); floor: the same three
                     look-ups, scoring and referrals as one hand-written statement.
"""

from __future__ import annotations

import atexit
import os
import random
import subprocess
import time
from datetime import date
from functools import lru_cache
from pathlib import Path

from _harness import BENCH_PASSWORD, Figure, best_of
from bench_caselist import SELECT_COLS  # the case list's columns: the floor reads what fetch_page reads

ROOT = Path(__file__).resolve().parent.parent
PG_DIR = Path(os.environ.get("TRIAGE_BENCH_PG_DIR", "/tmp/triage-bench-pg"))
N = int(os.environ.get("TRIAGE_BENCH_PG_REFERRALS", "1000000"))
APP_ROLE = "td_bench_app"


@lru_cache(maxsize=1)
def server_url() -> str:
    url = os.environ.get("TRIAGE_BENCH_PG")
    if url:
        return url
    env = {**os.environ, "TDPG_SHARED_BUFFERS": os.environ.get("TDPG_SHARED_BUFFERS", "1GB")}
    done = subprocess.run([str(ROOT / ".ci" / "pg-server"), "start", str(PG_DIR)], capture_output=True, text=True,
                          env=env)
    if done.returncode:
        raise SystemExit(f"bench_pg: no PostgreSQL server: {done.stderr.strip()}")
    atexit.register(subprocess.run, [str(ROOT / ".ci" / "pg-server"), "halt", str(PG_DIR)], check=False)
    return done.stdout.strip()


def _admin():
    import psycopg

    return psycopg.connect(server_url(), autocommit=True)


def _profile(database: str):
    from urllib.parse import urlsplit

    from triage_desk import server

    return server.Profile(urlsplit(server_url())._replace(path=f"/{database}").geturl())


def _count(database: str) -> int:
    import psycopg

    with _admin() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            return -1
    with psycopg.connect(_profile(database).url, autocommit=True) as conn:
        try:
            return conn.execute("SELECT count(*) FROM referral").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return -1


def _build(database: str) -> None:
    from triage_desk import demo, server_setup

    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}" TEMPLATE template0')
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone():
            admin.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    print(f"note: building a {N:,}-referral team-server database {database} (cached for later runs)", flush=True)
    ws, _ = server_setup.init_server(Path(PG_DIR) / "workstation", _profile(database), owner_password=None,
                                     app_role=APP_ROLE, admin_username="bench", admin_display_name="Bench",
                                     admin_password=BENCH_PASSWORD)
    try:
        stats = demo.bulk_generate(ws, N, seed=1, batch=20000)
    finally:
        ws.close()
    print(f"note: bulk_generate wrote {stats['referrals']:,} referrals and {stats['people']:,} people in "
          f"{stats['seconds']:.0f} s ({stats['per_second']:,}/s)", flush=True)
    t0 = time.perf_counter()
    with _admin() as admin, __import__("psycopg").connect(_profile(database).url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"note: VACUUM ANALYZE took {time.perf_counter() - t0:.0f} s", flush=True)


def _upgrade(database: str) -> None:
    """A cached database made by an older schema is upgraded as IT upgrades a server (`server init`'s
    migrations and grants), timed: a migration's cost at a million referrals is worth knowing."""
    import psycopg

    from triage_desk import server, server_setup
    from triage_desk.db import schema_head

    with psycopg.connect(_profile(database).url, autocommit=True) as conn:
        current = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    if current == schema_head():
        return
    t0 = time.perf_counter()
    engine = server.make_engine(_profile(database), None)
    try:
        server_setup.prepare(engine, APP_ROLE)
    finally:
        engine.dispose()
    print(f"note: upgraded {database} from schema {current} to {schema_head()} in {time.perf_counter() - t0:.1f} s",
          flush=True)


@lru_cache(maxsize=1)
def workspace():
    import keyring
    from keyring.backends import null

    from triage_desk import accounts
    from triage_desk.workspace import open_server

    keyring.set_keyring(null.Keyring())  # never touch the developer's keyring
    database = f"bench_{N}"
    count = _count(database)
    if count >= N:
        print(f"note: reusing the cached {count:,}-referral team-server database {database}", flush=True)
        _upgrade(database)
    else:
        _build(database)
    ws = open_server(Path(PG_DIR) / "workstation", _profile(database))
    with ws.session() as s:
        ws.user = accounts.get_user(s, "bench")
    return ws


def _subjects(ws, k: int = 15) -> list[dict]:
    """Typed subjects: real people of the bench database with the surname misspelt (two letters swapped)."""
    from sqlalchemy import text

    rng = random.Random(3)
    out = []
    with ws.session() as s:
        while len(out) < k:
            row = s.execute(text("SELECT surname, forenames, dob, postcode FROM person WHERE id >= :r "
                                 "ORDER BY id LIMIT 1"), {"r": f"{rng.getrandbits(128):032x}"[:8]}).first()
            if row is None or len(row.surname) < 4:
                continue
            sn = row.surname
            i = rng.randrange(1, len(sn) - 2)
            out.append({"surname": sn[:i] + sn[i + 1] + sn[i] + sn[i + 2:], "forenames": row.forenames,
                        "dob": str(row.dob), "address": {"postcode": row.postcode}})
    return out


_TEN_BEST_LISTED = """
SELECT best.id, best.score, listed.id, listed.reference, listed.received_at, listed.status FROM best
LEFT JOIN LATERAL (SELECT r.id, r.reference, r.received_at, r.status FROM referral_subject rs
                   JOIN referral r ON r.id = rs.referral_id
                   WHERE rs.person_id = best.id AND rs.state = 'linked'
                   ORDER BY r.received_at DESC, r.id LIMIT 50) listed ON true
ORDER BY best.score DESC, best.surname, best.forenames, best.id, listed.received_at DESC, listed.id
"""

# A sounds-like look-up by hand: the sound's spellings, one index descent each (the covering index of
# migration 0019), the nearest to what was typed first, the first 200 ids of each, 200 in all.
_NEAREST = """(WITH RECURSIVE spellings(surname) AS (
    (SELECT surname FROM person WHERE {column} = %({key})s ORDER BY surname LIMIT 1)
    UNION ALL SELECT (SELECT p.surname FROM person p WHERE p.{column} = %({key})s AND p.surname > spellings.surname
                      ORDER BY p.surname LIMIT 1) FROM spellings WHERE spellings.surname IS NOT NULL),
  spelt AS MATERIALIZED (SELECT surname, td_fold(surname) <-> td_fold(%(s)s) AS distance FROM spellings
                         WHERE surname IS NOT NULL)
  SELECT spelling.* FROM spelt CROSS JOIN LATERAL (SELECT id, surname, forenames, dob, postcode FROM person
    WHERE {column} = %({key})s AND surname = spelt.surname ORDER BY id LIMIT 200) spelling
  ORDER BY spelt.distance, spelling.id LIMIT 200)"""

# The floor: the service's whole job by hand, in one statement: the same look-ups (the same keys, 200 each,
# the nearest spellings of the sound first), each candidate scored (trigram similarity of surname and
# forenames, same date of birth, same postcode: the service's weights), the ten best kept, and each one's
# linked referrals, newest first, at most 50.
HAND_SEARCH = f"""
WITH found AS (
  (SELECT id, surname, forenames, dob, postcode FROM person WHERE surname_key = %(k)s AND dob = %(d)s LIMIT 200)
  UNION (SELECT id, surname, forenames, dob, postcode FROM person WHERE dob = %(d)s LIMIT 200)
  UNION {_NEAREST.format(column="surname_key", key="k")}
  UNION (SELECT id, surname, forenames, dob, postcode FROM person
         WHERE td_person_words(surname, forenames, postcode) @@ to_tsquery('simple', %(q)s) LIMIT 200)
  UNION (SELECT id, surname, forenames, dob, postcode FROM person
         WHERE to_tsvector('simple'::regconfig, td_fold(postcode)) @@ phraseto_tsquery('simple', td_fold(%(pc)s))
         LIMIT 200)),
best AS (
  SELECT id, surname, forenames, 35 * similarity(lower(surname), lower(%(s)s))
           + 25 * similarity(lower(forenames), lower(%(f)s)) + 30 * (dob = %(d)s)::int
           + 10 * (postcode = %(pc)s)::int AS score
  FROM found ORDER BY score DESC, surname, forenames, id LIMIT 10)
""" + _TEN_BEST_LISTED

# Surname alone: the two sounds-like look-ups and the word-prefix look-up, scored by surname, the ten best
# with their referrals.
HAND_SURNAME = f"""
WITH found AS ({_NEAREST.format(column="surname_key", key="k")}
  UNION {_NEAREST.format(column="surname_soundex", key="sx")}
  UNION (SELECT id, surname, forenames, dob, postcode FROM person
         WHERE td_person_words(surname, forenames, postcode) @@ to_tsquery('simple', %(q)s) LIMIT 200)),
best AS (SELECT id, surname, forenames, 35 * similarity(lower(surname), lower(%(s)s)) AS score
  FROM found ORDER BY score DESC, surname, forenames, id LIMIT 10)
""" + _TEN_BEST_LISTED


def _hand_params(subj: dict) -> dict:
    """The hand-written statements' parameters for a typed subject (the keys and words the service uses)."""
    from triage_desk import matching
    from triage_desk.models import fts

    surname, forenames = subj["surname"], subj.get("forenames", "")
    return {"k": matching.phonetic(surname), "sx": matching.soundex(surname), "s": surname, "f": forenames,
            "d": subj.get("dob"), "pc": matching.normalise_postcode(subj.get("address", {}).get("postcode")),
            "q": fts.prefix_query([w.lower() for w in matching._WORD.findall(f"{surname} {forenames}")],
                                  "postgresql")}


def _against_hand(name: str, subjects: list[dict], hand_sql: str) -> Figure:
    """find_candidates for each subject beside `hand_sql` doing the same job: both put the same person first
    with the same referrals; per search, median of five rounds."""
    from triage_desk import matching

    ws = workspace()
    params = [_hand_params(subj) for subj in subjects]
    raw = ws.engine.raw_connection()
    try:
        with ws.session() as s:
            def ours():
                return [matching.find_candidates(s, subj, with_referrals=True) for subj in subjects]

            def hand():
                cur = raw.cursor()
                return [cur.execute(hand_sql, p).fetchall() for p in params]

            for found, by_hand in zip(ours(), hand(), strict=True):  # the same person first, the same referrals
                assert found and by_hand and found[0].person_id == by_hand[0][0], "service and hand SQL disagree"
                assert [r["id"] for r in found[0].referrals] == [r[2] for r in by_hand
                                                                 if r[0] == by_hand[0][0] and r[2] is not None]
            value, floor = best_of(ours, 5) / len(subjects), best_of(hand, 5) / len(subjects)
    finally:
        raw.close()
    return Figure(name, value * 1000, "ms", floor * 1000, "value <= 50 ms and ratio <= 3")


def pg_person_search() -> Figure:
    return _against_hand("pg_person_search", _subjects(workspace()), HAND_SEARCH)


def pg_surname_search() -> Figure:
    """A surname typed alone, for each of the eight sounds (soundex) most people share: up to ~12,800 each."""
    from sqlalchemy import text

    with workspace().session() as s:
        typed = s.execute(text("SELECT min(surname) FROM person GROUP BY surname_soundex "
                               "ORDER BY count(*) DESC, 1 LIMIT 8")).scalars().all()
    return _against_hand("pg_surname_search", [{"surname": surname} for surname in typed], HAND_SURNAME)


def pg_case_list_filter() -> Figure:
    from triage_desk.caselist import CaseFilters, CaseSort, fetch_page

    ws = workspace()
    filters = CaseFilters(rag=("red",), agency="Police", received_from=date(2024, 6, 1),
                          received_to=date(2025, 12, 31))
    hand_sql = (SELECT_COLS + "WHERE rag = %s AND referrer_agency = %s AND received_at >= %s AND received_at < %s "
                "ORDER BY received_at DESC, id DESC LIMIT 201")
    params = ("red", "Police", date(2024, 6, 1), date(2026, 1, 1))
    raw = ws.engine.raw_connection()
    try:
        with ws.session() as s:
            rows, _ = fetch_page(s, filters, CaseSort())
            hand_rows = raw.cursor().execute(hand_sql, params).fetchall()
            assert [r.id for r in rows] == [r[0] for r in hand_rows[:200]], "case list and SQL disagree"
            value = best_of(lambda: fetch_page(s, filters, CaseSort()), 9)
        floor = best_of(lambda: raw.cursor().execute(hand_sql, params).fetchall(), 9)
    finally:
        raw.close()
    return Figure("pg_case_list_filter", value * 1000, "ms", floor * 1000, "value <= 50 ms and ratio <= 3")


FIGURES = {"pg_case_list_filter": pg_case_list_filter, "pg_person_search": pg_person_search,
           "pg_surname_search": pg_surname_search}
