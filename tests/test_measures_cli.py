"""`triage-desk measures`: figures as JSON, the statutory return CSV (no names, pseudonymised children) and
the monthly report PDF (OFFICIAL-SENSITIVE, no personal data); files leaving the app need a lead."""

from __future__ import annotations

import csv
import json
from datetime import date

import pypdfium2
import pytest
from measures_history import build, in_period

from triage_desk.cli import main


def _args(data_dir, files, user="lead"):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files["user"]]


@pytest.fixture
def history(workspace):
    truths = build(workspace, 600, seed=7)
    workspace.close()
    return truths


def test_json_figures_match_the_history(history, data_dir, secret_files, capsys):
    rows = in_period(history, date(2026, 3, 1), date(2026, 3, 31))
    assert main(["measures", "--from", "2026-03-01", "--to", "2026-03-31", "--json",
                 *_args(data_dir, secret_files, "officer")]) == 0
    out = json.loads(capsys.readouterr().out)
    figures = {f["id"]: f for f in out["figures"]}
    assert figures["contacts"]["value"] == len(rows)
    assert figures["re_referral"]["numerator"] == sum(t.rr > 0 for t in rows)
    assert out["breakdowns"]["by_source"].get("6", 0) == sum(t.source == "6" for t in rows)


def test_statutory_return_has_no_names_and_stable_pseudonyms(history, data_dir, secret_files, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    for folder in (first, second):
        assert main(["measures", "--from", "2026-01-01", "--to", "2026-06-30", "--csv", str(folder),
                     *_args(data_dir, secret_files)]) == 0
    text = (first / "statutory_return.csv").read_text()
    assert "SYNTH" not in text and "TD-2026-" not in text
    rows = list(csv.DictReader(text.splitlines()))
    expected = [t for t in history if t.status != "draft"]
    assert len(rows) == len(expected)
    assert sorted(r["referrals_previous_12m"] for r in rows) == sorted(str(t.rr) for t in expected)
    assert sum(r["nfa_flag"] == "1" for r in rows) == sum("NFA" in t.outcomes for t in expected)
    assert len({r["child_id"] for r in rows}) == len(rows)  # each generated contact has its own subject
    assert (second / "statutory_return.csv").read_text() == text  # same pseudonyms on every run
    assert (first / "statutory_return.csv").stat().st_mode & 0o077 == 0
    assert "decided_in_time" in (first / "figures.csv").read_text()


def test_report_pdf_is_marked_and_has_no_personal_data(history, data_dir, secret_files, tmp_path):
    out = tmp_path / "may.pdf"
    assert main(["measures", "--from", "2026-05-01", "--to", "2026-05-31", "--pdf", str(out),
                 *_args(data_dir, secret_files)]) == 0
    pdf = pypdfium2.PdfDocument(str(out))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * len(pdf)
    assert "Decided within 1 working day" in text and "target" in text.lower()
    assert "SYNTH" not in text and "TD-2026-" not in text and "lead" not in text.lower().split()
    # outcomes in words, as on every other screen and PDF: never the bare code
    flowing = " ".join(text.split())  # table cells wrap
    assert "Definitions" in text and "Decision deadlines met, out of decision deadlines met, missed" in flowing
    assert "Child and family assessment (child in need, s17)" in flowing and "Early help assessment" in flowing
    assert not {"S17", "UNIV", "IAG", "TAA", "EH", "STRAT"} & set(text.split())


def test_refusals(history, data_dir, secret_files, tmp_path, capsys):
    assert main(["measures", "--from", "2026-05-01", "--to", "2026-05-31", "--pdf", str(tmp_path / "x.pdf"),
                 *_args(data_dir, secret_files, "officer")]) == 5
    assert not (tmp_path / "x.pdf").exists()
    assert main(["measures", "--from", "2026-05-31", "--to", "2026-05-01",
                 *_args(data_dir, secret_files)]) == 2
    assert "period" in capsys.readouterr().err
    assert main(["measures", "--from", "May", "--to", "2026-05-01", *_args(data_dir, secret_files)]) == 2
    assert "--from" in capsys.readouterr().err


def test_set_team_feeds_the_team_filter(history, data_dir, secret_files, capsys):
    admin = ["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"], "--user", "admin",
             "--password-file", secret_files["admin"]]
    assert main(["user", "set-team", "lead", "--team", "East", *admin]) == 0
    assert main(["user", "set-team", "lead", "--team", "East", *_args(data_dir, secret_files)]) == 5
    capsys.readouterr()
    assert main(["measures", "--from", "2026-01-01", "--to", "2026-06-30", "--team", "East", "--json",
                 *_args(data_dir, secret_files)]) == 0
    figures = {f["id"]: f for f in json.loads(capsys.readouterr().out)["figures"]}
    assert figures["contacts"]["value"] == sum(1 for t in history if t.decided_by == "lead")
