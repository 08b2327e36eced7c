"""Agreement statistics (issue 13 point 6) against published values and an independent computation."""

from __future__ import annotations

import math
import random
from datetime import datetime

import pytest

from triage_desk import sampling
from triage_desk.agreement import Agreement, weighted_kappa
from triage_desk.errors import InputError


def test_two_categories_match_the_published_cohen_kappa_example():
    # Wikipedia "Cohen's kappa", worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> kappa 0.4.
    pairs = [(1, 1)] * 20 + [(1, 2)] * 5 + [(2, 1)] * 10 + [(2, 2)] * 15
    kappa, se = weighted_kappa(pairs, categories=(1, 2))
    assert kappa == pytest.approx(0.4, abs=1e-9)
    assert 0 < se < 0.2


def test_linear_weighted_kappa_equals_the_pairwise_distance_form_on_generated_data():
    rng = random.Random(7)
    officer = [rng.randint(1, 4) for _ in range(300)]
    lead = [min(4, max(1, o + rng.choice((-1, 0, 0, 0, 1)))) for o in officer]
    kappa, se = weighted_kappa(list(zip(officer, lead, strict=True)))
    n = len(officer)
    observed = sum(abs(a - b) for a, b in zip(officer, lead, strict=True)) / n
    chance = sum(abs(a - b) for a in officer for b in lead) / n ** 2
    assert kappa == pytest.approx(1 - observed / chance, abs=1e-12)
    assert 0 < se < 0.1  # 300 cases: a narrow interval
    result = Agreement("test", pairs=list(zip(officer, lead, strict=True)))
    assert result.percent == pytest.approx(100 * sum(a == b for a, b in zip(officer, lead, strict=True)) / n)
    assert sum(map(sum, result.matrix())) == n


def test_perfect_agreement_is_one_and_no_cases_is_a_clear_message():
    assert weighted_kappa([(1, 1), (2, 2), (3, 3), (4, 4)])[0] == pytest.approx(1.0)
    assert not math.isnan(weighted_kappa([(2, 2)] * 3)[0])
    with pytest.raises(InputError, match="no reviewed cases"):
        weighted_kappa([])


def test_sample_is_reproducible_from_its_seed_and_keeps_every_override():
    rows = [{"reference": f"TD-2026-{i:06d}", "month": f"2026-{1 + i % 3:02d}", "level": 1 + i % 4,
             "outcome": "EH" if i % 2 else "S17", "overridden": i % 11 == 0} for i in range(200)]
    spec = sampling.parse("per_month=10,stratify=level+outcome,overrides=all,status=closed")
    first = sampling.draw([dict(r) for r in rows], spec, "seed-1")
    assert first == sampling.draw([dict(r) for r in rows], spec, "seed-1")
    assert first != sampling.draw([dict(r) for r in rows], spec, "seed-2")
    assert {r["reference"] for r in rows if r["overridden"]} <= set(first)
    drawn = [r for r in rows if r["reference"] in first and not r["overridden"]]
    assert len({(r["level"], r["outcome"]) for r in drawn}) >= 4  # stratified: every group represented
    assert sampling.parse(spec.text()) == spec


@pytest.mark.parametrize("text, field", [("per_month=x", "per_month"), ("stratify=colour", "stratify"),
                                         ("from=2026-13", "from"), ("team", "key=value"), ("size=3", "unknown")])
def test_bad_sample_specs_name_the_setting(text, field):
    with pytest.raises(InputError, match=field):
        sampling.parse(text)


def test_a_reviewer_sees_no_contact_details_and_nothing_kept_from_the_family():
    from intake_helpers import complete, subject

    from triage_desk.forms.document import new_document
    from triage_desk.review_pack_redact import WITHHELD_TEXT, for_review

    doc = complete(new_document("child"), subject(surname="Quorvale", postcode="ZX9 9ZZ"))
    doc["concerns"]["narrative"] = "Mother said the new partner moved in last month."
    doc["consent"]["withhold"] = [{"what": "new partner moved in", "reason": "risk to the child"}]
    doc["household"] = [{"name": "Partner Testperson", "relationship": "partner", "dob": "1990-01-01",
                         "address": {"line1": "2 Hidden Lane", "postcode": "ZX8 8ZZ"}, "phone": "0100 111111"}]
    text = str(for_review(doc))
    for secret in ("Quorvale", "Testina", "ZX9 9ZZ", "1 Example Road", "0100 000000", "ref@example.org",
                   "Refer Testperson", "Parent Testperson", "Partner Testperson", "2 Hidden Lane", "0100 111111",
                   "new partner moved in"):
        assert secret not in text, secret
    redacted = for_review(doc)
    assert redacted["concerns"]["narrative"] == WITHHELD_TEXT and redacted["withheld_items"] == 1
    assert redacted["subjects"][0]["dob"] == "2016-04-05" and redacted["referrer"]["agency"] == "School"


# ---- per team (users have a team: `triage-desk user set-team`) ---------------------------------------

