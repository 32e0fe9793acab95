"""The CSRF token LMS pages write into their forms (the menu's "Log out" is one, on every
page), signed once a minute per session instead of at every page.

Flask-WTF's ``generate_csrf`` signs the session's token anew for every request: it builds a
serializer, derives its key and signs a timestamped copy, about a twentieth of a small
page's work. The signed token is valid for ``WTF_CSRF_TIME_LIMIT`` (an hour) from its
timestamp whichever page carries it, so a page may carry one signed a moment ago for the
same session. Here each session's signed token is reused for a sixtieth of the time limit
(a minute of the hour), so a form is never given less than 59/60 of its usual life. It is
kept under the signing key and the session's own token: another session, or the same one
after a new key, never gets it. Forms built by Flask-WTF keep signing their own.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from time import time as clock

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

#: How many sessions' signed tokens are kept (about 200 bytes each); the least recently used go first.
KEPT_TOKENS = 4096
#: The share of the time limit a signed token is given out for; the same share, a minute, when there is no limit.
REUSE_SHARE = 60
NO_LIMIT_REUSE_SECONDS = 60.0

_lock = threading.Lock()
_signed: OrderedDict[tuple[object, str, str], tuple[str, float]] = OrderedDict()


def csrf_token() -> str:
    """The signed CSRF token for this request's session, as ``generate_csrf`` returns it."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    token = g.get(field)
    if token is not None:  # signed already in this request (a form did it)
        return token
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key  # str or bytes
    now = clock()
    key = (secret, field, session.get(field))
    if isinstance(key[2], str):
        limit = config.get("WTF_CSRF_TIME_LIMIT")
        reuse = limit / REUSE_SHARE if limit else NO_LIMIT_REUSE_SECONDS
        with _lock:
            found = _signed.get(key)
            if found is not None and 0 <= now - found[1] < reuse:
                _signed.move_to_end(key)
                setattr(g, field, found[0])
                return found[0]
    token = generate_csrf()  # signs the session's token (making one first if it has none)
    key = (secret, field, session.get(field))
    if isinstance(key[2], str):
        with _lock:
            _signed[key] = (token, now)
            _signed.move_to_end(key)
            while len(_signed) > KEPT_TOKENS:
                _signed.popitem(last=False)
    return token
