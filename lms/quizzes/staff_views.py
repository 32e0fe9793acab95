"""Staff quiz pages: settings and questions, attempts, reopening, regrading, item analysis
and the export of every answer."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.core.csrf_token import csrf_token
from lms.core.db import db
from lms.core.errors import LMSError, NotFoundError, ValidationError
from lms.core.forms import choices as select_choices
from lms.core.localtime import in_zone, to_utc
from lms.core.paging import paginate
from lms.core.templating import id_urls
from lms.gradebook.export import to_csv, to_xlsx
from lms.quizzes import analysis, editing, services
from lms.quizzes.cells import attempt_row_html
from lms.quizzes.forms import QuestionForm, QuizSettingsForm
from lms.quizzes.views import _quiz, _staff, bp, in_reader_zone, reader_zone


def _settings_form(cohort, quiz) -> QuizSettingsForm:
    form = QuizSettingsForm()
    scheme = cohort.course.grading_spec
    form.component_key.choices = select_choices([("", "None (practice only)")] + [
        (c.key, f"{c.title} ({c.key}, {c.max_points} points)") for c in (scheme.components if scheme else ())])
    if not form.is_submitted():
        form.title.data = quiz.title
        form.opens_at.data = in_zone(quiz.opens_at, cohort.timezone).replace(tzinfo=None) if quiz.opens_at else None
        form.closes_at.data = in_zone(quiz.closes_at, cohort.timezone).replace(tzinfo=None) if quiz.closes_at else None
        form.time_limit_minutes.data = quiz.time_limit_minutes
        form.attempts_allowed.data = quiz.attempts_allowed
        form.one_per_page.data, form.shuffle_questions.data = quiz.one_per_page, quiz.shuffle_questions
        form.shuffle_choices.data, form.feedback.data = quiz.shuffle_choices, quiz.feedback.value
        form.grading.data, form.component_key.data = quiz.grading.value, quiz.component_key or ""
    return form


@bp.route("/<lms_id:quiz_id>/edit", methods=["GET", "POST"])
@login_required
def quiz_edit(slug: str, quiz_id: int) -> str | Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    form = _settings_form(cohort, quiz)
    if form.validate_on_submit():
        try:
            changed = editing.update_settings(quiz, editing.QuizSettings(
                form.title.data, to_utc(form.opens_at.data, cohort.timezone) if form.opens_at.data else None,
                to_utc(form.closes_at.data, cohort.timezone) if form.closes_at.data else None,
                form.time_limit_minutes.data, form.attempts_allowed.data, form.shuffle_questions.data,
                form.shuffle_choices.data, form.one_per_page.data, form.feedback.data, form.grading.data,
                form.component_key.data or None), current_user)
        except LMSError as error:
            db.session.rollback()
            form.form_errors.extend(getattr(error, "problems", [str(error)]))
        else:
            db.session.commit()
            flash("Settings saved." if changed else "Nothing changed.", "success" if changed else "info")
            return redirect(url_for("lms.quizzes.quiz_edit", slug=slug, quiz_id=quiz_id))
    return render_template("lms/quizzes/edit.html", cohort=cohort, quiz=quiz, form=form,
                           questions=services.current_questions(quiz))


def _question_page(cohort, quiz, form: QuestionForm, slot: int | None) -> str | Response:
    if form.validate_on_submit():
        draft = editing.QuestionDraft(form.kind.data, form.text.data or "", form.choices.data or "",
                                      form.correct.data or "", form.accepted.data or "", form.partial_credit.data,
                                      form.explanation.data or "")
        try:
            question = editing.save_question(quiz, slot, draft, current_user)
        except ValidationError as error:
            db.session.rollback()
            form.form_errors.extend(error.problems)
        else:
            db.session.commit()
            flash(f"Question saved (version {question.version}).", "success")
            return redirect(url_for("lms.quizzes.quiz_edit", slug=cohort.slug, quiz_id=quiz.id))
    return render_template("lms/quizzes/question.html", cohort=cohort, quiz=quiz, form=form, slot=slot)


@bp.route("/<lms_id:quiz_id>/questions/new", methods=["GET", "POST"])
@login_required
def question_new(slug: str, quiz_id: int) -> str | Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    return _question_page(cohort, quiz, QuestionForm(), None)


@bp.route("/<lms_id:quiz_id>/questions/<lms_id:slot>", methods=["GET", "POST"])
@login_required
def question_edit(slug: str, quiz_id: int, slot: int) -> str | Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    try:
        question = editing.current_question(quiz, slot)
    except NotFoundError:
        abort(404)
    form = QuestionForm()
    if not form.is_submitted():
        form.kind.data, form.text.data = question.kind, question.text
        form.choices.data = "\n".join(question.choices) if question.kind != "true_false" else ""
        form.correct.data = ("true" if question.correct == [0] else "false") if question.kind == "true_false" \
            else ", ".join(str(c + 1) for c in question.correct)
        form.accepted.data = "\n".join(question.accepted)
        form.partial_credit.data, form.explanation.data = question.partial_credit, question.explanation
    return _question_page(cohort, quiz, form, slot)


@bp.post("/<lms_id:quiz_id>/questions/<lms_id:slot>/remove")
@login_required
def question_remove(slug: str, quiz_id: int, slot: int) -> Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    try:
        editing.remove_question(quiz, slot, current_user)
    except NotFoundError:
        abort(404)
    db.session.commit()
    flash("Question removed from new attempts; attempts that answered it keep it.", "success")
    return redirect(url_for("lms.quizzes.quiz_edit", slug=slug, quiz_id=quiz_id))


@bp.get("/<lms_id:quiz_id>/attempts")
@login_required
def attempt_list(slug: str, quiz_id: int) -> str:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    ids = {"slug": cohort.slug, "quiz_id": quiz.id}
    result_url = id_urls("lms.quizzes.attempt_result", "attempt_id", **ids)
    reopen_url = id_urls("lms.quizzes.attempt_reopen", "attempt_id", **ids)
    token, zone = csrf_token(), reader_zone(cohort)

    def row_html(row: analysis.AttemptRow) -> Markup:
        return attempt_row_html(row, result_url, reopen_url, token, lambda moment: in_reader_zone(moment, zone))

    return render_template("lms/quizzes/attempts.html", cohort=cohort, quiz=quiz, row_html=row_html,
                           page=paginate(analysis.attempt_rows(quiz), request.args.get("page")))


@bp.post("/<lms_id:quiz_id>/attempts/<lms_id:attempt_id>/reopen")
@login_required
def attempt_reopen(slug: str, quiz_id: int, attempt_id: int) -> Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    try:
        attempt = services.get_attempt(quiz, attempt_id)
        services.reopen_attempt(attempt, current_user, request.form.get("reason", "")[:500])
    except NotFoundError:
        abort(404)
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The attempt is open again; the participant can continue where they stopped.", "success")
    return redirect(url_for("lms.quizzes.attempt_list", slug=slug, quiz_id=quiz_id))


@bp.route("/<lms_id:quiz_id>/regrade", methods=["GET", "POST"])
@login_required
def quiz_regrade(slug: str, quiz_id: int) -> str | Response:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    if request.method == "POST":
        changed = services.regrade(quiz, current_user)
        db.session.commit()
        flash(f"{changed} attempt(s) regraded.", "success")
        return redirect(url_for("lms.quizzes.attempt_list", slug=slug, quiz_id=quiz_id))
    return render_template("lms/quizzes/regrade.html", cohort=cohort, quiz=quiz,
                           changes=services.regrade_preview(quiz))


@bp.get("/<lms_id:quiz_id>/analysis")
@login_required
def quiz_analysis(slug: str, quiz_id: int) -> str:
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    items = analysis.item_analysis(quiz)
    return render_template("lms/quizzes/analysis.html", cohort=cohort, quiz=quiz, items=items,
                           chart=analysis.chart(items))


@bp.get("/<lms_id:quiz_id>/answers.<fmt>")
@login_required
def answers_export(slug: str, quiz_id: int, fmt: str) -> Response:
    if fmt not in {"csv", "xlsx"}:
        abort(404)
    cohort, quiz = _quiz(slug, quiz_id)
    _staff(cohort)
    table = analysis.answers_table(quiz)
    if fmt == "csv":
        body, mimetype = to_csv(table), "text/csv"
    else:
        body = to_xlsx(table, "answers", numeric_columns={"attempt", "points", "score", "of"})
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{cohort.slug}-{quiz.key}-answers.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
