"""Re-assessing every stored referral under the catalogue in use, or a council's edited draft of it."""

from __future__ import annotations

import json
import sys
from importlib.resources import files

import pytest
from ui_helpers import user

from triage_desk import demo
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
