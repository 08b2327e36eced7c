"""What each measure means: one table, mirrored word for word in docs/measures.md (tests/test_measures_docs.py).

A measure is a count of cases, or a percentage `numerator / denominator` of cases; each figure opens to
the cases behind it (measures.cases). Targets are the timescales in domain §4 (None: no target, the
trend is what matters). `better` says which way is good for the trend arrow.
"""

from __future__ import annotations

from dataclasses import dataclass

# DfE children-in-need census codes (CIN census guide, "primary need").
PRIMARY_NEEDS = {
    "N0": "Not stated", "N1": "Abuse or neglect", "N2": "Child's disability or illness",
    "N3": "Parental disability or illness", "N4": "Family in acute stress", "N5": "Family dysfunction",
    "N6": "Socially unacceptable behaviour", "N7": "Low income", "N8": "Absent parenting",
    "N9": "Cases other than children in need",
}
# DfE referral source codes (CIN census "referral source").
SOURCES = {
    "1A": "Individual: family member, relative or carer", "1B": "Individual: acquaintance",
    "1C": "Individual: self", "1D": "Individual: other", "2A": "Schools", "2B": "Education services",
    "3A": "Health: GP", "3B": "Health visitor", "3C": "School nurse", "3D": "Other primary health services",
    "3E": "Health: A&E", "3F": "Other health services", "4": "Housing", "5A": "LA services: social care",
    "5B": "LA services: other internal", "5C": "LA services: external", "5D": "LA services: early help",
    "6": "Police", "7": "Other legal agency", "8": "Other", "9": "Anonymous", "10": "Unknown",
}
SOCIAL_CARE_OUTCOMES = ("S17", "STRAT", "S42")


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    definition: str
    kind: str = "percent"  # percent | count
    target: float | None = None  # percent, for timeliness measures
    better: str = "up"  # up | down | none


MEASURES: tuple[Measure, ...] = (
    Measure("contacts", "Contacts",
            "Every submitted contact (status other than draft) received in the period.", "count", better="none"),
    Measure("referrals", "Referrals to social care",
            "Contacts whose current decision includes a statutory outcome: a child and family assessment (section "
            "17), a strategy discussion (section 47) or an adult safeguarding enquiry (Care Act section 42).", "count",
            better="none"),
    Measure("decided_in_time", "Decided within 1 working day",
            "Decision deadlines met, out of decision deadlines met, missed or still open past their due time.",
            target=95.0),
    Measure("rag_in_time", "RAG compliance",
            "RAG deadlines met (red 4 hours, amber 1 working day, green 3 working days), out of RAG deadlines "
            "met, missed or still open past their due time.", target=95.0),
    Measure("re_referral", "Re-referral rate",
            "Contacts whose subject had at least one earlier referral in the 12 months before this one was "
            "received, out of all contacts.", target=22.0, better="down"),
    Measure("assessment", "Went on to assessment",
            "Contacts with a child and family assessment started (a lifecycle step into assessment), out of "
            "all contacts."),
    Measure("s17", "Child in need (s17)", "Contacts whose current decision includes a child and family assessment "
            "(child in need, section 17), out of all contacts.",
            better="none"),
    Measure("s47", "Section 47 enquiry",
            "Contacts with a strategy discussion that decided a section 47 enquiry, out of all contacts.",
            better="none"),
    Measure("child_protection", "Child protection conference",
            "Contacts with a strategy discussion that set an initial child protection conference date, out of "
            "all contacts.", better="none"),
    Measure("nfa", "No further action",
            "Decided contacts whose current decision includes no further action, out of decided contacts.",
            better="none"),
    Measure("override", "Override rate",
            "Decided contacts whose final level or outcomes differ from the engine's suggestion, out of decided "
            "contacts.", better="none"),
    Measure("override_up", "Overrides upward",
            "Decided contacts whose final level is above the engine's suggestion, out of decided contacts.",
            better="none"),
    Measure("override_down", "Overrides downward",
            "Decided contacts whose final level is below the engine's suggestion, out of decided contacts.",
            better="none"),
    Measure("consent_not_sought", "Consent not sought",
            "Contacts with a consent record for the referral itself in the state not sought, out of all contacts.",
            better="down"),
    Measure("consent_refused", "Consent refused",
            "Contacts with a consent record for the referral itself in the state refused, out of all contacts.",
            better="none"),
    Measure("checks_in_time", "Agency checks answered on time",
            "Agency-check deadlines met, out of agency-check deadlines met, missed or still open past their due "
            "time.", target=90.0),
    Measure("strategy_in_time", "Strategy discussions held on time",
            "Strategy-discussion deadlines (24 hours from deciding to hold one) met, out of those met, missed or "
            "still open past their due time.", target=95.0),
    Measure("feedback_in_time", "Referrers told the outcome within 3 working days",
            "Referrer-feedback deadlines met, out of those met, missed or still open past their due time.",
            target=90.0),
    Measure("disputes", "Disputes raised", "Disputes raised about contacts received in the period.", "count",
            better="down"),
    Measure("disputes_changed", "Disputes that changed the decision",
            "Resolved disputes whose outcome was changed, out of resolved disputes.", better="none"),
    Measure("review_agreement", "Review agreement",
            "Reviewed cases where the reviewer agreed with the officer's level, out of reviewed cases (from "
            "review returns applied here, for decisions made in the period's calendar months; none until a "
            "review has been returned).", target=80.0),
)
BY_ID = {m.id: m for m in MEASURES}

# Breakdowns: the same contacts, grouped. Title and definition mirrored in docs/measures.md.
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "by_source": ("Contacts by referral source", "Contacts grouped by the DfE referral source code (1A to 10)."),
    "by_primary_need": ("Contacts by primary need",
                        "Decided contacts grouped by the primary need (N0 to N9) recorded with the current "
                        "decision; 'not recorded' when the decision has none."),
    "by_outcome": ("Outcomes of decisions",
                   "Decided contacts counted once under each outcome of the current decision."),
    "nfa_by_agency": ("No further action by referrer agency",
                      "For each referrer agency: decided contacts, and how many of them were no further action."),
    "weekly": ("Weekly volumes and timeliness",
               "Contacts per week (Monday to Sunday, by date received), with decisions in time and re-referrals."),
}
