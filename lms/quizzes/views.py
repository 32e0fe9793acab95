"""Quiz pages: the cohort's quizzes, taking one (with or without JavaScript), results, and
for staff the editor, attempts, reopening, regrading, item analysis and exports."""
from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth import permissions
from lms.cohorts.models import Cohort, Role
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import LMSError
from lms.core.localtime import in_zone
from lms.quizzes import services
from lms.quizzes.models import Attempt, Quiz

bp = Blueprint("quizzes", __name__, url_prefix="/cohorts/<slug>/quizzes")


def _cohort(slug: str) -> Cohort:
    """The cohort, for its members. Attempts whose time ran out are submitted by the
    scheduler's ``quizzes.submit-overdue`` job (every minute), never by a page view: a GET
    changes nothing. Until the job has run, such an attempt takes no more answers (the
    server's deadline decides) and shows as under way."""
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_join(current_user, cohort))
    return cohort


def _quiz(slug: str, quiz_id: int) -> tuple[Cohort, Quiz]:
    found = services.quiz_in_cohort(slug, quiz_id)
    if found is None:
        _not_found(slug)
    cohort, quiz = found
    permissions.authorize(permissions.can_join(current_user, cohort))
    return cohort, quiz


def _not_found(slug: str, quiz_id: int | None = None) -> NoReturn:
    """What a page of a missing quiz or attempt answers: what the cohort's page would (404
    for no cohort, 403 for someone not in it), then 404 (the quiz, then the attempt)."""
    if quiz_id is None:
        _cohort(slug)
    else:
        _quiz(slug, quiz_id)
    abort(404)


def _staff(cohort: Cohort) -> None:
    permissions.authorize(permissions.can_teach(current_user, cohort))


def _participant(cohort: Cohort) -> None:
    permissions.authorize(Role.PARTICIPANT in permissions.roles_in(current_user, cohort))


def reader_zone(cohort: Cohort) -> str:
    """The zone moments are shown in: the reader's, or the cohort's to someone not logged in."""
    return current_user.timezone if current_user.is_authenticated else cohort.timezone


def in_reader_zone(moment: Any, zone: str) -> str:
    return "" if moment is None else f"{in_zone(moment, zone):%Y-%m-%d %H:%M} ({zone})"


def local(moment: Any, cohort: Cohort) -> str:
    return in_reader_zone(moment, reader_zone(cohort))


@bp.get("")
@login_required
def quiz_list(slug: str) -> str:
    found = services.cohort_quizzes(slug, current_user.id)
    if found is None:
        abort(404)
    cohort, quizzes, attempts = found
    permissions.authorize(permissions.can_join(current_user, cohort))
    mine = attempts if Role.PARTICIPANT in permissions.roles_in(current_user, cohort) else {}
    can_teach = permissions.can_teach(current_user, cohort)
    return render_template("lms/quizzes/list.html", cohort=cohort, quizzes=quizzes, mine=mine, local=local,
                           state=services.quiz_state, can_teach=can_teach,
                           can_set_up=can_teach and bool(cohort.course.knowledge_check) and not any(
                               q.key == "knowledge_check" for q in quizzes))


@bp.post("/setup")
@login_required
def quiz_setup(slug: str) -> Response:
    cohort = _cohort(slug)
    _staff(cohort)
    quiz = services.create_quiz_from_course(cohort, current_user)
    if quiz is None:
        abort(404)
    db.session.commit()
    flash(f"The quiz {quiz.title!r} is ready. Check its dates and settings.", "success")
    return redirect(url_for("lms.quizzes.quiz_edit", slug=slug, quiz_id=quiz.id))


@bp.get("/<lms_id:quiz_id>")
@login_required
def quiz_view(slug: str, quiz_id: int) -> str:
    found = services.quiz_page(slug, quiz_id, current_user.id)
    if found is None:
        _not_found(slug)
    cohort, quiz, questions, attempts = found
    permissions.authorize(permissions.can_join(current_user, cohort))
    return render_template("lms/quizzes/quiz.html", cohort=cohort, quiz=quiz, attempts=attempts, local=local,
                           state=services.quiz_state(quiz), questions=questions,
                           participant=Role.PARTICIPANT in permissions.roles_in(current_user, cohort),
                           can_teach=permissions.can_teach(current_user, cohort),
                           under_way=next((a for a in attempts if a.submitted_at is None), None))


