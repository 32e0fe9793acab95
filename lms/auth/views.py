"""Account pages: register, log in and out, profile, password change and reset."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import services
from lms.auth.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterCompleteForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from lms.auth.models import User
from lms.core.db import db
from lms.core.errors import LMSError, ValidationError, WrongPasswordError
from lms.core.time import RENAMED_ZONES
from lms.extensions import limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only paths on this site; anything else (``//evil.example``, ``/\\evil.example``, line
    breaks that would split the Location header) goes home."""
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("lms.main.home")


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login's loader: the user of a live, unexpired login session, or None."""
    user, changed, roles = services.resume_session(token)
    if changed:
        g.lms_login_session_changed = True
    if user is not None and request.method in ("GET", "HEAD"):
        # Read with the session: a page asking what the person may do needs no statement of its
        # own. Only for requests that change nothing, so a write cannot be judged by roles it changed.
        g.setdefault("lms_roles", {})[user.id] = roles
    return user


def save_login_session_changes() -> None:
    """Before every LMS request: load the user first, and commit an expired session's end or a
    new "last seen" at once, before the view does anything (GET views never commit)."""
    _ = current_user.is_authenticated
    if g.pop("lms_login_session_changed", False):
        db.session.commit()


def _log_in(user: User) -> None:
    session.clear()  # a fresh session at login: nothing from before it survives (no fixation)
    services.start_session(user, request.user_agent.string)
    login_user(user)


def _show_errors(form_field_errors: LMSError) -> None:
    for problem in getattr(form_field_errors, "problems", [str(form_field_errors)]):
        flash(problem, "error")


def _login_account_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


def _submitted_email_key() -> str:
    """Counts per e-mail address typed, whoever types it and from wherever."""
    return "email:" + (request.form.get("email") or "").strip().lower()


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LMS_REGISTER_LIMIT"], methods=["POST"], scope="lms-register-ip")
@limiter.limit(lambda: current_app.config["LMS_REGISTER_ACCOUNT_LIMIT"], key_func=_submitted_email_key,
               methods=["POST"], scope="lms-register-account")
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("lms.main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.request_registration(form.email.data)
        except ValidationError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            db.session.commit()
            flash("We have e-mailed that address a link to finish creating your account. Check your e-mail "
                  "(and the spam folder).", "info")
            return redirect(url_for("lms.auth.login"))
    return render_template("lms/auth/register.html", form=form)


@bp.route("/register/<token>", methods=["GET", "POST"])
def register_complete(token: str) -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("lms.main.home"))
    address = services.registration_address(token)
    if address is None:
        flash("That link has expired or has been used. If you have an account, log in; otherwise ask for a new "
              "link.", "error")
        return redirect(url_for("lms.auth.register"))
    form = RegisterCompleteForm()
    if request.method == "GET":
        form.timezone.data = "UTC"
    if form.validate_on_submit():
        profile = services.Profile(form.name.data, form.country.data, form.organisation.data, form.timezone.data)
        try:
            user = services.register_user(address, form.password.data, profile)
        except LMSError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            _log_in(user)
            db.session.commit()
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("lms.main.home"))
    return render_template("lms/auth/register_complete.html", form=form, email=address,
                           renamed_zones=RENAMED_ZONES)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LMS_LOGIN_LIMIT"], methods=["POST"], scope="lms-login-ip")
@limiter.limit(
    lambda: current_app.config["LMS_LOGIN_ACCOUNT_LIMIT"],
    key_func=_login_account_key,
    methods=["POST"],
    scope="lms-login-account",
    deduct_when=lambda response: response.status_code != 302,
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if user is not None:
            _log_in(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        db.session.commit()
        flash("That e-mail and password do not match an account.", "error")
    return render_template("lms/auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    services.end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("lms.auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                services.Profile(form.name.data, form.country.data, form.organisation.data, form.timezone.data,
                                 form.gender.data or ""),
            )
        except ValidationError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            db.session.commit()
            flash("Profile saved.", "success")
            return redirect(url_for("lms.auth.profile"))
    from lms.notifications.forms import ReminderSettingsForm

    reminder_form = ReminderSettingsForm(mute_reminders=current_user.mute_reminders, formdata=None)
    return render_template("lms/auth/profile.html", form=form, reminder_form=reminder_form,
                           sessions=services.live_sessions(current_user),
                           this_session=current_user.session_id, device_name=services.device_name)


@bp.post("/account/sessions/<lms_id:session_id>/end")
@login_required
def session_end(session_id: int) -> Response:
    try:
        services.end_own_session(current_user, session_id)
    except LMSError as error:
        db.session.rollback()
        _show_errors(error)
        return redirect(url_for("lms.auth.profile"))
    db.session.commit()
    if session_id == current_user.session_id:
        logout_user()
        session.clear()
        flash("You are logged out.", "info")
        return redirect(url_for("lms.auth.login"))
    flash("That session is ended: the device it was on is logged out.", "success")
    return redirect(url_for("lms.auth.profile"))


@bp.post("/account/sessions/end-others")
@login_required
def sessions_end_others() -> Response:
    services.end_other_sessions(current_user, current_user.session_token)
    db.session.commit()
    flash("Every other session is ended; only this device is still logged in.", "success")
    return redirect(url_for("lms.auth.profile"))


def _account_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _wrong_password_given(response: Response) -> bool:
    return bool(g.get("lms_wrong_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LMS_PASSWORD_CHANGE_LIMIT"], methods=["POST"],
               scope="lms-password-change-ip", deduct_when=_wrong_password_given)
@limiter.limit(lambda: current_app.config["LMS_PASSWORD_CHANGE_ACCOUNT_LIMIT"], key_func=_account_key,
               methods=["POST"], scope="lms-password-change-account", deduct_when=_wrong_password_given)
def password_change() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.password.data)
        except WrongPasswordError as error:
            g.lms_wrong_password = True  # only these count towards the throttle
            db.session.rollback()
            _show_errors(error)
        except ValidationError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            _log_in(user)
            db.session.commit()
            flash("Password changed. Your other sessions have been logged out.", "success")
            return redirect(url_for("lms.auth.profile"))
    return render_template("lms/auth/password_change.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LMS_RESET_LIMIT"], methods=["POST"], scope="lms-reset-ip")
@limiter.limit(lambda: current_app.config["LMS_RESET_ACCOUNT_LIMIT"], key_func=_submitted_email_key,
               methods=["POST"], scope="lms-reset-account")
def reset_request() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash("If an account uses that address, a reset link is on its way. Check your e-mail.", "info")
        return redirect(url_for("lms.auth.login"))
    return render_template("lms/auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    user = services.user_from_reset_token(token)
    if user is None:
        flash("That link has expired or has been used. Ask for a new one.", "error")
        return redirect(url_for("lms.auth.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except ValidationError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            _log_in(user)
            db.session.commit()
            flash("Your password is set and you are logged in.", "success")
            return redirect(url_for("lms.main.home"))
    return render_template("lms/auth/reset.html", form=form, user=user)
