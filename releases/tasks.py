"""Thin django-q2 entry points of the releases app."""

from django.core.management import call_command


def release_reminders() -> str:
    """Scheduled every 5 minutes: posts every release reminder that is due, once."""
    from io import StringIO

    out = StringIO()
    call_command("release_reminders", stdout=out)
    return out.getvalue().strip()
