"""Threshold engine figures.

assess_one        one `threshold.evaluate()` (parse facts, score, route, deadlines, result dict);
                  reported against its 1 ms budget only (no simpler program does the same job; the
                  `json.loads` floor it had was a different, smaller job).
rescore_100k_mem  `threshold.rescore()` over 100,000 varied synthetic referral documents held in memory;
                  floor: `json.loads` of the same 100,000 documents (the least any stored-row rescore pays).
rescore_100k      re-assess 100,000 referrals stored in an encrypted (SQLCipher) workspace built with
                  `demo.bulk_generate` and cached in /tmp/triage-bench-100k (TRIAGE_BENCH_RESCORE_DIR; delete
                  the folder to rebuild): `rescoring.rescore_stored()` (reads in this process, parses and
                  scores in worker processes and in this one);
                  floor: reading and parsing the same 100,000 rows (with the rescore's own parser, orjson)
                  in one process in the same run. `rescore_100k_cpu`: CPU seconds of every process, beside
                  the floor's. TRIAGE_BENCH_RESCORE_WORKERS=N pins the worker count (default: one per
                  core the rest of the machine leaves free, `rescoring.spare_cores()`).
rescore_1m        the same over every submitted referral of the 1M case-list database (bench_caselist.py).
"""

from __future__ import annotations

import json
import os
import random
import time
from functools import lru_cache
from pathlib import Path

from _harness import Figure, best_of, cached_workspace

from triage_desk.forms.threshold import default_context, evaluate, rescore

FACTS = {"subject": {"kind": "child", "age": 9},
         "indicators": ["health.missed_checks", "education.persistent_absence", "environment.poor_housing",
                        "domestic_abuse.history_between_carers", "parenting.parental_substance_use"],
         "consent": {"referral": "given"}, "dash": {"yes": 11, "judgement_high": False, "last_marac": "2026-03-02"},
         "open_case": False, "received_at": "2026-11-20T16:30"}
STATES = ("given", "given", "given", "refused", "not_sought", "withdrawn", "unknown")


def synthetic_documents(n: int, seed: int = 7) -> list[dict]:
    """Varied referral documents (synthetic; no people): indicators, consent, DASH, receipt times differ."""
    ctx = default_context()
    rng = random.Random(seed)
    pools = {p: [i.id for i in ctx.catalogue.for_population(p)] for p in ("child", "adult")}
    docs = []
    for k in range(n):
        variant = "adult" if rng.random() < 0.25 else "child"
        day = 1 + rng.randrange(700)
        received = f"{2025 + day // 366:04d}-{1 + (day % 366) // 31 % 12:02d}-{1 + day % 28:02d}T" \
                   f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
        doc = {"schema": "triage-desk/referral", "id": f"bench-{k}", "variant": variant,
               "contact": {"received_at": received, "channel": rng.choice(("phone", "email", "portal"))},
               "subjects": [{"kind": "adult" if variant == "adult" else rng.choice(("child", "child", "unborn"))}],
               "consent": {"records": [{"person_id": "p1", "scope": "referral", "state": rng.choice(STATES)}]},
               "concerns": {"indicators": rng.sample(pools[variant], rng.randrange(1, 7))},
               "open_case": rng.random() < 0.1}
        if rng.random() < 0.3:
            doc["dash"] = {"yes": rng.randrange(25), "judgement_high": rng.random() < 0.1,
                           "judgement_reason": "stalking", "last_marac": None}
        if variant == "adult":
            doc["s42"] = {t: rng.random() < 0.6 for t in ("care_support_needs", "abuse_or_neglect",
                                                          "unable_to_protect")}
        docs.append(doc)
    return docs


def assess_one() -> Figure:
    default_context()  # loading the files is a one-off, not part of one assessment
    n = 2000

    def run():
        for _ in range(n):
            evaluate(FACTS)

    value = best_of(run) / n * 1000
    # No simpler program does the same job (the rules are the engine): reported against its budget only.
    return Figure("assess_one", value, "ms", 1.0, "budget only: floor = the 1 ms budget, ratio <= 1")


