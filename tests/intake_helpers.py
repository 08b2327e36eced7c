"""Hand-made synthetic referral documents for the intake, matching and case-list tests (invented people)."""

from __future__ import annotations

import uuid


def subject(surname: str = "Quorvale", forenames: str = "Testina", dob: str = "2016-04-05", nhs: str | None = None,
            postcode: str = "ZX1 2AB") -> dict:
    return {"id": str(uuid.uuid4()), "kind": "child", "surname": surname, "forenames": forenames, "dob": dob,
            "nhs_number": nhs or "not_known", "gender": "not_known", "location": "at home", "ethnicity": "NOBT",
            "language": "English", "interpreter": "no", "disability": "not_known", "gp": "not_known",
            "school": "not_known", "private_fostering": "no",
            "address": {"line1": "1 Example Road", "town": "Testford", "postcode": postcode}}


def complete(doc: dict, *subjects: dict, received_at: str | None = None, agency: str = "School") -> dict:
    """Fill a draft with everything submission needs."""
    if received_at:
        doc["contact"]["received_at"] = received_at
    doc["contact"].update({"channel": "email", "urgent": False, "referral_source": "2A"})
    doc["referrer"] = {"name": "Refer Testperson", "role": "Teacher", "agency": agency, "phone": "0100 000000",
                       "email": "ref@example.org", "relationship": "professional", "dsl_consulted": "yes",
                       "dsl_name": "Dee Leadperson"}
    doc["subjects"] = list(subjects) or [subject()]
    doc["concerns"] = {"narrative": "Synthetic concern narrative for a test.", "indicators": [],
                       "whereabouts": "at home", "observed": "not_known", "reported": "not_known",
                       "actions_taken": "not_known", "child_protection": "no"}
    doc["voice"] = {"subject_views": "not_known", "parent_views": "not_known"}
    doc["consent"] = {"records": [{"id": str(uuid.uuid4()), "person_id": doc["subjects"][0]["id"],
                                   "scope": "referral", "state": "given", "date": "2026-01-01", "form": "verbal",
                                   "by": {"name": "Parent Testperson", "standing": "parental_responsibility"},
                                   "recorded_by": "officer", "informed": True}],
                      "child_consulted": "yes", "informed": {}}
    return doc
