"""Synthetic demo data: idempotent top-up, households, repeat referrals, consent and source spread."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from triage_desk import demo, demo_accounts, demo_bulk, demo_load, matching
from triage_desk.models import Person, Referral, ReferralSubject


def test_ensure_demo_data_tops_up_once(workspace):
    assert demo.ensure_demo_data(workspace, n=150) == 150
    assert demo.ensure_demo_data(workspace, n=150) == 0
    assert demo.ensure_demo_data(workspace, n=160) == 10
    with workspace.session() as s:
        refs = s.execute(select(Referral.reference)).scalars().all()
    assert len(refs) == len(set(refs)) == 160


def test_bulk_data_looks_like_a_front_door(workspace):
    stats = demo.bulk_generate(workspace, 1500, seed=2)
    assert stats["referrals"] == 1500 and stats["per_second"] > 0
    with workspace.session() as s:
        rows = s.execute(select(Referral.id, Referral.document, Referral.re_referrals_12m, Referral.received_at,
                                Referral.status, Referral.referral_source)).all()
        households = s.execute(select(Person.surname, Person.postcode, func.count())
                               .group_by(Person.surname, Person.postcode).having(func.count() > 1)).all()
        links = s.execute(select(ReferralSubject.referral_id, ReferralSubject.person_id)).all()
        sample = random.Random(1).sample(rows, 60)
        for rid, _, stored, received, _status, _ in sample:
            people = [p for r, p in links if r == rid]
            assert stored == matching.re_referrals_12m(s, people, received, rid)
        nhs = s.execute(select(Person.nhs_number).where(Person.nhs_number.is_not(None))).scalars().all()
    docs = [json.loads(r.document) for r in rows]
    assert len(households) > 50  # siblings share a surname and address
    assert sum(1 for r in rows if r.re_referrals_12m > 0) / len(rows) > 0.1  # repeat referrals
    assert len(Counter(r.referral_source for r in rows)) >= 10
    assert len(Counter((d["consent"]["records"] or [{"state": "unknown"}])[-1]["state"] for d in docs)) == 5
    assert {"submitted", "decided", "closed"} <= {r.status for r in rows}
    assert all(n.startswith("999") and _mod11(n) for n in nhs)
    assert all(d["subjects"][0]["address"]["postcode"][:2] in ("ZX", "ZY") for d in docs)


def _mod11(number: str) -> bool:
    digits = [int(c) for c in number]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9]


def test_matching_finds_a_demo_child_by_a_misspelt_name(workspace):
    demo.bulk_generate(workspace, 400, seed=3)
    with workspace.session() as s:
        p = s.execute(select(Person).limit(1)).scalar_one()
        typed = {"surname": p.surname[:-1] + p.surname[-1].upper() + "e", "forenames": p.forenames,
                 "dob": p.dob.isoformat()}
        found = matching.find_candidates(s, typed)
    assert found and found[0].person_id == p.id and found[0].referrals


def test_demo_levels_agree_with_the_engine_and_leads_have_decisions_to_review(workspace):
    from triage_desk import decisions
    from triage_desk.forms import document, threshold

    demo.ensure_demo_data(workspace, n=300)
    with workspace.session() as s:
        rows = s.execute(select(Referral).where(Referral.status != "draft")).scalars().all()
        for row in rows:  # the case list's level is what the engine says when the case is opened
            assert threshold.evaluate(json.loads(row.document), now=row.received_at)["suggested_level"] \
                == row.suggested_level, row.reference
        queue = decisions.pending(s)
        decided = [r for r in rows if r.status == "decided"]
        assert queue and all(d.overridden and d.rationale for d in queue)
        assert all(decisions.current(s, r.id) is not None for r in decided[:20])
        for d in queue:
            row = s.get(Referral, d.referral_id)
            assert row.approval == "pending" and row.final_level == d.final_level
            document.load_document(row.document)  # the decision section is schema-valid
    from checks_helpers import act_as

    act_as(workspace, next(u for u in _users(workspace) if u.role == "lead").username)  # signed in: key unsealed
    assert decisions.approve(workspace, queue[0].id, True).approval == "approved"


def _users(ws):
    from triage_desk.models import User

    with ws.session() as s:
        return s.execute(select(User)).scalars().all()


# ---- issue 10 point 9: a demo a newcomer can use at once, with data a practitioner finds plausible ----------
def test_demo_one_liner_prints_an_officer_a_lead_and_an_admin_who_can_sign_in(tmp_path, capsys):
    from triage_desk import accounts
    from triage_desk.cli import main
    from triage_desk.cli.demo_cmd import DEMO_PASSPHRASE
    from triage_desk.workspace import open_workspace

    target = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(target), "--referrals", "200"]) == 0
    out = capsys.readouterr().out
    for role, name in (("Administrator", "demo"), ("Officer", "demo.officer"), ("Practice lead", "demo.lead")):
        assert any(role.lower() in line.lower() and f"user name: {name} " in line for line in out.splitlines()), out
    ws = open_workspace(target, passphrase=DEMO_PASSPHRASE)
    try:
        for name in ("demo", "demo.officer", "demo.lead"):
            with ws.session() as s:
                assert accounts.authenticate(s, name, demo_accounts.DEMO_PASSWORD).username == name
    finally:
        ws.close()


def test_demo_decisions_are_signed_by_real_demo_users(workspace):
    from triage_desk import decisions, statements
    from triage_desk.models import Decision, User

    demo.ensure_demo_data(workspace, n=300)
    with workspace.session() as s:
        users = {u.username: u for u in s.execute(select(User)).scalars()}
        made = s.execute(select(Decision)).scalars().all()
        assert made
        for d in made:
            assert d.decided_by in users and users[d.decided_by].role in ("officer", "lead")
            part = decisions.signed_part(d)
            assert statements.unpack(part["signed"]).valid()
            assert d.approval != "approved" or statements.unpack(part["approval_signed"]).valid()
            if d.approval == "approved":
                assert d.approved_by in users and users[d.approved_by].role == "lead"


def _docs(ws, n: int, seed: int) -> list[dict]:
    demo.bulk_generate(ws, n, seed=seed)
    with ws.session() as s:
        return [json.loads(t) for t in s.execute(select(Referral.document)).scalars()]


def test_consent_by_parental_responsibility_is_given_by_someone_the_household_says_holds_it(workspace):
    for doc in _docs(workspace, 800, 5):
        pr = {h["name"]: h["parental_responsibility"] for h in doc["household"]}
        for rec in doc["consent"]["records"]:
            if rec.get("by", {}).get("standing") == "parental_responsibility":
                assert pr.get(rec["by"]["name"]) == "yes", (rec["by"], doc["household"])


def test_children_old_enough_are_not_called_too_young_and_referrers_have_real_roles(workspace):
    from datetime import date

    for doc in _docs(workspace, 800, 6):
        assert doc["referrer"]["role"] != "Referrer"
        received = date.fromisoformat(doc["contact"]["received_at"][:10])
        oldest = max((received - date.fromisoformat(s["dob"])).days // 365 for s in doc["subjects"])
        if doc["variant"] == "child" and oldest >= 8:
            assert doc["consent"]["child_consulted"] != "not_applicable", (oldest, doc["reference"])


def test_repeat_referrals_look_like_a_front_door(workspace):
    demo.bulk_generate(workspace, 3000, seed=7)
    with workspace.session() as s:
        rows = s.execute(select(Referral.re_referrals_12m).where(Referral.status != "draft")).scalars().all()
        most = s.execute(select(func.count()).select_from(ReferralSubject).group_by(ReferralSubject.person_id)
                         .order_by(func.count().desc()).limit(1)).scalar_one()
    share = sum(1 for r in rows if r > 0) / len(rows)
    assert 0.15 <= share <= 0.30, share  # about 22 % are re-referrals within 12 months
    assert most <= 8  # nobody has dozens of referrals


@pytest.mark.sqlite_only("SQLite's deferred index build (the server loads with COPY)")
def test_a_large_load_rebuilds_every_index_it_deferred(workspace, monkeypatch):
    from sqlalchemy import text

    def indexes():
        with workspace.session() as s:
            return sorted(s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())

    before = indexes()
    monkeypatch.setattr(demo_load, "DEFER_INDEXES_FROM", 100)  # the 1M path, on a few hundred referrals
    demo.bulk_generate(workspace, 300, seed=4)
    assert indexes() == before
    with workspace.session() as s:
        plan = " ".join(str(r) for r in s.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM referral WHERE status = 'closed' ORDER BY subject_sort, id LIMIT 5")))
        assert s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert "ix_referral_status_subject" in plan


def test_a_demo_generated_in_worker_processes_numbers_references_like_one_run(workspace, monkeypatch):
    monkeypatch.setattr(demo_load, "PARALLEL_FROM", 100)
    monkeypatch.setattr(demo_load.os, "cpu_count", lambda: 2)
    demo.bulk_generate(workspace, 80, seed=3)  # an existing demo to number on from
    stats = demo.bulk_generate(workspace, 400, seed=3)
    assert stats["referrals"] == 400 and stats["people"] > 0 and stats["links"] >= 400
    with workspace.session() as s:
        rows = s.execute(select(Referral.reference, Referral.received_at)).all()
        linked = s.execute(select(func.count(func.distinct(ReferralSubject.referral_id)))).scalar_one()
    assert len(rows) == 480 and linked == 480
    by_year: dict[int, list[int]] = {}
    for ref, received in rows:
        assert ref.startswith(f"TD-{received.year}-")  # numbered in the year it was received
        by_year.setdefault(received.year, []).append(int(ref[-6:]))
    for numbers in by_year.values():  # one run per year, no gaps or repeats across the two slices
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


SQLITE_BULK_LOAD = pytest.mark.sqlite_only("the SQLite bulk load: suspended triggers, journal mode, staged "
                                           "documents (the server loads with COPY)")


# ---- issue 16 point 6: a bulk load writes the derived rows set-based; they must be the triggers' rows -----------
def _store_contents(ws) -> dict:
    """Every row a demo load writes or derives (the FTS indexes as their (term, row, column, offset) entries)."""
    from sqlalchemy import text

    queries = {
        "referral": "SELECT * FROM referral ORDER BY rowid", "person": "SELECT * FROM person ORDER BY rowid",
        "links": "SELECT * FROM referral_subject ORDER BY referral_id, person_id",
        "deadline": "SELECT * FROM deadline ORDER BY id",
        "measure_row": "SELECT * FROM measure_row ORDER BY referral_id",
        "referral_word": "SELECT * FROM referral_word ORDER BY prefix, subject_sort, id, word",
        "referral_fts": "SELECT term, doc, col, offset FROM temp.referral_words ORDER BY 1, 2, 3, 4",
        "person_fts": "SELECT term, doc, col, offset FROM temp.person_words ORDER BY 1, 2, 3, 4"}
    with ws.session() as s:
        for table in ("referral", "person"):
            s.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_words "
                           f"USING fts5vocab(main, {table}_fts, instance)"))
        out = {name: s.execute(text(sql)).all() for name, sql in queries.items()}
        out["fts_integrity"] = [s.execute(text(f"INSERT INTO {t}({t}, rank) VALUES ('integrity-check', 1)"))
                                for t in ("referral_fts", "person_fts")] and "ok"
        out["schema"] = s.execute(text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")).all()
    return out


@SQLITE_BULK_LOAD
def test_a_bulk_load_derives_the_rows_the_per_row_triggers_give(workspace, workspace_template, tmp_path, monkeypatch):
    from datetime import datetime

    from conftest import open_template_copy

    from triage_desk.forms.clock import LONDON

    # the same clock for both loads, so both generate the same referrals
    monkeypatch.setattr(demo, "london_now", lambda: datetime(2026, 6, 3, 10, 7, tzinfo=LONDON))
    monkeypatch.setattr(demo, "utcnow", lambda: datetime(2026, 6, 3, 9, 7))
    per_row = open_template_copy(workspace_template, tmp_path / "per-row")
    try:
        demo.bulk_generate(per_row, 400, seed=9)  # below DEFER_INDEXES_FROM: every row through the triggers
        expected = _store_contents(per_row)
    finally:
        per_row.close()
    monkeypatch.setattr(demo_load, "DEFER_INDEXES_FROM", 100)  # the 1M path (indexes, triggers, journal)
    seen = []  # (journal mode, documents staged) while referrals are written
    write = demo_bulk.BulkLoad.referrals
    monkeypatch.setattr(demo_bulk.BulkLoad, "referrals", lambda self, cur, rows: (
        seen.append((cur.execute("PRAGMA journal_mode").fetchone()[0], self.stage is not None)),
        write(self, cur, rows)))
    demo.bulk_generate(workspace, 400, seed=9)
    assert seen and set(seen) == {("memory", True)}
    assert not list(workspace.data_dir.glob("*demo-stage*"))  # the staging file is gone
    found = _store_contents(workspace)
    assert len(found["deadline"]) > 0 and len(found["measure_row"]) > 300 and found["referral_fts"]
    assert len(found["referral_word"]) > 400
    for name, rows in expected.items():
        assert found[name] == rows, name
    with workspace.session() as s:
        from sqlalchemy import text

        assert s.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


@SQLITE_BULK_LOAD
def test_a_bulk_load_that_fails_midway_leaves_whole_referrals_and_every_trigger(workspace, monkeypatch):
    import pytest
    from sqlalchemy import text

    def schema():
        with workspace.session() as s:
            return s.execute(text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")).all()

    before = schema()
    generate = demo._generate

    def fails_after_one_batch(*args):
        batches = generate(*args)
        yield next(batches)
        raise RuntimeError("generator stopped")

    monkeypatch.setattr(demo_load, "DEFER_INDEXES_FROM", 100)
    monkeypatch.setattr(demo_bulk, "COMMIT_EVERY", 150)  # the first batch is committed, then the load fails
    monkeypatch.setattr(demo, "_generate", fails_after_one_batch)
    with pytest.raises(RuntimeError, match="generator stopped"):
        demo.bulk_generate(workspace, 400, seed=9, batch=150)
    assert schema() == before and not list(workspace.data_dir.glob("*demo-stage*"))
    with workspace.session() as s:
        docs = s.execute(select(Referral.reference, Referral.document)).all()
        assert 150 <= len(docs) < 400 and all(json.loads(d)["reference"] == ref for ref, d in docs)
        assert s.execute(text("SELECT count(*) FROM measure_row")).scalar_one() == \
            s.execute(text("SELECT count(*) FROM referral WHERE status != 'draft'")).scalar_one()
        s.execute(text("INSERT INTO referral_fts(referral_fts, rank) VALUES ('integrity-check', 1)"))


@SQLITE_BULK_LOAD
def test_a_bulk_load_into_a_database_with_referrals_keeps_its_journal_and_triggers(workspace, monkeypatch):
    from sqlalchemy import text

    demo.bulk_generate(workspace, 60, seed=2)
    monkeypatch.setattr(demo_load, "DEFER_INDEXES_FROM", 100)
    seen = []
    write = demo_bulk.BulkLoad.referrals
    # the kept triggers find a case's deadlines by ix_deadline_referral: without it every deadline written
    # (two per decided demo case) would scan the whole deadline table
    monkeypatch.setattr(demo_bulk.BulkLoad, "referrals", lambda self, cur, rows: (
        seen.append((cur.execute("PRAGMA journal_mode").fetchone()[0], self.stage is None, self.triggers,
                     cur.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ix_deadline_referral'")
                     .fetchone()[0])),
        write(self, cur, rows)))
    demo.bulk_generate(workspace, 300, seed=2)
    assert seen and set(map(str, seen)) == {str(("wal", True, [], 1))}
    with workspace.session() as s:
        assert s.execute(text("SELECT count(*) FROM measure_row")).scalar_one() == \
            s.execute(text("SELECT count(*) FROM referral WHERE status != 'draft'")).scalar_one() > 300
        s.execute(text("INSERT INTO referral_fts(referral_fts, rank) VALUES ('integrity-check', 1)"))
