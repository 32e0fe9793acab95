"""A learning-management plug-in for cohort-based courses.

Standalone: ``create_app()`` (see ``wsgi.py``). Inside another Flask app::

    from lms import LMS
    LMS().init_app(host_app, url_prefix="/learn", db=host_db)

and ``flask lms db upgrade`` builds its tables (README: "Mount it in your app").
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask
from flask_sqlalchemy import SQLAlchemy

from lms.core.db import db as lms_db
from lms.extensions import limiter, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _shipped(name: str) -> Path:
    """``templates/`` and ``migrations/``: at the top of a checkout, inside the package in a
    built wheel (copied there by setup.py's build step)."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PROJECT_DIR / name


TEMPLATES_DIR = _shipped("templates")
MIGRATIONS_DIR = _shipped("migrations")

DEFAULTS: dict[str, Any] = {
    "LMS_SITE_NAME": "Cohort courses",
    "LMS_LOGIN_LIMIT": "10 per minute",
    "LMS_LOGIN_ACCOUNT_LIMIT": "5 per minute",
    #: Per address (IP) and per e-mail address: registrations, reset requests and wrong
    #: current passwords on the password-change form. Each e-mail sent counts against the
    #: address it goes to, so nobody can flood one mailbox from many machines.
    "LMS_REGISTER_LIMIT": "20 per hour",
    "LMS_REGISTER_ACCOUNT_LIMIT": "3 per hour",
    "LMS_RESET_LIMIT": "20 per hour",
    "LMS_RESET_ACCOUNT_LIMIT": "3 per hour",
    "LMS_PASSWORD_CHANGE_LIMIT": "10 per hour",
    "LMS_PASSWORD_CHANGE_ACCOUNT_LIMIT": "5 per 15 minutes",
    "LMS_PASSWORD_RESET_MAX_AGE": 3600,
    #: Login sessions end after this long without a request (a working day: a shared or lost
    #: device is not left logged in overnight, yet nobody is logged out mid-session)...
    "LMS_SESSION_IDLE": 8 * 3600,
    #: ...and this long after the login whatever happens (a stolen cookie does not last for ever;
    #: a month of a course is not interrupted by more than one login).
    "LMS_SESSION_MAX_AGE": 30 * 86400,
    #: "Last seen" is written when older than this, not on every request.
    "LMS_SESSION_TOUCH_INTERVAL": 60,
    #: The e-mailed link that finishes a registration.
    "LMS_REGISTRATION_LINK_MAX_AGE": 86400,
    #: Links in "you are enrolled" e-mails to people who had no account: they may read it days later.
    "LMS_WELCOME_LINK_MAX_AGE": 7 * 86400,
    #: Private calendar feeds are looked up by secret; throttle guessing.
    "LMS_FEED_LIMIT": "60 per minute",
    #: Public certificate verification: codes are 160-bit, and guessing is throttled too.
    "LMS_VERIFY_LIMIT": "30 per minute",
    #: Uploaded files; None means ``<instance>/uploads``.
    "LMS_UPLOAD_DIR": None,
    #: What an uploaded archive (Office, OpenDocument, ZIP) may declare, read without unpacking
    #: it: total unpacked size, number of files, and compression ratio of any part over 1 MiB.
    "LMS_UPLOAD_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    "LMS_UPLOAD_MAX_MEMBERS": 1000,
    "LMS_UPLOAD_MAX_COMPRESSION_RATIO": 200,
    #: Largest project file a group may upload (PDF, PPTX, DOCX, XLSX, ODP, ODT, ZIP).
    "LMS_PROJECT_MAX_BYTES": 50 * 1024 * 1024,
    #: A factory ``(app) -> ProjectStorage`` for shared storage; None: a local folder (lms.projects.storage).
    "LMS_PROJECT_STORAGE": None,
    #: Width × height of an uploaded PNG or JPEG.
    "LMS_UPLOAD_MAX_IMAGE_PIXELS": 100_000_000,
    #: Where links in e-mails sent outside a web request (CLI, jobs) point; no trailing slash.
    #: Where the application is served (a host app's root when mounted; the LMS prefix is added).
    #: Every absolute link written for later (e-mails, PDFs, QR codes, credentials, feeds)
    #: starts with it, never with the request's Host. Required in production.
    "LMS_BASE_URL": "http://127.0.0.1:5000",
    #: Host names the LMS answers for besides the base URL's (list or comma-separated).
    "LMS_TRUSTED_HOSTS": [],
    #: Refuse (400) LMS requests for any other host. Off only behind a proxy that checks Host itself.
    "LMS_REFUSE_UNTRUSTED_HOSTS": True,
    "LMS_HSTS": False,
    #: The Content-Security-Policy of LMS pages; None is lms.core.security.CSP (everything from
    #: the site itself). A host whose base template (LMS_BASE_TEMPLATE) loads scripts, styles or
    #: fonts from elsewhere names them here.
    "LMS_CONTENT_SECURITY_POLICY": None,
    #: With LMS_HOST_USER, a function returning (email, display name) of the host's logged-in
    #: user or None (or "module:function"), the host's login is the LMS's: README, "Mount it in
    #: your app". LMS_HOST_LOGIN_VIEW is the login endpoint for a host without Flask-Login.
    "LMS_HOST_USER": None,
    "LMS_HOST_LOGIN_VIEW": None,
    #: A host template LMS pages extend instead of the LMS's own layout (blocks: templates/lms/hosted.html).
    "LMS_BASE_TEMPLATE": None,
    #: Rows per page in the gradebook and the attendance overview.
    "LMS_PAGE_SIZE": 100,
    #: Seconds after a quiz attempt's time runs out during which answers still count (network delay).
    "LMS_QUIZ_GRACE_SECONDS": 10,
    "LMS_MAIL_LOG_BODY": False,
    #: Applications: the largest CV or letter accepted (bytes).
    "LMS_APPLICATION_FILE_MAX_BYTES": 10 * 1024 * 1024,
    #: Hours a waitlisted applicant has to accept a freed place before it passes on.
    "LMS_APPLICATION_OFFER_HOURS": 72,
    #: Reviewers' totals further apart than this (points) are highlighted as a disagreement.
    "LMS_APPLICATION_SCORE_SPREAD": 4,
    #: Days after a cohort's applications close before those of people not selected are deleted.
    "LMS_APPLICATION_RETENTION_DAYS": 180,
    "MAIL_FROM": "lms@localhost",
    #: SMTP delivery (see lms/notifications/delivery.py); no MAIL_SERVER: mail stays in the outbox.
    "MAIL_SERVER": None,
    "MAIL_PORT": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    #: Seconds a sender holds a claimed message; a crashed sender's claims are free after it.
    "LMS_MAIL_CLAIM_SECONDS": 600,
    #: Temporary failures are retried with back-off for this long after queueing, then failed.
    "LMS_MAIL_GIVE_UP_AFTER": 5 * 86400,
    "LMS_MAIL_TIMEOUT": 30,
    #: The scheduler's lease: a second scheduler process takes over this long after the
    #: holder stopped renewing it (it renews every third of it).
    "LMS_SCHEDULER_LEASE_SECONDS": 60,
    #: Reminders are derived for events starting within this many seconds.
    "LMS_REMINDER_HORIZON": 8 * 86400,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    # One process keeps its own counts; several workers should share redis:// or memcached://.
    "RATELIMIT_STORAGE_URI": "memory://",
}


class LMS:
    """The Flask extension. Keeps no reference to an app; state lives in
    ``app.extensions["lms"]``."""

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, url_prefix: str = "", db: SQLAlchemy | None = None) -> None:
        """Mount the LMS on ``app`` under ``url_prefix``.

        ``db``: the host's Flask-SQLAlchemy object (the app's own is found without it); the
        LMS's tables (``lms_*``, on their own metadata) then live in the host's database and
        use its session. Without one the LMS brings its own. Nothing outside the LMS's URLs
        changes: CSRF, rate limits, security headers and error pages apply to LMS requests;
        the host's LoginManager, error handlers and ``flask db`` stay the host's.
        """
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        state = app.extensions.setdefault("lms", {})
        state.setdefault("whole_app", False)
        state["migrations_dir"] = MIGRATIONS_DIR
        app.config["LMS_URL_PREFIX"] = url_prefix
        from lms.core.urls import check_base_url

        try:
            app.config["LMS_BASE_URL"] = check_base_url(app.config["LMS_BASE_URL"])
        except ValueError as error:
            raise RuntimeError(str(error)) from None

        import lms.models  # noqa: F401  (every mapper, before the first query)

        if db is None and "sqlalchemy" not in app.extensions:
            app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}")
        if lms_db.init_app(app, db):
            with app.app_context():  # the LMS's own engine: tuned for it (a host's is left as it is)
                from lms.core.db import tune_engine

                for engine in lms_db.engines.values():
                    tune_engine(engine)
        limiter.init_app(app)
        from lms.auth.host import host_user_adapter, init_host_identity

        adapter = host_user_adapter(app)
        if adapter is not None:
            init_host_identity(app, adapter)
        elif getattr(app, "login_manager", None) is not None:
            raise RuntimeError("The app has its own LoginManager: set LMS_HOST_USER to a function returning the "
                               "logged-in user's (email, display name), or None (see README, Mount it in your app)")
        else:
            _init_login(app)

        from lms.core.assets import init_assets
        from lms.core.converters import ID_CONVERTER, IdConverter

        app.url_map.converters[ID_CONVERTER] = IdConverter  # before the rules that use it
        parent = _build_blueprint()
        init_assets(app, parent, PACKAGE_DIR / "static")
        app.register_blueprint(parent, url_prefix=url_prefix or None)

        from lms.core.cli import lms_cli, register_commands

        register_commands()
        app.cli.add_command(lms_cli)

        from lms.jobs.registry import load_job_modules

        load_job_modules()  # registers jobs and connects signal handlers; starts nothing

        from lms.core.security import init_security

        init_security(app)

        from lms.core.templating import init_templating

        init_templating(app)
        state["url_prefix"] = url_prefix


