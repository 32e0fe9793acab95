"""A demo cohort to click through: the ITU course (imported from its course file, with its
knowledge-check quiz open to take) with 32 participants from many countries in balanced project
groups, two instructors and a coordinator."""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.auth.services import Profile, end_all_sessions, find_user_by_email, register_user
from lms.cohorts.models import Cohort, CohortStatus, Role
from lms.cohorts.services import add_member
from lms.core.db import db
from lms.core.errors import ConflictError
from lms.courses.loader import load_course_file
from lms.courses.services import import_course

COURSE_FILE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
DEMO_COHORT = "itu-dpg-oss-2024"
ADMIN_EMAIL = "admin@demo.example"

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
    user = register_user(email, None, Profile(name, country, "Demo Ministry of Digital Affairs", zone))
    user.password_hash = password_hash
    return user


def demo_loaded() -> bool:
    return find_user_by_email(ADMIN_EMAIL) is not None


def load_demo() -> tuple[Cohort, list[DemoLogin]]:
    """Import the ITU course, make its cohort running and fill it with people; returns the
    logins with their passwords. Refuses when the demo is already there: loading it again
    would undo what people changed in the browser since."""
    if demo_loaded():
        raise ConflictError("The demo is already loaded. For new passwords: flask --app wsgi lms demo "
                            "--reset-passwords")
    for course_file in sorted(COURSE_FILE.parent.glob("*.toml")):  # the catalogue: every shipped course
        import_course(load_course_file(course_file))
    cohort = db.session.execute(db.select(Cohort).where(Cohort.slug == DEMO_COHORT)).scalar_one()
    cohort.status = CohortStatus.RUNNING
    db.session.flush()

    passwords = {email: secrets.token_urlsafe(9) for email in demo_emails()}
    admin = _user(ADMIN_EMAIL, "Ada Admin", "CH", "Europe/Zurich", hash_password(passwords[ADMIN_EMAIL]))
    admin.is_site_admin = True
    for email, name, role, country, zone in STAFF:
        add_member(cohort, _user(email, name, country, zone, hash_password(passwords[email])), role)
    shared = passwords[participant_email(PARTICIPANTS[0][0])]
    shared_hash = hash_password(shared)
    for name, country, zone in PARTICIPANTS:
        add_member(cohort, _user(participant_email(name), name, country, zone, shared_hash), Role.PARTICIPANT)
    db.session.flush()
    from lms.groups.services import save_formation

    save_formation(cohort, 0, None)  # balanced project groups, to see on the Groups page
    return cohort, _logins(passwords)


def reset_demo_passwords() -> list[DemoLogin]:
    """New passwords for the demo accounts (their open sessions end, as with any reset)."""
    passwords = {email: secrets.token_urlsafe(9) for email in demo_emails()}
    shared_hash = hash_password(passwords[participant_email(PARTICIPANTS[0][0])])
    own_password = {ADMIN_EMAIL, *(s[0] for s in STAFF)}
    for email in demo_emails():
        user = find_user_by_email(email)
        if user is None:
            continue
        user.password_hash = hash_password(passwords[email]) if email in own_password else shared_hash
        end_all_sessions(user)
    db.session.flush()
    return _logins(passwords)


def demo_emails() -> list[str]:
    return [ADMIN_EMAIL, *(s[0] for s in STAFF), *(participant_email(p[0]) for p in PARTICIPANTS)]


def _logins(passwords: dict[str, str]) -> list[DemoLogin]:
    first = participant_email(PARTICIPANTS[0][0])
    return [DemoLogin(ADMIN_EMAIL, "site admin", passwords[ADMIN_EMAIL]),
            *(DemoLogin(email, role.value, passwords[email]) for email, _, role, _, _ in STAFF),
            DemoLogin(first, f"participant (all {len(PARTICIPANTS)} share it)", passwords[first])]
