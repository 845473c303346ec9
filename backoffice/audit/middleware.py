"""Staff sessions end after a spell of inactivity and, whatever the activity, after an
absolute lifetime. The logout that ends them is recorded in the audit chain like any other,
with the reason, so an auditor can tell a timeout from a deliberate logout."""

import time

from django.conf import settings
from django.contrib.auth import logout

LOGIN_AT = "_staff_login_at"
SEEN_AT = "_staff_seen_at"
# Refreshing the last-seen stamp writes the session; once a minute is precise enough for a
# timeout counted in minutes and spares a write on every request.
TOUCH_EVERY_SECONDS = 60


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request) -> None:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:  # a session from before this middleware
            session[LOGIN_AT] = session.get(LOGIN_AT, now)
            session[SEEN_AT] = now
            return
        reason = ""
        if now - seen_at > settings.STAFF_SESSION_IDLE_SECONDS:
            reason = "idle_timeout"
        elif now - login_at > settings.STAFF_SESSION_SECONDS:
            reason = "session_lifetime"
        if reason:
            request.session_end_reason = reason  # read by the audit logout receiver
            logout(request)
            return
        if now - seen_at >= TOUCH_EVERY_SECONDS:
            session[SEEN_AT] = now


def stamp_login(request) -> None:
    """Called on login: the absolute lifetime and the idle clock start now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
