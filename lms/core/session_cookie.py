"""The standalone app's session cookie: Flask's signed cookie, each distinct cookie's
signature checked once per process instead of at every request.

Flask builds a new serializer for every request and checks the cookie's HMAC from scratch
(deriving the key again each time): a tenth of a page's own work on a page that reads one
row. A browser sends the same cookie until the session changes, so the signature of a
given cookie, under a given key, need only be checked once: this remembers the cookies it
has checked (their payload and signing time) and still checks their age at every request,
as Flask does. A cookie that fails the check is never remembered, and a new key (or new
fallback keys) starts from an empty memory. The payload is decoded afresh at every request,
so no request sees another's session objects.

Only :func:`lms.create_app` installs it: mounted in a host app, the LMS leaves the host's
session interface alone.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: How many distinct cookies are remembered (about 300 bytes each); the least recently seen go first.
REMEMBERED_COOKIES = 4096


class CheckedOnceCookieSessions(SecureCookieSessionInterface):
    """:class:`flask.sessions.SecureCookieSessionInterface`, remembering checked cookies."""

    def __init__(self, remembered: int = REMEMBERED_COOKIES) -> None:
        self._remembered = remembered
        self._lock = threading.Lock()
        self._keys: tuple[object, ...] | None = None
        self._serializer: URLSafeTimedSerializer | None = None
        self._checked: OrderedDict[str, tuple[bytes, float]] = OrderedDict()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        with self._lock:
            if keys != self._keys:  # a new key: nothing checked under the old one counts
                self._keys, self._checked = keys, OrderedDict()
                self._serializer = super().get_signing_serializer(app)
            return self._serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        checked = self._check(serializer, value)
        if checked is None:
            return self.session_class()
        payload, signed_at = checked
        age = time.time() - signed_at
        if age < 0 or age > max_age:  # what itsdangerous refuses as SignatureExpired
            return self.session_class()
        try:
            return self.session_class(serializer.load_payload(payload))
        except BadSignature:
            return self.session_class()

    def _check(self, serializer: URLSafeTimedSerializer, value: str) -> tuple[bytes, float] | None:
        """The cookie's payload and signing time (seconds since the epoch) if its signature
        holds under one of ``serializer``'s keys, else None. Only what was checked under the
        current keys is looked up or remembered: a request that began under keys replaced
        since checks its cookie as Flask would, and leaves nothing behind."""
        with self._lock:
            found = self._checked.get(value) if serializer is self._serializer else None
            if found is not None:
                self._checked.move_to_end(value)
                return found
        for signer in serializer.iter_unsigners():
            try:
                payload, signed_at = signer.unsign(value, return_timestamp=True)
            except BadSignature:
                continue
            found = (payload, signed_at.timestamp())
            with self._lock:
                if serializer is self._serializer:
                    self._checked[value] = found
                    if len(self._checked) > self._remembered:
                        self._checked.popitem(last=False)
            return found
        return None
