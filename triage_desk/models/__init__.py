"""ORM tables. Importing this package registers every table on `Base.metadata` (Alembic needs all)."""

from triage_desk.models.audit_event import AuditEvent
from triage_desk.models.base import Base, utcnow
from triage_desk.models.casework import CaseEvent, Deadline, Dispute, ReferrerFeedback, StrategyDiscussion
from triage_desk.models.decision import Decision
from triage_desk.models.measure_row import MeasureRow
from triage_desk.models.partner import AgencyCheck, Partner, SharingDecision
from triage_desk.models.person import Person, ReferralSubject
from triage_desk.models.referral import EditLease, Referral
from triage_desk.models.review import DecisionResponse, ReviewItem, ReviewPack
from triage_desk.models.setting import Setting
from triage_desk.models.signed import AuditCheckpoint, RoleGrant
from triage_desk.models.trust import TrustedSigner
from triage_desk.models.user import Role, User

__all__ = [
    "AgencyCheck", "AuditCheckpoint", "AuditEvent", "Base", "CaseEvent", "Deadline", "Decision", "DecisionResponse",
    "Dispute", "EditLease", "MeasureRow", "Partner", "Person", "Referral", "ReferralSubject", "ReferrerFeedback",
    "ReviewItem", "ReviewPack", "Role", "RoleGrant", "Setting",
    "SharingDecision", "StrategyDiscussion", "TrustedSigner", "User", "utcnow",
]
