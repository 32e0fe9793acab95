"""Every model, imported in one place so the mappers and the migrations see them all."""
from lms.attendance.models import AttendanceRecord, NameMapping, ParticipationMark
from lms.auth.models import User, UserSession
from lms.cohorts.models import Cohort, Membership
from lms.courses.models import Course
from lms.notifications.models import OutboxMessage
from lms.sessions.models import Material, Session

__all__ = [
    "AttendanceRecord", "NameMapping", "ParticipationMark", "User", "UserSession", "Cohort", "Membership", "Course",
    "OutboxMessage", "Material", "Session",
]
