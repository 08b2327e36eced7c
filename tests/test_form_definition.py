"""The referral form is data: the shipped file loads, covers sections A-I, and a bad file is named."""

from __future__ import annotations

import json

import pytest

from triage_desk.errors import InputError
from triage_desk.forms import form as forms_form
from triage_desk.forms.form import fill_computed, get_path, is_visible, load_form, set_path


def test_shipped_form_has_sections_a_to_i_with_labels_and_help():
    form = load_form()
    assert form.id == "marf-default" and form.version
    assert [s["letter"] for s in form.sections] == list("ABCDEFGHI")
    assert form.section("consent")["kind"] == "consent" and form.section("household")["kind"] == "household"
    for section in form.sections:
        for field in section["fields"]:
            assert field["label"] and field["type"] in forms_form.FIELD_TYPES


def test_choice_lists_carry_the_dfe_and_census_codes():
    form = load_form()
    sources = [c["value"] for c in form.choices("dfe_source")]
    assert sources[0] == "1A" and sources[-1] == "10" and "6" in sources and len(sources) == 22
    ethnicity = {c["value"] for c in form.choices("cin_ethnicity")}
    assert {"WBRI", "WIRI", "REFU", "NOBT"} <= ethnicity
    assert {c["value"] for c in form.choices("channel")} == {"phone", "email", "portal", "in_person"}


def test_unborn_child_takes_an_expected_delivery_date_instead_of_a_date_of_birth():
    fields = {f["id"]: f for f in load_form().section("subjects")["fields"]}
    child, unborn = {"kind": "child"}, {"kind": "unborn"}
    dob, edd = fields["dob"]["visible_if"], fields["edd"]["visible_if"]
    assert is_visible(dob, child, {}) and not is_visible(edd, child, {})
    assert is_visible(edd, unborn, {}) and not is_visible(dob, unborn, {})


def test_adult_section_only_for_the_adult_variant():
    form = load_form()
    assert "adult" not in [s["id"] for s in form.visible_sections({"variant": "child"})]
    assert "adult" in [s["id"] for s in form.visible_sections({"variant": "adult"})]
    cp = next(f for f in form.section("concerns")["fields"] if f["id"] == "child_protection")
    assert "abuse or neglect" in form.label(cp, {"variant": "adult"})
    assert "significant harm" in form.label(cp, {"variant": "child"})


def test_phone_referral_gets_a_written_confirmation_deadline():
    form = load_form()
    doc = {"variant": "child", "contact": {"received_at": "2026-11-20T16:30", "channel": "phone"}}
    fill_computed(form, doc)
    assert doc["contact"]["confirmation_due"] == "2026-11-21T16:30"  # default rules: 24 elapsed hours
    doc["contact"]["channel"] = "email"
    fill_computed(form, doc)
    assert "confirmation_due" not in doc["contact"]


def test_paths_read_and_write_nested_values():
    obj: dict = {}
    set_path(obj, "address.postcode", "ZX1 1AA")
    assert get_path(obj, "address.postcode") == "ZX1 1AA" and get_path(obj, "address.town") is None
    set_path(obj, "address.postcode", "")
    assert obj == {"address": {}}
    assert get_path({"a": [{"b": 1}]}, "a.0.b") == 1


@pytest.mark.parametrize("mutate, key", [
    (lambda f: f["sections"][0]["fields"][1].update(type="colour"), "sections[0].fields[1].type"),
    (lambda f: f["sections"][1]["fields"][3].update(choices="nope"), "sections[1].fields[3].choices"),
    (lambda f: f["sections"][0].pop("title"), "sections[0].title"),
    (lambda f: f["sections"][0]["fields"][0].update(visible_if={"path": "x"}), "sections[0].fields[0].visible_if"),
    (lambda f: f["choices"]["channel"].append({"value": "phone", "label": "Again"}), "choices.channel[4].value"),
    (lambda f: f.pop("version"), "version"),
    (lambda f: f["sections"][3]["fields"][4].update(date_rule="soon"), "sections[3].fields[4].date_rule"),
])
def test_a_bad_form_file_is_refused_naming_the_file_and_key(tmp_path, mutate, key):
    raw = json.loads(forms_form.DEFAULT_FORM.read_text("utf-8"))
    mutate(raw)
    path = tmp_path / "council.json"
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(InputError) as e:
        load_form(path)
    assert str(e.value).startswith(f"council.json: $.{key}:")


def test_broken_json_names_the_file_and_line(tmp_path):
    path = tmp_path / "marf.json"
    path.write_text('{"id": "x",\n  "version": }', "utf-8")
    with pytest.raises(InputError, match=r"marf.json: not valid JSON \(line 2"):
        load_form(path)


def test_data_dir_override_replaces_the_default(tmp_path):
    raw = json.loads(forms_form.DEFAULT_FORM.read_text("utf-8"))
    raw["id"], raw["version"] = "marf-testshire", "7"
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "marf.json").write_text(json.dumps(raw), "utf-8")
    form = load_form(data_dir=tmp_path)
    assert form.stamp() == {"id": "marf-testshire", "version": "7"}
    assert load_form(data_dir=tmp_path / "elsewhere").id == "marf-default"


def test_active_data_dir_makes_the_council_form_the_default(tmp_path):
    raw = json.loads(forms_form.DEFAULT_FORM.read_text("utf-8"))
    raw["id"] = "marf-testshire"
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "marf.json").write_text(json.dumps(raw), "utf-8")
    forms_form.use_data_dir(tmp_path)
    try:
        assert load_form().id == "marf-testshire"
    finally:
        forms_form.use_data_dir(None)
    assert load_form().id == "marf-default"


def test_consent_code_lists_agree_with_the_rules_and_the_consent_checks():
    from triage_desk.forms import consent_rules
    from triage_desk.forms.threshold import default_context

    form = load_form()
    codes = lambda name: [c["value"] for c in form.choices(name)]  # noqa: E731
    rules = default_context().rules.data
    assert codes("consent_reason") == list(rules["consent_not_sought_reasons"])
    assert codes("refusal_override") == list(rules["refusal_override_reasons"])
    assert codes("consent_standing") == list(consent_rules.STANDINGS)
    assert codes("consent_state") == list(consent_rules.STATES) and codes("consent_scope") == list(consent_rules.SCOPES)
    assert codes("lawful_basis") == list(rules["lawful_bases"])


def test_a_council_form_in_the_data_directory_is_used_for_new_referrals(workspace):
    from triage_desk import intake

    raw = json.loads(forms_form.DEFAULT_FORM.read_text("utf-8"))
    raw["id"], raw["version"] = "marf-testshire", "2.1"
    (workspace.data_dir / "forms").mkdir()
    (workspace.data_dir / "forms" / "marf.json").write_text(json.dumps(raw), "utf-8")
    try:
        assert intake.new_draft(workspace)["form"] == {"id": "marf-testshire", "version": "2.1"}
    finally:
        forms_form.use_data_dir(None)
