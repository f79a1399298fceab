"""Security pages, under /security/."""

from django.urls import path

from security import views_dependabot, views_findings, views_secrel

urlpatterns = [
    path("secrel/", views_secrel.secrel_page, name="security-secrel"),
    path("dependabot/", views_dependabot.dependabot_queue, name="dependabot-queue"),
    path("dependabot/closed/", views_dependabot.dependabot_closed, name="dependabot-closed"),
    # Findings
    path("findings/", views_findings.finding_list, name="finding-list"),
    path("findings/new/", views_findings.finding_new, name="finding-new"),
    path("findings/<int:finding_id>/", views_findings.finding_detail, name="finding-detail"),
    path(
        "findings/<int:finding_id>/upgrade/",
        views_findings.finding_upgrade,
        name="finding-upgrade",
    ),
    path(
        "findings/<int:finding_id>/exception/request/",
        views_findings.finding_exception_request,
        name="finding-exception-request",
    ),
    path(
        "findings/<int:finding_id>/exception/grant/",
        views_findings.finding_exception_grant,
        name="finding-exception-grant",
    ),
    path(
        "findings/<int:finding_id>/escalate/",
        views_findings.finding_escalate,
        name="finding-escalate",
    ),
    path("findings/<int:finding_id>/rate/", views_findings.finding_rate, name="finding-rate"),
    path("findings/<int:finding_id>/close/", views_findings.finding_close, name="finding-close"),
]
