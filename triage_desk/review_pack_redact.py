"""What a reviewing practice lead sees of a case (issue 13 point 1): enough to judge the threshold, nothing
to find or contact the family with, and nothing kept from the family.

Kept: when and how the contact came, the referrer's role and agency, each person's age, gender and needs,
the concerns and indicators, the voice of the child, agencies involved (by agency). Dropped: names,
addresses, phone numbers, e-mail addresses, NHS numbers, schools, GPs, consent records' names, and any
text quoting an item on the "withhold from the family" list (replaced by a visible "withheld" line).
"""

from __future__ import annotations

from triage_desk.redaction import _quotes_withheld, _withhold_list

WITHHELD_TEXT = "withheld (on the list kept from the family)"
_CONTACT = ("received_at", "channel", "urgent", "referral_source")
_REFERRER = ("role", "agency", "relationship", "dsl_consulted")
_PERSON = ("kind", "dob", "age", "gender", "ethnicity", "language", "interpreter", "disability", "location",
           "private_fostering", "relationship", "parental_responsibility")
_AGENCY = ("agency", "role", "open_assessment")


def _pick(obj, keys) -> dict:
    return {k: obj[k] for k in keys if isinstance(obj, dict) and k in obj}


def _text(value, withhold: list[dict]):
    if isinstance(value, str) and _quotes_withheld(value, withhold):
        return WITHHELD_TEXT
    if isinstance(value, dict):
        return {k: _text(v, withhold) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v, withhold) for v in value]
    return value


def for_review(doc: dict) -> dict:
    """The redacted case (a new dict; `doc` is not changed)."""
    withhold = _withhold_list(doc)
    people = [{"label": f"{'Child' if s.get('kind', 'child') == 'child' else 'Person'} {i + 1}", **_pick(s, _PERSON)}
              for i, s in enumerate(doc.get("subjects") or []) if isinstance(s, dict)]
    household = [_pick(h, _PERSON) for h in doc.get("household") or [] if isinstance(h, dict)]
    concerns = doc.get("concerns") if isinstance(doc.get("concerns"), dict) else {}
    return {"reference": doc.get("reference"), "variant": doc.get("variant"),
            "contact": _pick(doc.get("contact"), _CONTACT), "referrer": _pick(doc.get("referrer"), _REFERRER),
            "subjects": people, "household": household,
            "agencies": [_pick(a, _AGENCY) for a in doc.get("agencies") or [] if isinstance(a, dict)],
            "concerns": _text(concerns, withhold), "voice": _text(doc.get("voice") or {}, withhold),
            "re_referrals_12m": (doc.get("links") or {}).get("re_referrals_12m", 0),
            "withheld_items": len(withhold)}
