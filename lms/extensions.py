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
#: Only the limits the LMS's views name: a host's RATELIMIT_DEFAULT / RATELIMIT_APPLICATION,
#: which every Flask-Limiter on an app reads, belong to the host's own limiter and are not
#: applied (a second time) by the LMS's, to the host's routes or to the LMS's.
limiter = Limiter(key_func=get_remote_address, default_limits_exempt_when=lambda: True,
                  application_limits_exempt_when=lambda: True)

__all__ = ["db", "login_manager", "csrf", "migrate", "limiter"]
