"""Secrets kept out of error pages, error reports and logs, DEBUG's pages included.

Django's own filter hides settings and request variables by name (KEY, TOKEN, SECRET, ...)
and the local variables of functions marked `sensitive_variables`. That leaves the Slack
webhook URL (the secret is its path), database and Redis URLs with a password in them, and
any secret that turns up elsewhere: in an exception's message, a local variable, the
process environment runserver copies into `request.META`. So, on top of the names, every
string shown is cleaned of the configured secrets' values and of URL credentials.
"""

import html
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MASK = SafeExceptionReporterFilter.cleansed_substitute

# Names whose values are secret: Django's list, plus webhook URLs, DSNs and the URLs that
# carry database and broker credentials.
SECRET_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|WEBHOOK|DSN"
    r"|DATABASE_URL|REDIS_URL|BROKER_URL|CACHE_URL",
    flags=re.IGNORECASE,
)
# Settings whose own values are masked wherever they appear (URLs named *_URL are masked by
# their credentials, below: GITHUB_API_URL is no secret).
SECRET_VALUE_NAMES = re.compile(r"TOKEN|KEY|SECRET|PASS|SIGNATURE|WEBHOOK|DSN", flags=re.I)
# scheme://user:password@host, or scheme://token@host (a Sentry DSN, a git URL): the
# whole user part goes.
URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)[^/\s@]+@", re.I)

# Shorter values, and words or dotted paths (`AXES_PASSWORD_FORM_FIELD = "password"`), are
# not secrets worth a substring search: masking them would blank ordinary text.
MIN_SECRET_LENGTH = 8
NOT_A_SECRET = re.compile(r"[A-Za-z_][A-Za-z_.]*")


def secret_values() -> list[str]:
    """The values of the configured secrets: settings named like one, the database password."""
    found: set[str] = set()
    for name in dir(settings):
        value = getattr(settings, name, None)
        if name.isupper() and SECRET_VALUE_NAMES.search(name) and isinstance(value, str):
            found.add(value)
    for database in settings.DATABASES.values():
        found.add(str(database.get("PASSWORD") or ""))
    found.add(str(settings.Q_CLUSTER.get("redis") or ""))
    found = {
        value
        for value in found
        if len(value) >= MIN_SECRET_LENGTH and not NOT_A_SECRET.fullmatch(value)
    }
    # The longest first, so a secret containing another is masked whole.
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """`text` without the configured secrets' values and without credentials in URLs."""
    for secret in secret_values() if secrets is None else secrets:
        text = text.replace(secret, MASK)
    return URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{MASK}@", text)


class SecretsFilter(SafeExceptionReporterFilter):
    """Hides settings and request variables by the wider list of names, and cleans values."""

    hidden_settings = SECRET_NAMES

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return redact(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = secret_values()
        return [
            (name, redact(value, secrets) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class SecretsReporter(ExceptionReporter):
    """The debug page and the emailed report, cleaned as a whole: exception messages and the
    repr of any object hold what no variable name gives away."""

    def get_traceback_data(self) -> dict[str, Any]:
        try:
            return super().get_traceback_data()
        except SuspiciousOperation:
            # The request itself is what was refused (too many fields in its query string):
            # Django's report reads `request.GET` again and would fail in its turn, turning
            # DEBUG's 400 page into a 500. Reported without the request.
            self.request = None
            return super().get_traceback_data()

    def get_traceback_html(self) -> str:
        secrets = secret_values()
        escaped = [html.escape(secret) for secret in secrets]
        return redact(super().get_traceback_html(), sorted({*secrets, *escaped}, key=len)[::-1])

    def get_traceback_text(self) -> str:
        return redact(super().get_traceback_text())


class RedactingFormatter(logging.Formatter):
    """Log lines (tracebacks included) without the secrets' values or URL credentials."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def failed_task_saved(sender: type, instance: Any, **kwargs: Any) -> None:
    """A failed django-q2 task keeps its error and traceback as its result, which the admin's
    "Failed tasks" shows: the error of a post to Slack names the webhook URL. Masked before
    it is stored, like a log line."""
    if not instance.success and isinstance(instance.result, str):
        instance.result = redact(instance.result)
