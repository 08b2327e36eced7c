"""ORM tables. Importing this package registers every table on `Base.metadata` (Alembic needs all)."""

from triage_desk.models.audit_event import AuditEvent
from triage_desk.models.base import Base, utcnow
from triage_desk.models.person import Person, ReferralSubject
from triage_desk.models.referral import Referral
from triage_desk.models.setting import Setting
from triage_desk.models.user import Role, User

__all__ = ["AuditEvent", "Base", "Person", "Referral", "ReferralSubject", "Role", "Setting", "User", "utcnow"]