@bp.post("/<lms_id:quiz_id>/start")
@login_required
def attempt_start(slug: str, quiz_id: int) -> Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _participant(cohort)
    try:
        services.start_attempt(quiz, current_user)
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("lms.quizzes.quiz_view", slug=slug, quiz_id=quiz_id))
    db.session.commit()
    return redirect(url_for("lms.quizzes.attempt_take", slug=slug, quiz_id=quiz_id))


def _take_context(cohort: Cohort, quiz: Quiz, attempt: Attempt, page: int) -> dict[str, Any]:
    questions, answers = services.questions_and_answers(attempt)
    page = min(max(page, 0), len(questions) - 1)
    shown = [(i, q, order) for i, (q, order) in enumerate(questions)]
    if quiz.one_per_page:
        shown = shown[page:page + 1]
    return {"cohort": cohort, "quiz": quiz, "attempt": attempt, "shown": shown, "page": page,
            "pages": len(questions), "answers": answers, "answered": len(answers),
            "seconds_left": services.seconds_left(attempt), "local": local}


@bp.get("/<lms_id:quiz_id>/take")
@login_required
def attempt_take(slug: str, quiz_id: int) -> str | Response:
    cohort, quiz = _quiz(slug, quiz_id)
    if Role.PARTICIPANT not in permissions.roles_in(current_user, cohort) and permissions.can_teach(current_user,
                                                                                                    cohort):
        return redirect(url_for("lms.quizzes.quiz_view", slug=slug, quiz_id=quiz_id))  # staff: the quiz's page
    _participant(cohort)
    attempt = services.open_attempt(quiz, current_user)
    if attempt is None:  # submitted (by another tab or the timer), or never started: never an error page
        done = services.attempts_of(quiz, current_user)
        if done:
            flash("This attempt has been submitted; here is what was recorded.", "info")
            return redirect(url_for("lms.quizzes.attempt_result", slug=slug, quiz_id=quiz_id, attempt_id=done[-1].id))
        return redirect(url_for("lms.quizzes.quiz_view", slug=slug, quiz_id=quiz_id))
    page = request.args.get("page", "")
    number = int(page) - 1 if page.isascii() and page.isdigit() and 0 < len(page) < 5 else attempt.page
    return render_template("lms/quizzes/take.html", **_take_context(cohort, quiz, attempt, number))


def _posted_answers(attempt: Attempt) -> dict[int, list[str]]:
    """The answers on the posted page: every question listed in ``shown`` (an empty list
    clears an answer, as unticking every box does)."""
    answers = {}
    for raw in request.form.getlist("shown"):
        if raw.isascii() and raw.isdigit() and len(raw) < 11:
            answers[int(raw)] = request.form.getlist(f"q-{raw}")
    return answers


def _closed_message(quiz: Quiz) -> str:
    """Why nothing more can be saved: the timer submitted the attempt, or someone did."""
    done = services.attempts_of(quiz, current_user)
    if done and done[-1].submitted_by == "timer":
        return ("Time ran out for this attempt, so this answer was not accepted. Every answer saved before then "
                "is kept and has been submitted.")
    return "This attempt has been submitted; its answers can no longer change."


def _time_up(cohort: Cohort, quiz: Quiz, attempt: Attempt, error: LMSError) -> Response:
    """An answer after the time: refused, and the attempt submitted with what was saved."""
    db.session.rollback()
    services.submit_attempt(attempt, current_user)
    db.session.commit()
    flash(str(error), "error")
    return redirect(url_for("lms.quizzes.attempt_result", slug=cohort.slug, quiz_id=quiz.id, attempt_id=attempt.id))


