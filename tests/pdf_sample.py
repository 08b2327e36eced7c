"""A synthetic, fully filled referral document for the PDF tests and the report bench (test data, not
shipped in the product; no real people: obviously made-up names, example.org addresses, NHS numbers from
the 999 test range)."""

from __future__ import annotations

import copy

_FIRST = ("Testy", "Sample", "Mocky", "Fakey", "Dummy", "Placeholder", "Example", "Specimen", "Proto", "Demo",
          "Trial", "Pilot")

_PARAGRAPH = ("The referrer describes a pattern of concern built up over several weeks rather than a single "
              "incident. At drop-off the child was seen with a fading bruise on the left forearm and gave an "
              "account that changed when asked a second time. Staff have noted the child arriving hungry, in "
              "the same clothes for several days, and reluctant to go home at the end of the day. The school "
              "has tried to contact the parent by phone on four occasions without a reply; a letter home has "
              "not been acknowledged. ")


def long_text(paragraphs: int) -> str:
    return "\n\n".join(f"({n}) " + _PARAGRAPH * 2 for n in range(1, paragraphs + 1))


def sample_document(household: int = 10, narrative_paragraphs: int = 8) -> dict:
    """A decided child referral with `household` household members and long narratives."""
    subj = [{"id": "s-1", "kind": "child", "surname": "Nowak-Łukasiewicz", "forenames": "Zoë", "dob": "2015-03-14",
             "gender": "female", "ethnicity": "WOTH", "religion": "not_known", "language": "English",
             "interpreter": False, "communication_needs": "none known", "disability": "not_known",
             "nhs_number": "9990000018", "address": {"line1": "1 Example Road", "town": "Testford",
                                                    "postcode": "ZZ1 1ZZ"},
             "gp": "Example Health Centre", "school": "Sampleton Primary", "location": "at school",
             "private_fostering": False},
            {"id": "s-2", "kind": "child", "surname": "حداد", "forenames": "ليلى", "dob": "2019-07-02",
             "gender": "female", "language": "Arabic", "interpreter": True, "nhs_number": "not_known",
             "address": {"line1": "1 Example Road", "town": "Testford", "postcode": "ZZ1 1ZZ"},
             "school": "Sampleton Nursery", "location": "at home with an aunt"}]
    rels = ("mother", "father", "stepfather", "aunt", "grandmother", "half-brother", "lodger", "uncle", "cousin",
            "family friend", "grandfather", "neighbour")
    members = [{"id": f"h-{n}", "name": f"{_FIRST[n % len(_FIRST)]} Testperson-{n}", "dob": f"{1960 + 3 * n}-05-01",
                "gender": "not_known" if n % 3 else "male", "relationship": rels[n % len(rels)],
                "parental_responsibility": "yes" if n < 2 else "not_known",
                "address": "" if n % 2 else {"line1": f"{n} Mock Street", "town": "Mockbury", "postcode": "ZZ9 9ZZ"},
                "lives_with_subject": n % 2 == 1} for n in range(household)]
    engine = {"suggested_level": 3, "level_label": "Complex - Child in Need", "population": "child",
              "domain_levels": {"health": 3, "parenting": 3, "education": 2},
              "indicators": [{"id": "health.untreated_chronic", "domain": "health", "level": 3,
                              "label": "Chronic condition left untreated", "trigger": None},
                             {"id": "parenting.erratic_care", "domain": "parenting", "level": 3,
                              "label": "Erratic or inconsistent care", "trigger": None},
                             {"id": "education.occasional_absence", "domain": "education", "level": 2,
                              "label": "Occasional absence", "trigger": None}],
              "reasons": ["health.untreated_chronic: Chronic condition left untreated (level 3)",
                          "parenting.erratic_care: Erratic or inconsistent care (level 3)",
                          "education.occasional_absence: Occasional absence (level 2)",
                          "highest domain level 3 in health, parenting", "suggested level 3 (Complex - Child in Need)"],
              "triggers": [], "outcomes": ["S17"], "requires": [], "dash_score": 11, "dash_risk": "medium",
              "repeat_marac": False, "rag": "amber", "rag_due": "2026-11-24T09:30", "received_at": "2026-11-23T09:30",
              "decision_due": "2026-11-24T09:30", "confirmation_due": "2026-11-24T09:30",
              "catalogue": {"id": "td-default", "version": "1", "sha256": "ab" * 32}}
    doc = {
        "schema": "triage-desk/referral", "schema_version": 1, "id": "00000000-0000-4000-8000-000000000001",
        "reference": "TD-2026-000123", "form": {"id": "marf-default", "version": "1"}, "status": "decided",
        "variant": "child",
        "contact": {"received_at": "2026-11-23T09:30", "channel": "phone", "urgent": False, "referral_source": "2A",
                    "confirmation_due": "2026-11-24T09:30"},
        "referrer": {"name": "Ima Fakename", "role": "Designated safeguarding lead", "agency": "Sampleton Primary",
                     "phone": "0100 900123", "email": "dsl@example.org", "relationship": "teacher",
                     "dsl_consulted": True, "dsl_name": "Ima Fakename", "view_level": 3},
        "consent": {"informed": {"h-0": {"informed": "yes"}, "h-1": {"informed": "no",
                                                                    "reason": "cannot_be_contacted"}},
                    "records": [{"person_id": "h-0", "scope": "referral", "state": "given", "date": "2026-11-23",
                                 "method": "verbal", "role": "mother, parental responsibility",
                                 "recorded_by": "officer1"},
                                {"person_id": "h-0", "scope": "checks", "state": "given", "date": "2026-11-23",
                                 "method": "verbal", "recorded_by": "officer1"},
                                {"person_id": "h-1", "scope": "referral", "state": "not_sought",
                                 "reason": "cannot_be_contacted", "date": "2026-11-23", "recorded_by": "officer1"}],
                    "child_consulted": "yes", "lawful_basis": "public task (UK GDPR art. 6(1)(e))",
                    "withhold": [{"what": "The school's account of the second conversation",
                                  "why": "could prejudice a police investigation"}]},
        "subjects": subj,
        "household": members,
        "agencies": [{"agency": "Sampleton Primary", "contact": "Ima Fakename", "lead_professional": "not_known",
                      "open_early_help": "no", "previous_interventions": "Attendance support plan in the spring "
                      "term; attendance improved for six weeks then fell again."},
                     {"agency": "Health visiting", "contact": "Duty health visitor", "lead_professional": "no",
                      "open_early_help": "no", "previous_interventions": "not_known"}],
        "concerns": {"narrative": long_text(narrative_paragraphs),
                     "indicators": [i["id"] for i in engine["indicators"]],
                     "observed": long_text(max(1, narrative_paragraphs // 3)),
                     "reported": long_text(max(1, narrative_paragraphs // 3)),
                     "actions_taken": "Spoke with the child; informed the DSL; phoned the front door.",
                     "whereabouts": "In school until 15:15, then collected by an aunt."},
        "voice": {"subject_views": "Zoë said she likes school and does not want to go home some days because "
                                   "it is loud. She would like to see her nan more.",
                  "parent_views": "The mother said she is struggling since the stepfather moved in and would "
                                  "accept some help."},
        "dash": {"answers": [True] * 11 + [False] * 10 + [None] * 3, "judgement_high": False, "last_marac": None},
        "open_case": False,
        "links": {"matched_person_ids": ["s-1"], "re_referrals_12m": 2},
        "checks": [{"partner": "Police", "requested_at": "2026-11-23T10:00", "requested_by": "officer1",
                    "due_at": "2026-11-23T14:00", "response_at": "2026-11-23T12:10",
                    "response_summary": "Two domestic incidents at the address in 2026, no charges.",
                    "nothing_known": False},
                   {"partner": "Health", "requested_at": "2026-11-23T10:00", "requested_by": "officer1",
                    "due_at": "2026-11-23T16:00", "response_at": None, "response_summary": None,
                    "nothing_known": None}],
        "decision": {"engine": engine, "final_level": 4, "final_outcomes": ["STRAT", "S17"],
                     "decided_by": "officer1", "decided_at": "2026-11-23T11:00:00Z", "approval": "approved",
                     "requires": [],
                     "override": {"direction": "up", "rationale": "Pattern of unexplained bruising and a changing "
                                  "account; with the police information the threshold for a strategy discussion "
                                  "is met.", "evidence": "Police check response; school log entries.",
                                  "by": "officer1", "role": "officer", "at": "2026-11-23T11:00:00Z",
                                  "approval": "approved", "approved_by": "lead1",
                                  "approved_at": "2026-11-23T11:20:00Z", "approval_note": None}},
    }
    return copy.deepcopy(doc)


SAMPLE_HISTORY = [{"reference": "TD-2026-000045", "received": "2026-03-02T10:15", "outcome": "EH", "status": "closed"},
                  {"reference": "TD-2025-000981", "received": "2025-12-11T16:40", "outcome": "IAG",
                   "status": "closed"}]
