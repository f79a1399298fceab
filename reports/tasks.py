"""Thin django-q2 entry points of the reports."""

from reports.notice import post_notice


def handoff_notice() -> str:
    """Scheduled every 15 minutes: the ended sprint's report posted to Slack, once."""
    outcome = post_notice()
    if outcome is None:
        return "nothing due."
    return f"sprint {outcome.sprint}: {outcome.message}"