@bp.post("/<lms_id:quiz_id>/take")
@login_required
def attempt_save(slug: str, quiz_id: int) -> Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _participant(cohort)
    attempt = services.open_attempt(quiz, current_user)
    if attempt is None:
        flash(_closed_message(quiz), "error")
        return redirect(url_for("lms.quizzes.attempt_take", slug=slug, quiz_id=quiz_id))
    action = request.form.get("action", "save")
    page = request.form.get("page", "0")
    page_number = int(page) if page.isascii() and page.isdigit() and len(page) < 5 else 0
    target = {"next": page_number + 1, "previous": page_number - 1}.get(action, page_number)
    if action.startswith("goto-") and action[5:].isdigit() and len(action) < 10:
        target = int(action[5:])
    target = min(max(target, 0), len(attempt.layout) - 1)
    try:
        saved = services.save_answers(attempt, _posted_answers(attempt), page=target)
    except services.TimeUpError as error:
        return _time_up(cohort, quiz, attempt, error)
    except services.AttemptClosedError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("lms.quizzes.attempt_take", slug=slug, quiz_id=quiz_id))
    except LMSError as error:
        db.session.rollback()
        flash(f"Not saved: {error} Your earlier answers are kept.", "error")
        return redirect(url_for("lms.quizzes.attempt_take", slug=slug, quiz_id=quiz_id, page=page_number + 1))
    if action == "submit":
        done = services.submit_attempt(attempt, current_user)
        db.session.commit()
        flash("Your answers are submitted." if done.now else "This attempt had already been submitted.",
              "success" if done.now else "info")
        return redirect(url_for("lms.quizzes.attempt_result", slug=slug, quiz_id=quiz_id, attempt_id=attempt.id))
    db.session.commit()
    if saved.saved:
        flash(f"Saved at {local(saved.at, cohort)}.", "success")
    return redirect(url_for("lms.quizzes.attempt_take", slug=slug, quiz_id=quiz_id, page=target + 1))


@bp.post("/<lms_id:quiz_id>/answer")
@login_required
def answer_save(slug: str, quiz_id: int) -> tuple[Response, int]:
    """The background save of the page's script: JSON in reply, the same rules."""
    cohort, quiz = _quiz(slug, quiz_id)
    _participant(cohort)
    attempt = services.open_attempt(quiz, current_user)
    if attempt is None:
        return jsonify(ok=False, message=_closed_message(quiz)), 409
    page = request.form.get("page", "")
    try:
        saved = services.save_answers(attempt, _posted_answers(attempt),
                                      page=int(page) if page.isascii() and page.isdigit() and len(page) < 5 else None)
    except services.TimeUpError as error:
        db.session.rollback()
        services.submit_attempt(attempt, current_user)
        db.session.commit()
        return jsonify(ok=False, message=str(error)), 409
    except LMSError as error:
        db.session.rollback()
        return jsonify(ok=False, message=str(error)), 409
    left = services.seconds_left(attempt)  # before the commit expires the attempt: no reload
    db.session.commit()
    return jsonify(ok=True, saved=saved.saved, at=saved.at.isoformat(), seconds_left=left), 200


@bp.get("/<lms_id:quiz_id>/attempts/<lms_id:attempt_id>")
@login_required
def attempt_result(slug: str, quiz_id: int, attempt_id: int) -> str:
    page = services.result_page(slug, quiz_id, attempt_id)
    if page is None:
        _not_found(slug, quiz_id)
    cohort, quiz, attempt = page.cohort, page.quiz, page.attempt
    permissions.authorize(permissions.can_join(current_user, cohort))
    staff = permissions.can_teach(current_user, cohort)
    permissions.authorize(staff or attempt.user_id == current_user.id)
    return render_template("lms/quizzes/result.html", cohort=cohort, quiz=quiz, attempt=attempt, local=local,
                           rows=page.rows,
                           feedback=staff or services.feedback_visible(quiz), staff=staff,
                           person=page.person)


from lms.quizzes import staff_views  # noqa: E402,F401  (the staff pages, on the same blueprint)
