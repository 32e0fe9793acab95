"""``Cohort.participant_count`` (kept by triggers on memberships, migration 0013) equals the
number of participant memberships after every kind of write that adds, removes or changes
one: the services (enrolment, removal, applications), plain ORM rows, raw SQL, and cascades."""
from __future__ import annotations

import sqlalchemy as sa

from lms.applications import services as applying
from lms.applications.models import ApplicationStatus
from lms.auth.models import User
from lms.cohorts import services
from lms.cohorts.models import Cohort, Membership, Role
from lms.core.db import db
from tests.applying import submitted, taking_applications
from tests.conftest import enrol, make_cohort, make_user


def _kept_and_counted(cohort_id: int) -> tuple[int, int]:
    kept = db.session.execute(sa.select(Cohort.participant_count).where(Cohort.id == cohort_id)).scalar_one()
    counted = db.session.execute(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.cohort_id == cohort_id, Membership.role == Role.PARTICIPANT)).scalar_one()
    return kept, counted


def _assert_kept(cohort_id: int, expected: int) -> None:
    assert _kept_and_counted(cohort_id) == (expected, expected)


def test_every_write_to_a_participant_membership_keeps_the_count(ctx) -> None:
    cohort = make_cohort()
    other = make_cohort("another-cohort")
    coordinator = make_user("coordinator@example.org", "Coordinator Коваленко")
    enrol(coordinator, cohort, Role.COORDINATOR)
    db.session.commit()
    _assert_kept(cohort.id, 0)

    # Enrolment (form and CSV): participants count, an instructor does not.
    people = [services.Enrolment("nguyen.van.an@example.org", "Nguyễn Văn An", Role.PARTICIPANT),
              services.Enrolment("amina@example.org", "أمينة ديالو", Role.PARTICIPANT),
              services.Enrolment("li.wei@example.org", "李伟", Role.PARTICIPANT),
              services.Enrolment("priya@example.org", "प्रिया शर्मा", Role.INSTRUCTOR)]
    services.enrol_people(cohort, people, coordinator)
    db.session.commit()
    _assert_kept(cohort.id, 3)

    # The same person again changes nothing; one person as participant and instructor counts once.
    services.add_member(cohort, db.session.execute(sa.select(User).filter_by(email="li.wei@example.org")).scalar_one(),
                        Role.PARTICIPANT)
    priya = db.session.execute(sa.select(User).filter_by(email="priya@example.org")).scalar_one()
    services.add_member(cohort, priya, Role.PARTICIPANT)
    db.session.commit()
    _assert_kept(cohort.id, 4)

    # Removal by a coordinator.
    membership = db.session.execute(sa.select(Membership).filter_by(cohort_id=cohort.id, user_id=priya.id,
                                                                    role=Role.PARTICIPANT)).scalar_one()
    services.remove_member(cohort, membership.id, coordinator)
    db.session.commit()
    _assert_kept(cohort.id, 3)

    # Applications: selected (a participant), then withdrawn (no longer one), then an offer accepted.
    taking_applications(cohort)
    ivan = make_user("ivan@example.org", "Иван Петров")
    application = submitted(cohort, ivan)
    applying.decide(application, ApplicationStatus.SELECTED, "", coordinator)
    db.session.commit()
    _assert_kept(cohort.id, 4)
    applying.withdraw_application(application, ivan)
    db.session.commit()
    _assert_kept(cohort.id, 3)
    offered = submitted(cohort, make_user("lan@example.org", "Trần Thị Lan"), status=ApplicationStatus.OFFERED)
    applying.accept_offer(offered)
    db.session.commit()
    _assert_kept(cohort.id, 4)

    # A plain ORM row (the test factories, the benchmarks) and raw SQL: the database keeps it.
    enrol(make_user("zhang@example.org", "张伟"), cohort, Role.PARTICIPANT)
    db.session.commit()
    _assert_kept(cohort.id, 5)
    anyone = db.session.execute(sa.select(Membership).filter_by(cohort_id=cohort.id, role=Role.PARTICIPANT)
                                .order_by(Membership.id)).scalars().first()
    db.session.execute(sa.update(Membership).where(Membership.id == anyone.id).values(role=Role.INSTRUCTOR)
                       .execution_options(synchronize_session=False))
    _assert_kept(cohort.id, 4)
    db.session.execute(sa.update(Membership).where(Membership.id == anyone.id)
                       .values(role=Role.PARTICIPANT, cohort_id=other.id).execution_options(synchronize_session=False))
    _assert_kept(cohort.id, 4)
    _assert_kept(other.id, 1)
    db.session.execute(sa.delete(Membership).where(Membership.cohort_id == other.id)
                       .execution_options(synchronize_session=False))
    _assert_kept(other.id, 0)
    db.session.commit()
    _assert_kept(cohort.id, 4)

    # A rolled-back enrolment leaves the count as it was.
    services.add_member(cohort, make_user("ghost@example.org", "Ghost"), Role.PARTICIPANT)
    db.session.flush()
    _assert_kept(cohort.id, 5)
    db.session.rollback()
    _assert_kept(cohort.id, 4)

    # A person's account deleted with their memberships (the database's cascade).
    zhang = db.session.execute(sa.select(User.id).filter_by(email="zhang@example.org")).scalar_one()
    db.session.execute(sa.delete(User).where(User.id == zhang).execution_options(synchronize_session=False))
    _assert_kept(cohort.id, 3)
    db.session.commit()


def test_the_cohort_page_shows_the_kept_count_even_for_a_cohort_already_in_the_session(app, ctx) -> None:
    from tests.conftest import log_in_as

    cohort = make_cohort()
    viewer = make_user("viewer@example.org", "Fatima Zahra")
    enrol(viewer, cohort, Role.PARTICIPANT)
    db.session.commit()
    page = services.cohort_page(cohort.slug)  # the Cohort object now sits in this session
    assert page.participants == 1
    enrol(make_user("second@example.org", "Ngô Thị Hạnh"), cohort, Role.PARTICIPANT)
    db.session.commit()
    assert services.cohort_page(cohort.slug).participants == 2
    client = app.test_client()
    log_in_as(client, viewer.id)
    assert "<dd>2 of 32</dd>" in client.get(f"/cohorts/{cohort.slug}").get_data(as_text=True)
