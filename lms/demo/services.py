"""A demo cohort to click through: the ITU course (imported from its course file) with 32
participants from many countries, two instructors and a coordinator."""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.auth.services import Profile, find_user_by_email, register_user
from lms.cohorts.models import Cohort, CohortStatus, Role
from lms.cohorts.services import add_member
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course

COURSE_FILE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
DEMO_COHORT = "itu-dpg-oss-2024"

#: (name, country, time zone): officials from many countries, as the ITU cohort had.
PARTICIPANTS = [
    ("Amina Diallo", "SN", "Africa/Dakar"), ("Rahul Mehta", "IN", "Asia/Kolkata"),
    ("Lucía Fernández", "AR", "America/Argentina/Buenos_Aires"), ("Kwame Mensah", "GH", "Africa/Accra"),
    ("Nguyen Thi Lan", "VN", "Asia/Ho_Chi_Minh"), ("Otieno Wafula", "KE", "Africa/Nairobi"),
    ("Fatima Zahra Benali", "MA", "Africa/Casablanca"), ("Siosaia Tupou", "TO", "Pacific/Tongatapu"),
    ("Ana Paula Souza", "BR", "America/Sao_Paulo"), ("Tenzin Dorji", "BT", "Asia/Thimphu"),
    ("Mariam Khalil", "JO", "Asia/Amman"), ("Juan Carlos Rojas", "CO", "America/Bogota"),
    ("Chipo Moyo", "ZW", "Africa/Harare"), ("Ayesha Rahman", "BD", "Asia/Dhaka"),
    ("Kofi Boateng", "GH", "Africa/Accra"), ("Sofía Quispe", "PE", "America/Lima"),
    ("Bolat Nurlanov", "KZ", "Asia/Almaty"), ("Grace Namukasa", "UG", "Africa/Kampala"),
    ("Pedro Alves", "MZ", "Africa/Maputo"), ("Leila Haddad", "LB", "Asia/Beirut"),
    ("Ibrahim Sow", "ML", "Africa/Bamako"), ("Maria Santos", "PH", "Asia/Manila"),
    ("Dilnoza Karimova", "UZ", "Asia/Tashkent"), ("Emmanuel Okafor", "NG", "Africa/Lagos"),
    ("Rosa Mamani", "BO", "America/La_Paz"), ("Hana Tesfaye", "ET", "Africa/Addis_Ababa"),
    ("Arjun Thapa", "NP", "Asia/Kathmandu"), ("Noor Aziz", "PK", "Asia/Karachi"),
    ("Thandiwe Dlamini", "ZA", "Africa/Johannesburg"), ("Putu Wijaya", "ID", "Asia/Makassar"),
    ("Elena Popescu", "MD", "Europe/Chisinau"), ("Samuel Tembo", "ZM", "Africa/Lusaka"),
]
STAFF = [
    ("coordinator@demo.example", "Clara Coordinator", Role.COORDINATOR, "CH", "Europe/Zurich"),
    ("instructor1@demo.example", "Ines Instructor", Role.INSTRUCTOR, "DE", "Europe/Berlin"),
    ("instructor2@demo.example", "Ivan Instructor", Role.INSTRUCTOR, "GB", "Europe/London"),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    password: str


def participant_email(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return ".".join(folded.split()) + "@demo.example"


def _user(email: str, name: str, country: str, zone: str, password_hash: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        user = register_user(email, None, Profile(name, country, "Demo Ministry of Digital Affairs", zone))
    user.password_hash = password_hash
    return user


def load_demo() -> tuple[Cohort, list[DemoLogin]]:
    """Create (or refresh) the demo course, cohort and people; every run sets new passwords
    and returns them, so the printed ones always work."""
    import_course(load_course_file(COURSE_FILE))
    cohort = db.session.execute(db.select(Cohort).where(Cohort.slug == DEMO_COHORT)).scalar_one()
    cohort.status = CohortStatus.RUNNING
    db.session.flush()

    logins = []
    admin_password = secrets.token_urlsafe(9)
    admin = _user("admin@demo.example", "Ada Admin", "CH", "Europe/Zurich", hash_password(admin_password))
    admin.is_site_admin = True
    logins.append(DemoLogin(admin.email, "site admin", admin_password))
    for email, name, role, country, zone in STAFF:
        password = secrets.token_urlsafe(9)
        add_member(cohort, _user(email, name, country, zone, hash_password(password)), role)
        logins.append(DemoLogin(email, role.value, password))
    shared = secrets.token_urlsafe(9)
    shared_hash = hash_password(shared)
    for name, country, zone in PARTICIPANTS:
        add_member(cohort, _user(participant_email(name), name, country, zone, shared_hash), Role.PARTICIPANT)
    logins.append(DemoLogin(participant_email(PARTICIPANTS[0][0]), f"participant (all {len(PARTICIPANTS)} share it)",
                            shared))
    db.session.flush()
    return cohort, logins
