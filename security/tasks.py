"""Thin django-q2 entry points of the security app."""

from security.reminders import send_daily


def findings_reminder() -> str:
    """Scheduled hourly: posts the day's findings message once, from 09:00 local."""
    return send_daily().message
