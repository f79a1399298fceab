"""Secrets stay out of error pages (DEBUG's included), error reports, logs and the admin."""

import logging
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import path
from django.views.debug import ExceptionReporter

from oncall_site.models import ApiToken
from oncall_site.redaction import RedactingFormatter, SecretsReporter, redact
from rotations.models import CalendarFeed
from tests.clock import NOW

SLACK_WEBHOOK = "https://hooks.example.test/services/TEST/HOOK/redaction-test-path-42"
DATABASE_URL = "postgres://oncall:db-Pa55word-99@db.internal:5432/oncall"
REDIS_URL = "redis://:r3dis-Pa55-77@cache.internal:6379/0"
GITHUB_TOKEN = "test-github-token-for-redaction-0042"
PD_WEBHOOK_SECRET = "pd-webhook-S3CRET-0042"
SENTRY_DSN = "https://0123456789abcdef@o1.ingest.example.io/42"
SECRETS = [
    "0123456789abcdef",
    SLACK_WEBHOOK,
    "db-Pa55word-99",
    "r3dis-Pa55-77",
    GITHUB_TOKEN,
    PD_WEBHOOK_SECRET,
]


def boom(request: HttpRequest):
    # Secrets in local variables and in the exception's message, as a careless
    # integration could leave them.
    webhook = SLACK_WEBHOOK
    dsn = DATABASE_URL
    raise RuntimeError(f"could not post to {webhook} nor reach {dsn} with {GITHUB_TOKEN}")


urlpatterns = [path("boom/", boom)]


@pytest.fixture
def configured(settings):
    settings.SLACK_WEBHOOK_URL = SLACK_WEBHOOK
    settings.GITHUB_TOKEN = GITHUB_TOKEN
    settings.PAGERDUTY_WEBHOOK_SECRET = PD_WEBHOOK_SECRET
    # The connections share this dict: the real password (PostgreSQL's) comes back after.
    database = settings.DATABASES["default"]
    real = database.get("PASSWORD")
    database["PASSWORD"] = "db-Pa55word-99"
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "redis": REDIS_URL}
    yield settings
    database["PASSWORD"] = real


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], f"leaked: {leaked}"


def test_the_debug_error_page_shows_no_secret(client, lead, configured):
    configured.DEBUG = True
    configured.ROOT_URLCONF = __name__
    client.force_login(lead)
    client.raise_request_exception = False
    # The environment, as runserver copies it into every request's META.
    response = client.get(
        "/boom/",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SLACK_WEBHOOK_URL=SLACK_WEBHOOK,
        PAGERDUTY_WEBHOOK_SECRET=PD_WEBHOOK_SECRET,
        # No secret of ours, and its value alone would pass: hidden for its name.
        SENTRY_DSN=SENTRY_DSN,
        DEPLOY_WEBHOOK="plainwordswebhook",
    )
    assert response.status_code == 500
    page = response.content.decode()
    assert "RuntimeError" in page and "could not post to" in page  # it is the debug page
    assert "SLACK_WEBHOOK_URL" in page  # named, with its value hidden
    assert_no_secret(page)
    assert "plainwordswebhook" not in page and "SENTRY_DSN" in page
    assert "postgres://********************@db.internal" in page


def test_the_emailed_report_shows_no_secret(configured):
    request = RequestFactory().get("/boom/", SLACK_WEBHOOK_URL=SLACK_WEBHOOK)
    request.user = User(username="someone")
    try:
        boom(request)
    except RuntimeError:
        error = sys.exc_info()
    reporter = SecretsReporter(request, *error)
    assert_no_secret(reporter.get_traceback_text())
    assert_no_secret(reporter.get_traceback_html())
    # Django's own reporter does leak them: this is what the settings replace.
    assert SLACK_WEBHOOK in ExceptionReporter(request, *error).get_traceback_text()


def test_log_lines_show_no_secret(configured):
    try:
        boom(HttpRequest())
    except RuntimeError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "failed: %s", (REDIS_URL,), sys.exc_info()
        )
    line = RedactingFormatter("%(message)s").format(record)
    assert "Traceback" in line
    assert_no_secret(line)


def test_it_masks_credentials_in_any_url_and_leaves_plain_ones():
    assert (
        redact("at https://api.github.com/repos/x", secrets=[])
        == "at https://api.github.com/repos/x"
    )
    assert (
        redact("amqp://guest:guest@mq:5672//", secrets=[])
        == "amqp://********************@mq:5672//"
    )


def test_the_admin_never_shows_a_token_or_feed_secret(client, lead, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    typo = "Typo-of-the-Real-pw-17"
    client.post("/accounts/login/", {"username": "lead", "password": typo})
    client.force_login(lead)
    token = ApiToken(user=lead, name="bot")
    secret = token.set_new_secret()
    token.save()
    feed = CalendarFeed(user=lead)
    feed_secret = feed.set_new_secret()
    feed.save()
    pages = [
        "/admin/oncall_site/apitoken/",
        f"/admin/oncall_site/apitoken/{token.pk}/change/",
        "/admin/rotations/calendarfeed/",
        f"/admin/rotations/calendarfeed/{feed.pk}/change/",
        "/admin/axes/accessattempt/",
        f"/admin/axes/accessattempt/{AccessAttempt.objects.get(username='lead').pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert secret not in text and feed_secret not in text and typo not in text, url


def test_a_failed_task_keeps_its_error_without_the_secret(client, lead, configured):
    """What django-q2's worker stores for a failed task (`f"{error} : {traceback}"`), seen in
    the admin's failed tasks."""
    from django_q.models import Task

    error = f"could not post to {SLACK_WEBHOOK} : Traceback ... {GITHUB_TOKEN}"
    task = Task.objects.create(
        id="a" * 32,
        name="slack-post",
        func="oncall_site.tasks.post",
        started=NOW,
        stopped=NOW,
        success=False,
        result=error,
    )
    task.refresh_from_db()
    assert "could not post to" in task.result
    assert_no_secret(task.result)
    client.force_login(lead)
    for url in ["/admin/django_q/failure/", f"/admin/django_q/failure/{task.pk}/change/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode())
    # A successful task's result is the function's return value, left as it is.
    done = Task.objects.create(
        id="b" * 32, func="f", started=NOW, stopped=NOW, success=True, result="ok " + SLACK_WEBHOOK
    )
    done.refresh_from_db()
    assert SLACK_WEBHOOK in done.result
