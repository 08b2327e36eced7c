"""Agreement statistics (issue 13 point 6) against published values and an independent computation."""

from __future__ import annotations

import math
import random

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
