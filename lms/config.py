"""Configuration classes of the standalone application, read from environment variables.

``create_app()`` picks one by ``LMS_ENV`` (development, testing, production; default
development). Every option the LMS itself reads has a default in ``lms.LMS.init_app``, so a
host application that mounts the LMS only needs its own settings (and never imports this
module). The top-level ``config.py`` of a checkout re-exports it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
#: The checkout (``make run``), or the working directory when the LMS is an installed package.
BASE_DIR = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
INSTANCE_DIR = Path(os.environ.get("LMS_INSTANCE_PATH", BASE_DIR / "instance"))


def _sqlite_default() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}"


def _development_secret() -> str:
    """A random key kept in instance/ so sessions survive a restart of the dev server."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _host_list(value: str) -> list[str]:
    return [host.strip() for host in value.split(",") if host.strip()]


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_default()
    MAX_CONTENT_LENGTH = int(os.environ.get("LMS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    #: Throttle counters. memory:// counts per process: with several workers or hosts use
    #: redis://host:6379/0 (pip install 'lms[redis]') so they share one count.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: SMTP delivery of the outbox (by the scheduler's ``outbox.deliver`` job). Without
    #: MAIL_SERVER, mail stays in the outbox table and the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = os.environ.get("MAIL_PORT")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "0")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "lms@localhost")
    #: The scheduler's lease (seconds): a second scheduler takes over this long after the first stopped renewing.
    LMS_SCHEDULER_LEASE_SECONDS = int(os.environ.get("LMS_SCHEDULER_LEASE_SECONDS", 60))
    #: Run every periodic job this often instead of its own interval (tests, demos); unset normally.
    LMS_JOB_INTERVAL_SECONDS = float(os.environ.get("LMS_JOB_INTERVAL_SECONDS") or 0) or None
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_FROM = os.environ.get("MAIL_FROM", "lms@localhost")
    #: Where the site is served; every link in e-mails, PDFs, QR codes, credentials and feeds
    #: starts with it. Required (https) in production.
    LMS_BASE_URL = os.environ.get("LMS_BASE_URL", "http://127.0.0.1:5000")
    #: Other host names to answer for (comma-separated); requests for any other are refused.
    LMS_TRUSTED_HOSTS = _host_list(os.environ.get("LMS_TRUSTED_HOSTS", ""))
    #: 0 only behind a proxy that checks Host itself (links still come from LMS_BASE_URL).
    LMS_REFUSE_UNTRUSTED_HOSTS = os.environ.get("LMS_REFUSE_UNTRUSTED_HOSTS", "1") != "0"
    #: Write whole e-mail bodies (with their links) to the log. Development only: the
    #: bodies carry reset tokens, which must never reach a production log.
    LMS_MAIL_LOG_BODY = False


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret()
    LMS_MAIL_LOG_BODY = True
    # `make run` serves http://127.0.0.1:5000; http://localhost:5000 works too.
    LMS_TRUSTED_HOSTS = _host_list(os.environ.get("LMS_TRUSTED_HOSTS", "localhost"))


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("LMS_TEST_DATABASE_URL") or "sqlite://"
    SERVER_NAME = None
    # Fixed, whatever the environment says: links point here, and the test client's
    # "localhost" and the browser tests' 127.0.0.1 are the hosts answered for.
    LMS_BASE_URL = "http://127.0.0.1:5000"
    LMS_TRUSTED_HOSTS = ["localhost"]
    LMS_REFUSE_UNTRUSTED_HOSTS = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    LMS_HSTS = True

    def __init__(self) -> None:
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set in production (LMS_ENV=production).")
        self.SECRET_KEY = key
        self.LMS_BASE_URL = _production_base_url()


def _production_base_url() -> str:
    """LMS_BASE_URL, required in production and https unless LMS_ALLOW_HTTP_BASE_URL=1:
    links in e-mails and certificates must not be built from the request's Host."""
    url = os.environ.get("LMS_BASE_URL", "").strip()
    if not url:
        raise RuntimeError("LMS_BASE_URL must be set in production (LMS_ENV=production), e.g. https://lms.example.org")
    if not url.lower().startswith("https://") and os.environ.get("LMS_ALLOW_HTTP_BASE_URL") != "1":
        raise RuntimeError(f"LMS_BASE_URL must be https in production, not {url!r} "
                           "(set LMS_ALLOW_HTTP_BASE_URL=1 to allow http)")
    return url


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
