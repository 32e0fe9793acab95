"""Account pages: register, log in and out, profile, password change and reset."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.auth import services
from lms.auth.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from lms.auth.models import User
from lms.core.db import db
from lms.core.errors import LMSError, ValidationError
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


def _log_in(user: User) -> None:
    session.clear()  # a fresh session at login: nothing from before it survives (no fixation)
    services.start_session(user, request.user_agent.string)
    login_user(user)


def _show_errors(form_field_errors: LMSError) -> None:
    for problem in getattr(form_field_errors, "problems", [str(form_field_errors)]):
        flash(problem, "error")


def _login_account_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("lms.main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.timezone.data = "UTC"
    if form.validate_on_submit():
        profile = services.Profile(form.name.data, form.country.data, form.organisation.data, form.timezone.data)
        try:
            user = services.register_user(form.email.data, form.password.data, profile)
        except LMSError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            _log_in(user)
            db.session.commit()
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("lms.main.home"))
    return render_template("lms/auth/register.html", form=form, renamed_zones=RENAMED_ZONES)


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
                services.Profile(form.name.data, form.country.data, form.organisation.data, form.timezone.data),
            )
        except ValidationError as error:
            db.session.rollback()
            _show_errors(error)
        else:
            db.session.commit()
            flash("Profile saved.", "success")
            return redirect(url_for("lms.auth.profile"))
    return render_template("lms/auth/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password_change() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.password.data)
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
@limiter.limit(lambda: current_app.config["LMS_LOGIN_LIMIT"], methods=["POST"], scope="lms-reset-ip")
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
