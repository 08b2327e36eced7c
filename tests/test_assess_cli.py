"""`triage-desk assess` and `triage-desk catalogue`: the exact command-line contract of issue 4 §4."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage_desk.cli import main
from triage_desk.forms.threshold import evaluate, rescore

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"suggested_level", "domain_levels", "reasons", "triggers", "outcomes", "requires", "dash_risk", "rag",
            "decision_due", "catalogue"}

FACTS = {"subject": {"kind": "child", "age": 7},
         "indicators": ["health.missed_checks", "education.occasional_absence", "environment.poor_housing"],
         "consent": {"referral": "given"}, "received_at": "2026-11-20T16:30"}

DOCUMENT = {  # a synthetic referral document (docs/architecture.md); nobody real
    "schema": "triage-desk/referral", "schema_version": 1, "id": "00000000-0000-4000-8000-000000000001",
    "variant": "child", "status": "submitted",
    "contact": {"received_at": "2026-12-24T14:00", "channel": "phone", "urgent": False},
    "consent": {"records": [
        {"person_id": "p1", "scope": "checks", "state": "refused"},
        {"person_id": "p1", "scope": "referral", "state": "given"},
        {"person_id": "p2", "scope": "referral", "state": "refused", "reason": "Does not want help"},
    ]},
    "subjects": [{"id": "s1", "kind": "child", "surname": "Testcase", "forenames": "Example", "dob": "2019-03-01"}],
    "concerns": {"narrative": "Synthetic narrative", "indicators": ["health.missed_checks"]},
    "dash": None, "s42": None, "open_case": False,
}


def run_cli(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_file_prints_the_contract_keys(tmp_path, capsys):
    f = tmp_path / "facts.json"
    f.write_text(json.dumps(FACTS))
    code, out, err = run_cli(["assess", str(f)], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert REQUIRED <= set(result)
    assert result["suggested_level"] == 3 and result["outcomes"] == ["S17"]
    assert result["domain_levels"] == {"education": 2, "environment": 2, "health": 2}
    assert any("multiple_needs" in r for r in result["reasons"])
    assert result["triggers"] == [] and result["requires"] == [] and result["dash_risk"] is None
    assert result["rag"] == "amber"
    assert result["decision_due"] == "2026-11-23T16:30"  # Friday 16:30 -> Monday 16:30
    assert set(result["catalogue"]) == {"id", "version", "sha256"}


def test_assess_reads_standard_input_with_dash(capsys, monkeypatch):
    facts = {"subject": {"kind": "adult"}, "indicators": ["adult_self_neglect.hoarding"],
             "s42": {"care_support_needs": True, "abuse_or_neglect": True, "unable_to_protect": True},
             "consent": {"referral": "refused", "reason": "risk_to_life_or_limb"},
             "received_at": "2026-12-24T14:00"}
    code, out, _ = run_cli(["assess", "-"], capsys, json.dumps(facts), monkeypatch)
    result = json.loads(out)
    assert code == 0
    assert result["s42_duty"] is True and "S42" in result["outcomes"] and result["requires"] == []
    assert result["decision_due"] == "2026-12-29T14:00" and result["rag"] == "red"


def test_received_at_defaults_to_now_in_london(capsys, monkeypatch):
    facts = {"subject": {"kind": "child"}, "indicators": []}
    code, out, _ = run_cli(["assess", "-"], capsys, json.dumps(facts), monkeypatch)
    result = json.loads(out)
    assert code == 0 and result["suggested_level"] == 1 and result["outcomes"] == ["IAG", "UNIV"]
    assert len(result["decision_due"]) == 16 and result["rag"] == "green"


@pytest.mark.parametrize("facts, message", [
    ({"indicators": []}, "subject: is missing"),
    ({"subject": {"kind": "child"}, "indicators": ["health.no_such_thing"]}, "indicators[0]: unknown indicator id"),
    ({"subject": {"kind": "child"}, "indicators": [], "received_at": "2026-02-30T10:00"}, "received_at"),
    ({"subject": {"kind": "child"}, "indicators": [], "received_at": "yesterday"}, "received_at"),
    ({"subject": {"kind": "child"}, "indicators": [], "dash": {"yes": "12"}}, "dash.yes: must be"),
    ({"subject": {"kind": "child"}, "indicators": [], "dash": {"yes": 25}}, "dash.yes"),
    ({"subject": {"kind": "child"}, "indicators": [], "dash": {"last_marac": "2026-13-01"}}, "dash.last_marac"),
    ({"subject": {"kind": "child"}, "indicators": "health.missed_checks"}, "indicators: must be a list"),
    ({"subject": {"kind": "pet"}, "indicators": []}, "subject.kind"),
    ({"subject": {"kind": "child", "age": "seven"}, "indicators": []}, "subject.age"),
    ({"subject": {"kind": "child"}, "indicators": [], "open_case": "yes"}, "open_case"),
    ({"subject": {"kind": "child"}, "indicators": [], "consent": {"referral": "maybe"}}, "consent.referral"),
    ({"subject": {"kind": "child"}, "indicators": [], "consent": {"referral": "refused", "reason": "x"}},
     "consent.reason"),
    ({"subject": {"kind": "child"}, "indicators": ["adult_housing.settled"]}, "indicators[0]"),
    ({"subject": {"kind": "child"}, "indicators": [], "s42": {"capacity": True}}, "s42.capacity"),
    ({"subject": {"kind": "child"}, "indicators": [], "surname": "Testcase"}, "surname"),
    ({"subject": {"kind": "child"}, "indicators": [], "consent": {"referal": "given"}}, "consent.referal"),
    ({"subject": {"kind": "child"}, "indicators": [], "consent": {"checks": "yes"}}, "consent.checks"),
    ({"subject": {"kind": "child"}, "indicators": [], "dash": {"answers": [True] * 23}}, "dash.answers"),
    ({"subject": {"kind": "child"}, "indicators": [], "dash": {"answers": [True] * 24, "yes": 3}}, "dash.yes"),
])
def test_bad_input_exits_2_naming_the_problem(facts, message, capsys, monkeypatch):
    code, out, err = run_cli(["assess", "-"], capsys, json.dumps(facts), monkeypatch)
    assert code == 2 and out == ""
    assert message in err
    assert "Testcase" not in err  # values are never echoed, only field names


def test_unreadable_or_invalid_json_files_exit_2(tmp_path, capsys):
    code, _, err = run_cli(["assess", str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "missing.json" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"subject": ')
    code, _, err = run_cli(["assess", str(bad)], capsys)
    assert code == 2 and "bad.json: not valid JSON" in err
    bad.write_text("[1, 2]")
    code, _, err = run_cli(["assess", str(bad)], capsys)
    assert code == 2 and "expected a JSON object" in err


def test_a_full_referral_document_is_accepted(tmp_path, capsys):
    f = tmp_path / "referral.json"
    f.write_text(json.dumps(DOCUMENT))
    code, out, _ = run_cli(["assess", str(f)], capsys)
    result = json.loads(out)
    assert code == 0
    # one person with parental responsibility refused: early help falls back to advice and signposting
    assert result["consent"] == "refused" and result["outcomes"] == ["IAG", "UNIV"]
    assert result["requires"] == ["checks_decision"]  # p1 refused agency checks
    assert result["requires_text"] == ["practice-lead decision on agency checks without consent"]
    assert result["decision_due"] == "2026-12-29T14:00"
    assert result["confirmation_due"] == "2026-12-25T14:00"  # phone: 24 clock hours


def test_document_errors_name_the_document_path(capsys, monkeypatch):
    doc = dict(DOCUMENT, concerns={"indicators": ["health.missed_checks", "nope.nope"]})
    code, _, err = run_cli(["assess", "-"], capsys, json.dumps(doc), monkeypatch)
    assert code == 2 and "concerns.indicators[1]" in err
    code, _, err = run_cli(["assess", "-"], capsys, json.dumps(dict(DOCUMENT, subjects=[])), monkeypatch)
    assert code == 2 and "subjects" in err


def test_evaluate_is_what_assess_prints(tmp_path, capsys):
    f = tmp_path / "facts.json"
    f.write_text(json.dumps(FACTS))
    _, out, _ = run_cli(["assess", str(f)], capsys)
    assert json.loads(out) == evaluate(FACTS)


def test_rescore_many_and_report_bad_ones():
    docs = [DOCUMENT, dict(DOCUMENT, id="bad", subjects=[]), FACTS]
    results = list(rescore(docs, errors="report"))
    assert [r.get("suggested_level") for r in results] == [2, None, 3]
    assert results[1]["id"] == "bad" and "subjects" in results[1]["error"]
    from triage_desk.errors import InputError
    with pytest.raises(InputError):
        list(rescore(docs))


def test_catalogue_json_contract(capsys):
    code, out, _ = run_cli(["catalogue", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert {"id", "version", "sha256", "levels", "indicators"} <= set(data)
    assert data["levels"] == {"1": "Universal", "2": "Early Help", "3": "Complex - Child in Need",
                              "4": "Acute - Child Protection"}
    assert len(data["indicators"]) >= 120
    for ind in data["indicators"]:
        assert set(ind) == {"id", "domain", "level", "subject", "label", "trigger", "source"}
        assert ind["source"] and all(s["document"] in data["sources"] for s in ind["source"])
    assert any(i["trigger"] is None for i in data["indicators"])
    assert len({i["id"] for i in data["indicators"]}) == len(data["indicators"])


def test_catalogue_table_is_readable(capsys):
    code, out, _ = run_cli(["catalogue"], capsys)
    assert code == 0
    assert "health.non_accidental_injury" in out and "[trigger: injury]" in out
    assert "Universal" in out and "indicators" in out.splitlines()[-1]


def test_assess_through_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "triage_desk", "assess", "-"], input=json.dumps(FACTS),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["suggested_level"] == 3
    proc = subprocess.run([sys.executable, "-m", "triage_desk", "assess", "-"], input='{"indicators": []}',
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and "subject" in proc.stderr


def test_dash_answers_are_counted(capsys, monkeypatch):
    answers = [True] * 14 + [False] * 8 + [None] * 2
    facts = {"subject": {"kind": "adult"}, "indicators": ["adult_domestic_abuse.medium_risk"],
             "dash": {"answers": answers}, "consent": {"referral": "given"}, "received_at": "2026-11-18T10:00"}
    code, out, _ = run_cli(["assess", "-"], capsys, json.dumps(facts), monkeypatch)
    result = json.loads(out)
    assert code == 0 and result["dash_score"] == 14 and result["dash_risk"] == "high"
    assert "MARAC" in result["outcomes"] and result["suggested_level"] == 4


def test_council_files_can_be_tried_from_the_command_line(tmp_path, capsys, monkeypatch):
    from triage_desk.forms.catalogue import DEFAULT_RULES

    rules = json.loads(DEFAULT_RULES.read_text())
    rules["escalation"]["enabled"] = False
    f = tmp_path / "council_rules.json"
    f.write_text(json.dumps(rules))
    code, out, _ = run_cli(["assess", "--rules", str(f), "-"], capsys, json.dumps(FACTS), monkeypatch)
    result = json.loads(out)
    assert code == 0 and result["suggested_level"] == 2  # escalation switched off by the council's file
    assert result["rules"]["sha256"] != evaluate(FACTS)["rules"]["sha256"]
    rules["levels"]["child"]["2"] = "Targeted"
    f.write_text(json.dumps(rules))
    code, _, err = run_cli(["assess", "--rules", str(f), "-"], capsys, json.dumps(FACTS), monkeypatch)
    assert code == 2 and "levels.child.2" in err
    code, _, err = run_cli(["catalogue", "--file", str(tmp_path / "none.json")], capsys)
    assert code == 2 and "none.json" in err