def _init_login(app: Flask) -> None:
    from lms.auth.views import load_user_by_session_token

    login_manager.init_app(app)
    login_manager.login_view = "lms.auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are ended on the server instead
    login_manager.user_loader(load_user_by_session_token)


def _build_blueprint() -> Blueprint:
    """The parent blueprint: templates, static files, and every feature's blueprint."""
    from lms.applications.views import bp as applications_bp
    from lms.attendance.views import bp as attendance_bp
    from lms.auth.views import bp as auth_bp
    from lms.calendar.views import bp as feeds_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.cohorts.views import bp as cohorts_bp
    from lms.core.security import register_error_pages
    from lms.courses.views import bp as courses_bp
    from lms.gradebook.views import bp as gradebook_bp
    from lms.groups.views import bp as groups_bp
    from lms.jobs.views import bp as jobs_bp
    from lms.main.views import bp as main_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.projects.views import bp as projects_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.sessions.material_views import bp as materials_bp
    from lms.sessions.views import bp as sessions_bp

    parent = Blueprint(
        "lms",
        __name__,
        template_folder=str(TEMPLATES_DIR),
    )
    for child in (main_bp, auth_bp, courses_bp, cohorts_bp, sessions_bp, materials_bp, attendance_bp,
                  gradebook_bp, certificates_bp, feeds_bp, quizzes_bp, groups_bp, projects_bp, notifications_bp,
                  jobs_bp, applications_bp):
        parent.register_blueprint(child)
    register_error_pages(parent)
    from lms.auth.host import restore_host_user, use_host_user
    from lms.auth.views import save_login_session_changes
    from lms.core.security import protect_from_forgery
    from lms.core.urls import refuse_untrusted_host

    parent.before_request(protect_from_forgery)
    parent.before_request(refuse_untrusted_host)
    parent.before_request(use_host_user)
    parent.before_request(save_login_session_changes)
    parent.after_request(restore_host_user)
    return parent


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """The standalone application: the LMS mounted at the root of its own Flask app."""
    from lms.config import CONFIGS, INSTANCE_DIR

    name = config_name or os.environ.get("LMS_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    app = Flask(__name__, static_folder=None, instance_path=str(INSTANCE_DIR))
    app.config.from_object(CONFIGS[name]())
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.extensions["lms"] = {"whole_app": True}  # every URL is the LMS's: headers and error pages too
    from lms.core.session_cookie import CheckedOnceCookieSessions

    app.session_interface = CheckedOnceCookieSessions()  # the app's own cookie (a host keeps its own)
    LMS(app)
    # `flask db upgrade` (the Makefile, CI) runs the LMS's migrations; `flask lms db upgrade` does too.
    migrate.init_app(app, lms_db.own, directory=str(MIGRATIONS_DIR), version_table="alembic_version_lms")

    from lms.core.security import register_error_pages
    from lms.core.urls import trust_only_base_url_hosts

    trust_only_base_url_hosts(app)

    register_error_pages(app)
    return app
