"""Extension objects, created once and bound to an app by ``LMS.init_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect  # its check runs in the LMS's blueprint (lms.core.security)

from lms.core.db import db

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _not_an_lms_request() -> bool:
    """The LMS's limits count LMS requests only: a host's ``RATELIMIT_DEFAULT`` or
    ``RATELIMIT_APPLICATION``, read by every Flask-Limiter on the app, is the host's own
    limiter's business and is not applied a second time to the host's routes."""
    from lms.core.security import is_lms_response

    return not is_lms_response()

__all__ = ["db", "login_manager", "csrf", "migrate", "limiter"]
