"""Every model, imported in one place so the mappers and the migrations see them all."""
from lms.applications.models import Application, ApplicationFile, ApplicationReviewer, ApplicationScore
from lms.attendance.models import AttendanceRecord, NameMapping, ParticipationMark
from lms.audit.models import AuditEvent
from lms.auth.models import User, UserSession
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Membership
from lms.courses.models import Course
from lms.gradebook.models import Mark
from lms.notifications.models import OutboxMessage
from lms.sessions.models import Material, Session

__all__ = [
    "Application", "ApplicationFile", "ApplicationReviewer", "ApplicationScore",
    "AuditEvent", "Certificate", "Mark",
    "AttendanceRecord", "NameMapping", "ParticipationMark", "User", "UserSession", "Cohort", "Membership", "Course",
    "OutboxMessage", "Material", "Session",
]