def rescore_100k_mem() -> Figure:
    docs = synthetic_documents(2000)
    docs = [dict(d, id=f"{d['id']}-{k}") for k in range(50) for d in docs]
    texts = [json.dumps(d) for d in docs]
    t0 = time.perf_counter()
    for t in texts:
        json.loads(t)
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    count = sum(1 for _ in rescore(docs, errors="report"))
    value = time.perf_counter() - t0
    assert count == len(docs)
    return Figure("rescore_100k_mem", value, "s", floor, "value <= 5 s")


RESCORE_DIR = Path(os.environ.get("TRIAGE_BENCH_RESCORE_DIR", "/tmp/triage-bench-100k"))
RESCORE_N = 100_000


@lru_cache(maxsize=1)
def stored_workspace():
    """The cached encrypted workspace with at least RESCORE_N submitted referrals (+ drafts, not scored)."""
    return cached_workspace(RESCORE_DIR, RESCORE_N, seed=5, generate=RESCORE_N + RESCORE_N // 50,
                            submitted_only=True)


def _stored_documents(ws, limit: int | None = RESCORE_N):
    """Yield stored documents (the first `limit`), parsed as the rescore parses them, streaming from the
    encrypted database."""
    from sqlalchemy import text

    from triage_desk.rescore_levels import parse_document

    sql = "SELECT document FROM referral WHERE status != 'draft' ORDER BY rowid" + (" LIMIT :n" if limit else "")
    with ws.session() as s:
        for (document,) in s.execute(text(sql), {"n": limit} if limit else {}):
            yield parse_document(document)


def cpu_seconds() -> float:
    """CPU used so far by this process and every process it started, the rescore's workers included
    (they are the forkserver's children, so their time shows in its cutime/cstime once they are reaped)."""
    import resource
    from multiprocessing import forkserver

    total = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                for f in ("ru_utime", "ru_stime"))
    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # its own and its children's
    return total


def wall_and_cpu(fn, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (all processes) of `fn()` over `repeat` runs."""
    import statistics

    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = cpu_seconds(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return statistics.median(walls), statistics.median(cpus)


def _rescore_figures(name: str, ws, limit: int | None, repeat: int, goal: str) -> list[Figure]:
    from triage_desk.rescoring import rescore_stored

    stored = sum(1 for _ in _stored_documents(ws, limit))  # also warms the page cache for both runs

    def floor():
        for _ in _stored_documents(ws, limit):
            pass

    pinned = os.environ.get("TRIAGE_BENCH_RESCORE_WORKERS")  # default: rescoring.spare_cores() decides

    def run():
        done = errors = 0
        for r in rescore_stored(ws, limit=limit, workers=int(pinned) if pinned else None):
            done += 1
            errors += r.error is not None
        assert done == stored and errors == 0, f"{errors} stored documents could not be scored"

    floor_wall, floor_cpu = wall_and_cpu(floor, repeat)
    wall, cpu = wall_and_cpu(run, repeat)
    return [Figure(name, wall, "s", floor_wall, f"{goal} ({stored:,} referrals)"),
            Figure(f"{name}_cpu", cpu, "s", floor_cpu, "CPU seconds, every process; floor in one process")]


def rescore_100k() -> list[Figure]:
    return _rescore_figures("rescore_100k", stored_workspace(), RESCORE_N, 3, "value <= 5 s")


def rescore_1m() -> list[Figure]:
    """rescore_1m: every submitted referral of the case-list bench database (1,000,000 by default,
    TRIAGE_BENCH_REFERRALS) re-assessed through `rescore_stored`, once; floor: reading and parsing the
    same rows, once. Goal <= 40 s on two cores."""
    from bench_caselist import workspace

    return _rescore_figures("rescore_1m", workspace(), None, 1, "value <= 40 s")


FIGURES = {"assess_one": assess_one, "rescore_100k_mem": rescore_100k_mem, "rescore_100k": rescore_100k,
           "rescore_1m": rescore_1m}