TEAMS = {"officer": "Duty Team North", "officer2": "Duty Team South"}
# (officer, officer's level, lead's level, month of decision) for reviews applied at the front door
APPLIED = [("officer", 1, 1, "2026-09"), ("officer", 2, 2, "2026-09"), ("officer", 3, 2, "2026-10"),
           ("officer2", 2, 3, "2026-09"), ("officer2", 3, 4, "2026-10"), ("officer2", 4, 4, "2026-10")]


def _teams_with_applied_reviews(ws) -> None:
    """Two officers in two teams and six reviews applied at the front door (rows as review_apply leaves them)."""
    import json
    import uuid
    from datetime import datetime

    from casework_helpers import decided
    from checks_helpers import act_as

    from triage_desk import accounts
    from triage_desk.models import ReviewItem, ReviewPack, Role, User

    act_as(ws, "admin")
    with ws.session() as s:
        accounts.create_user(s, ws.user, "officer2", "Second Officer", Role.OFFICER, "user-password-1")
        for name, team in TEAMS.items():
            s.query(User).filter(User.username == name).one().team = team
    act_as(ws, "officer")
    docs = [decided(ws, surname=f"Teamcase{chr(65 + i)}") for i in range(len(APPLIED))]
    with ws.session() as s:
        pack = ReviewPack(id=str(uuid.uuid4()), side="issued", created_at=datetime(2026, 11, 1), created_by="lead",
                          blind=False, sample_spec="per_month=10,by_team=yes", seed="abc", signer_fingerprint="0" * 64,
                          manifest_sha256="0" * 64)
        s.add(pack)
        s.flush()
        for doc, (officer, mine, lead, month) in zip(docs, APPLIED, strict=True):
            review = {"by": {"username": "revlead", "display_name": "Review Lead", "role": "lead"},
                      "rationale": f"Synthetic lead rationale {officer} {mine}->{lead}."}
            s.add(ReviewItem(pack_id=pack.id, referral_id=doc["id"], reference=doc["reference"], decision_sha256="0",
                             officer=officer, officer_level=mine, lead_level=lead,
                             decided_at=datetime.fromisoformat(f"{month}-15T10:00"),
                             review_statement=json.dumps(review), verdict="agree" if mine == lead else "disagree",
                             applied="agreed" if mine == lead else "recorded"))


def test_agreement_is_computed_per_team_and_per_period(workspace):
    from triage_desk import agreement

    _teams_with_applied_reviews(workspace)
    with workspace.session() as s:
        everyone = agreement.compute(s)
        north = agreement.compute(s, team="Duty Team North")
        south_october = agreement.compute(s, team="Duty Team South", start="2026-10", end="2026-10")
    assert everyone.n == 6 and set(everyone.by_team) == {"Duty Team North", "Duty Team South"}
    assert north.n == 3 and north.percent == pytest.approx(200 / 3) and set(north.by_officer) == {"officer"}
    assert south_october.pairs == [(3, 4), (4, 4)]
    assert "team Duty Team South" in south_october.scope
    lines = "\n".join(everyone.lines())
    assert "Duty Team North: 2 of 3 agreed" in lines and "Duty Team South: 1 of 3 agreed" in lines
    assert "2026-09: 2 of 3 agreed" in lines  # by period (month of decision)
    assert everyone.as_json()["by_team"]["Duty Team South"] == {"cases": 3, "agreed": 1}
    with pytest.raises(InputError, match="team: no user is in a team called"):
        with workspace.session() as s:
            agreement.compute(s, team="Nobody's Team")


def test_the_meeting_pack_shows_agreement_by_team(workspace, tmp_path):
    from casework_helpers import pdf_text
    from checks_helpers import act_as

    from triage_desk import agreement
    from triage_desk.reports.review_meeting_pdf import render_meeting_pack

    _teams_with_applied_reviews(workspace)
    act_as(workspace, "lead")
    result = agreement.compute_for(workspace)
    text = pdf_text(render_meeting_pack(result, generated_by="lead", generated_at=datetime(2026, 11, 30, 9)),
                    tmp_path)
    assert "By team" in text and "Duty Team North" in text and "By month of decision" in text


def test_a_dip_sample_can_be_drawn_per_team_or_for_one_team():
    rows = [{"reference": f"TD-2026-{i:06d}", "month": "2026-09", "level": 2, "outcome": "EH", "overridden": False,
             "team": "Duty Team North" if i < 30 else "Duty Team South"} for i in range(40)]
    spec = sampling.parse("per_month=5,stratify=none,overrides=none,by_team=yes")
    drawn = sampling.draw([dict(r) for r in rows], spec, "seed-1")
    teams = [r["team"] for r in rows if r["reference"] in drawn]
    assert teams.count("Duty Team North") == 5 and teams.count("Duty Team South") == 5  # 5 a month PER TEAM
    one = sampling.parse("per_month=5,stratify=none,overrides=none,team=Duty Team South")
    assert {r["team"] for r in rows if r["reference"] in sampling.draw([dict(r) for r in rows], one, "s")} == {
        "Duty Team South"}
    assert sampling.parse(spec.text()) == spec and sampling.parse(one.text()) == one
    with pytest.raises(InputError, match="by_team"):
        sampling.parse("by_team=maybe")
