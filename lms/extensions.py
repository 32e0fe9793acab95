"""Extension objects, created once and bound to an app by ``LMS.init_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from lms.core.db import db

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)

__all__ = ["db", "login_manager", "csrf", "migrate", "limiter"]
