"""The referral document: canonical JSON, JSON-path errors on import, exact round trip through the CLI."""

from __future__ import annotations

import json

import pytest
from intake_helpers import complete, subject

from triage_desk import intake
from triage_desk.cli import main
from triage_desk.errors import InputError
from triage_desk.forms.document import dump_document, load_document, new_document, schema, schema_problems
from triage_desk.workspace import init_workspace


def _args(data_dir, files, user="officer", pw="user"):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files[pw]]


def _valid() -> dict:
    doc = complete(new_document("child"), subject(surname="Docvale"))
    doc["reference"] = "TD-2026-000042"
    return doc


def test_new_document_is_stamped_with_the_form_and_passes_the_schema():
    doc = new_document("adult")
    assert doc["form"] == {"id": "marf-default", "version": "1.0.0"} and doc["variant"] == "adult"
    assert schema_problems(doc) == []
    with pytest.raises(InputError, match="variant"):
        new_document("teen")


def test_schema_is_2020_12_and_shipped_in_the_package():
    from importlib.resources import files

    assert schema()["$schema"].endswith("2020-12/schema")
    assert files("triage_desk.forms").joinpath("referral.schema.json").is_file()


def test_dump_is_canonical_same_document_same_bytes():
    doc = _valid()
    reordered = dict(reversed(list(doc.items())))
    assert dump_document(doc) == dump_document(reordered)
    assert load_document(dump_document(doc)) == doc
    assert dump_document(doc).endswith("}\n")


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["subjects"][0].update(dob="5th May"), "$.subjects[0].dob: not a date (YYYY-MM-DD)"),
    (lambda d: d["subjects"][0].update(nhs_number="12"), "$.subjects[0].nhs_number: not an NHS number (10 digits)"),
    (lambda d: d["contact"].update(channel="carrier pigeon"), "$.contact.channel: must be one of: phone"),
    (lambda d: d["contact"].update(received_at="yesterday"), "$.contact.received_at: not a date-time"),
    (lambda d: d["consent"]["records"][0].update(state="maybe"), "$.consent.records[0].state: must be one of"),
    (lambda d: d["consent"]["records"][0].pop("scope"), "$.consent.records[0].scope: is missing"),
    (lambda d: d.update(dash={"answers": [True]}), "$.dash.answers: must hold at least 24 items"),
    (lambda d: d.update(surprise=1), "$.surprise: is not a known field"),
    (lambda d: d.update(subjects={}), "$.subjects: must be a list"),
    (lambda d: d["subjects"][0].pop("id"), "$.subjects[0].id: is missing"),
    (lambda d: d["household"].append({"name": "X", "age": "ten"}), "$.household[0].age: not a whole number"),
    (lambda d: d.update(checks=[{"id": "c1", "partner_id": "p1", "status": "sent", "due_at": "soon"}]),
     "$.checks[0].due_at: not a date-time"),
    (lambda d: d.update(decision={"final_level": "four"}), "$.decision.final_level: must be a whole number"),
])
def test_malformed_documents_name_the_json_path_and_never_the_value(mutate, expected):
    doc = _valid()
    mutate(doc)
    with pytest.raises(InputError) as err:
        load_document(json.dumps(doc))
    msg = str(err.value)
    assert expected in msg
    assert "Docvale" not in msg and "carrier pigeon" not in msg and "5th May" not in msg


def test_broken_json_names_the_line():
    with pytest.raises(InputError, match=r"not valid JSON \(line 2"):
        load_document('{"schema":\n  nope}')


def test_full_document_round_trips_exactly_through_export_and_import(workspace, data_dir, secret_files, tmp_path,
                                                                     capsys):
    doc = complete(intake.new_draft(workspace), subject(surname="Roundvale", forenames="Zoë"),
                   received_at="2026-03-10T09:15")
    doc["contact"].update(channel="phone", confirmation_due="2026-03-11T09:15")
    doc["household"] = [{"id": "hh-1", "name": "Ala Roundvale", "relationship": "mother", "dob": "not_known",
                         "age": 34, "gender": "female", "parental_responsibility": "yes",
                         "lives_with_subject": "yes"}]
    doc["dash"] = {"answers": [True] * 5 + [False] * 18 + [None], "judgement_high": False}
    doc["consent"]["withhold"] = [{"what": "new address of the mother", "why": "risk from the father"}]
    doc["concerns"]["indicators"] = ["health.missed_checks"]
    done = intake.submit(workspace, doc)
    workspace.close()
    first = tmp_path / "one.json"
    assert main(["referral", "export", done["reference"], "--out", str(first), *_args(data_dir, secret_files)]) == 0
    assert json.loads(first.read_text("utf-8")) == done
    other = tmp_path / "other"
    ws, _ = init_workspace(other, admin_username="admin", admin_display_name="A", admin_password="admin-password-1",
                           passphrase="test passphrase 123")
    ws.close()
    assert main(["referral", "import", str(first), *_args(other, secret_files, "admin", "admin")]) == 0
    second = tmp_path / "two.json"
    assert main(["referral", "export", done["reference"], "--out", str(second),
                 *_args(other, secret_files, "admin", "admin")]) == 0
    assert second.read_bytes() == first.read_bytes()
    capsys.readouterr()


def test_cli_import_of_a_malformed_document_names_the_path(workspace, data_dir, secret_files, tmp_path, capsys):
    workspace.close()
    doc = _valid()
    doc["subjects"][0]["dob"] = "12/03/2019"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), "utf-8")
    assert main(["referral", "import", str(bad), *_args(data_dir, secret_files)]) == 2
    err = capsys.readouterr().err
    assert "$.subjects[0].dob: not a date (YYYY-MM-DD)" in err and "Docvale" not in err


def test_every_question_of_the_default_form_has_a_place_in_the_schema():
    from triage_desk.forms.form import load_form

    top = schema()["properties"]
    for section in load_form().sections:
        node = top[section["path"]]
        node = node.get("items", node)
        for field in section["fields"]:
            props = node
            for part in field["path"].split("."):
                props = props["properties"][part]
            assert props.get("description") == field["label"], field["path"]


def test_demo_referrals_fit_the_schema_and_the_consent_rules(workspace):
    from sqlalchemy import select

    from triage_desk import demo
    from triage_desk.forms import consent_rules
    from triage_desk.models import Referral

    demo.ensure_demo_data(workspace, n=120)
    with workspace.session() as s:
        texts = s.execute(select(Referral.document)).scalars().all()
    for text in texts:
        doc = load_document(text)
        for record in doc["consent"]["records"]:
            assert consent_rules.check_record(record, doc) == []
