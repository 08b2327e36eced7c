"""Re-assessing every stored referral under the catalogue in use, or a council's edited draft of it."""

from __future__ import annotations

import json
import sys
from importlib.resources import files

import pytest
from sqlalchemy import text
from ui_helpers import user

from triage_desk import demo, rescoring
from triage_desk.cli import main
from triage_desk.errors import PermissionDenied
from triage_desk.rescoring import rescore_stored


@pytest.fixture
def stored(workspace_from):
    workspace = workspace_from("demo-120-seed4", lambda ws: demo.ensure_demo_data(ws, n=120, seed=4))
    workspace.user = user(workspace, "lead")
    return workspace


def _flattened_catalogue(tmp_path):
    """A draft where every indicator is level 1: every referral above level 1 would change."""
    cat = json.loads(files("triage_desk.forms").joinpath("catalogue_default.json").read_text(encoding="utf-8"))
    for indicator in cat["indicators"]:
        indicator["level"] = 1
        indicator["trigger"] = None
    path = tmp_path / "draft-catalogue.json"
    path.write_text(json.dumps(cat), encoding="utf-8")
    return path


def test_levels_in_use_are_unchanged_and_workers_agree(stored):
    here = list(rescore_stored(stored, workers=0))
    spread = list(rescore_stored(stored, workers=2))
    assert here == spread and len(here) > 100
    assert not any(r.changed or r.error for r in here)


def _in_storage_order(ws) -> str:
    order = "rowid" if ws.engine.dialect.name == "sqlite" else "id"  # as rescoring reads them
    return f"FROM referral WHERE status != 'draft' ORDER BY {order}"


def _spoil(ws) -> None:
    """Two stored documents the engine cannot score: one is not JSON, one names an unknown indicator."""
    with ws.session() as s:
        first, second = s.execute(text(f"SELECT id, document {_in_storage_order(ws)} LIMIT 2 OFFSET 40")).all()
        doc = json.loads(second.document)
        doc["concerns"]["indicators"] = ["no.such_indicator"]
        s.execute(text("UPDATE referral SET document = :d WHERE id = :i"), [
            {"d": first.document[:50], "i": first.id}, {"d": json.dumps(doc), "i": second.id}])


def test_every_result_is_what_the_engine_gives_that_referral_on_its_own(stored, monkeypatch):
    """Small chunks, so the workers' chunks and the ones this process scores while they are busy interleave."""
    from test_rescore_levels import one_by_one

    _spoil(stored)
    with stored.session() as s:
        rows = s.execute(text(f"SELECT id, reference, suggested_level, document {_in_storage_order(stored)}")).all()
    expected = [(r.id, r.reference, r.suggested_level, one_by_one(r.document)) for r in rows]
    monkeypatch.setattr(rescoring, "CHUNK", 3)
    scored_here = []
    monkeypatch.setattr(rescoring.LevelScorer, "score",
                        lambda self, docs, score=rescoring.LevelScorer.score: scored_here.append(len(docs))
                        or score(self, docs))
    for workers, here in ((0, True), (1, True), (0, False)):
        scored_here.clear()
        got = [(r.referral_id, r.reference, r.stored_level, r.level if r.error is None else r.error)
               for r in rescore_stored(stored, workers=workers, score_here=here)]
        assert got == expected
        # all here, shared with a worker, or (as the app asks) none here: one worker even when 0 were asked
        assert here == (sum(scored_here) > 0) and (sum(scored_here) == len(rows)) == (workers == 0 and here)
    assert "document: not valid JSON" in {e[3] for e in expected}
    assert any("concerns.indicators[0]: unknown indicator" in str(e[3]) for e in expected)


def test_a_run_is_audited_once_and_stopping_it_early_writes_nothing_else(stored):
    def events():
        with stored.session() as s:
            return s.execute(text("SELECT action, detail FROM audit_event ORDER BY id")).all()

    before = events()
    run = rescore_stored(stored, workers=1)
    assert len(events()) == len(before) + 1 and events()[-1].action == "referral.rescore"
    next(run)
    run.close()  # as the app does when its dialog is closed: the queued chunks are dropped
    assert len(events()) == len(before) + 1
    list(rescore_stored(stored, workers=0))
    assert [e.action for e in events()[len(before):]] == ["referral.rescore"] * 2


def test_a_draft_catalogue_shows_who_would_change(stored, tmp_path):
    results = list(rescore_stored(stored, catalogue_path=str(_flattened_catalogue(tmp_path)), workers=2))
    changed = [r for r in results if r.changed]
    assert changed and all(r.level == 1 and r.stored_level > 1 for r in changed)
    assert len(changed) == sum(1 for r in results if r.stored_level > 1)


def test_only_front_door_staff_and_a_bad_file_is_named(stored, tmp_path):
    stored.user = None
    with pytest.raises(PermissionDenied):
        rescore_stored(stored)
    stored.user = user(stored, "lead")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(Exception, match="broken.json"):
        rescore_stored(stored, catalogue_path=str(bad))


def test_cli_lists_changes_and_a_summary(stored, data_dir, secret_files, tmp_path, capsys):
    stored.close()
    argv = ["rescore", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"],
            "--user", "lead", "--password-file", secret_files["user"], "--json"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[-1])["summary"]["changed"] == 0 and len(lines) == 1
    assert main([*argv, "--catalogue", str(_flattened_catalogue(tmp_path))]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["summary"]["changed"] == len(lines) - 1 > 0
    assert all(item["level"] == 1 and item["reference"].startswith("TD-") for item in lines[:-1])


def test_cli_shows_progress_on_a_terminal_only(stored, data_dir, secret_files, capsys, monkeypatch):
    from triage_desk.cli import rescore_cmd

    stored.close()
    argv = ["rescore", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"],
            "--user", "lead", "--password-file", secret_files["user"]]
    monkeypatch.setattr(rescore_cmd, "PROGRESS_EVERY", 1)
    assert main(argv) == 0
    assert "re-assessed" not in capsys.readouterr().err  # piped: no progress noise
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(argv) == 0
    out = capsys.readouterr()
    total = int(out.out.split()[0].replace(",", ""))
    assert f"re-assessed {total:,} of {total:,}" in out.err and "of" not in out.out


@pytest.mark.parametrize(("cores", "load", "workers"), [(2, 0.2, 1), (2, 1.3, 1), (2, 1.8, 0), (2, 9.0, 0),
                                                       (8, 0.5, 7), (8, 4.0, 4), (1, 0.0, 0)])
def test_workers_only_for_cores_the_rest_of_the_machine_leaves_free(monkeypatch, cores, load, workers):
    monkeypatch.setattr(rescoring.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(rescoring.os, "getloadavg", lambda: (load, load, load))
    assert rescoring.spare_cores() == workers
