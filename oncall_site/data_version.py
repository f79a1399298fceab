"""When the stored data last changed, as one number shared by every process.

The dashboard, its live part and `/api/v1/summary` read a few dozen queries' worth of
figures; the team's browsers ask for them every 30 seconds while the data changes only when
someone or something writes. So those pages keep what they computed under the current
number (`oncall_site.page_cache`), and every way of writing raises it:

- a request that is not GET/HEAD/OPTIONS (forms, the admin, webhooks, API writes), but
  logging in and out: `DataVersionMiddleware`, after the response;
- a django-q2 task (a reminder, a notice, a schedule): `post_execute`;
- a sync run, from the worker or a command, that wrote rows, failed or recovered:
  `oncall_site.sync.runner.run_job`;
- a model saved or deleted anywhere else (the shell, a command): the `post_save` and
  `post_delete` signals of the project's apps, once per transaction, after it commits.

Raising it after the commit (never inside the writer's transaction) keeps the one row from
becoming a lock every writer waits on.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from oncall_site.models import DataVersion, WorkerHeartbeat

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_ONLY = frozenset({"login", "logout", "admin:login", "admin:logout"})  # view names
PROJECT_APPS = frozenset(
    {"oncall_site", "rotations", "incidents", "releases", "security", "reports"}
)


def current() -> int:
    """The number now (0 before anything was written)."""
    number = DataVersion.objects.filter(pk=1).values_list("number", flat=True).first()
    return number or 0


def bump() -> None:
    """Raise the number by one; creates the row the first time."""
    try:
        if not DataVersion.objects.filter(pk=1).update(number=F("number") + 1):
            DataVersion.objects.get_or_create(pk=1, defaults={"number": 1})
    except DatabaseError:
        # Before migrations, or a read-only replica: pages then simply are not kept.
        pass


def bump_after_commit() -> None:
    """`bump` once when the current transaction commits (at once outside one)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback is bump for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(bump)


def model_changed(sender: type, **kwargs: object) -> None:
    if sender._meta.app_label in PROJECT_APPS and sender not in (DataVersion, WorkerHeartbeat):
        bump_after_commit()


# The heartbeat only proves a worker lives, and it changes nothing a page shows; a sync run
# raises the number itself when it changed something (`oncall_site.sync.runner.run_job`).
NOT_WRITES = frozenset({"oncall_site.tasks.heartbeat", "oncall_site.tasks.sync_job"})


def task_executed(sender: object = None, task: dict | None = None, **kwargs: object) -> None:
    if (task or {}).get("func") not in NOT_WRITES:
        bump()


class DataVersionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Logging in or out writes the session only; kept pages are per user already.
        match = request.resolver_match
        if request.method not in SAFE_METHODS and not (match and match.view_name in SESSION_ONLY):
            bump()
        return response
