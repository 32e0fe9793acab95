"""Every model, imported in one place so the mappers and the migrations see them all."""
from lms.applications.models import Application, ApplicationFile, ApplicationReviewer, ApplicationScore
from lms.attendance.models import AttendanceRecord, NameMapping, ParticipationMark
from lms.audit.models import AuditEvent
from lms.auth.models import User, UserSession
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Membership
from lms.courses.models import Course
from lms.gradebook.models import Mark
from lms.groups.models import Group, GroupMember
from lms.jobs.models import JobRun, Reminder, SchedulerLease, scheduler_jobs
from lms.notifications.models import OutboxAttachment, OutboxMessage
from lms.projects.models import PeerComment, ProjectGrade, ProjectGradeMember, ProjectSetting, Submission
from lms.quizzes.models import Answer, Attempt, Question, Quiz
from lms.sessions.models import Material, Session

__all__ = [
    "Application", "ApplicationFile", "ApplicationReviewer", "ApplicationScore",
    "AuditEvent", "Certificate", "Mark",
    "AttendanceRecord", "NameMapping", "ParticipationMark", "User", "UserSession", "Cohort", "Membership", "Course",
    "OutboxMessage", "OutboxAttachment", "Material", "Session", "Quiz", "Question", "Attempt", "Answer",
    "Group", "GroupMember", "PeerComment", "ProjectGrade", "ProjectGradeMember", "ProjectSetting", "Submission",
    "JobRun", "Reminder", "SchedulerLease", "scheduler_jobs",
]
