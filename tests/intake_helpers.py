"""Hand-made synthetic referral documents for the intake, matching and case-list tests (invented people)."""

from __future__ import annotations

import uuid


def subject(surname: str = "Quorvale", forenames: str = "Testina", dob: str = "2016-04-05", nhs: str | None = None,
            postcode: str = "ZX1 2AB") -> dict:
    return {"id": str(uuid.uuid4()), "kind": "child", "surname": surname, "forenames": forenames, "dob": dob,
            "nhs_number": nhs or "not_known", "gender": "not_known", "location": "at home",
            "address": {"line1": "1 Example Road", "town": "Testford", "postcode": postcode}}


def complete(doc: dict, *subjects: dict, received_at: str | None = None, agency: str = "School") -> dict:
    """Fill a draft with everything submission needs."""
    if received_at:
        doc["contact"]["received_at"] = received_at
    doc["contact"].update({"channel": "email", "urgent": False, "referral_source": "2A"})
    doc["referrer"] = {"name": "Refer Testperson", "role": "Teacher", "agency": agency, "phone": "0100 000000",
                       "email": "ref@example.org", "relationship": "teacher", "dsl_consulted": "yes"}
    doc["subjects"] = list(subjects) or [subject()]
    doc["concerns"] = {"narrative": "Synthetic concern narrative for a test.", "indicators": [],
                       "whereabouts": "at home"}
    doc["consent"] = {"records": [{"person_id": doc["subjects"][0]["id"], "scope": "referral", "state": "given",
                                   "date": "2026-01-01", "method": "verbal"}],
                      "child_consulted": "yes", "informed": {}}
    return doc
