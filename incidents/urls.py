"""Incident pages, alerts, the metrics page and API, and the inbound webhooks."""

from django.urls import path

from incidents import views, views_api, views_metrics, webhooks

urlpatterns = [
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/metrics/", views_metrics.metrics_page, name="incident-metrics"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident-detail"),
    path(
        "incidents/<int:incident_id>/transition/",
        views.incident_transition,
        name="incident-transition",
    ),
    path("incidents/<int:incident_id>/updates/", views.incident_update_add, name="incident-update"),
    path("incidents/<int:incident_id>/edit/", views.incident_edit, name="incident-edit"),
    path("incidents/<int:incident_id>/impacts/", views.incident_impact_add, name="impact-add"),
    path(
        "incidents/<int:incident_id>/impacts/<int:impact_id>/",
        views.incident_impact_edit,
        name="impact-edit",
    ),
    path(
        "incidents/<int:incident_id>/impacts/<int:impact_id>/end/",
        views.incident_impact_end,
        name="impact-end",
    ),
    path(
        "incidents/<int:incident_id>/ticket/",
        views.incident_ticket_create,
        name="incident-ticket-create",
    ),
    path(
        "incidents/<int:incident_id>/ticket/link/",
        views.incident_ticket_link,
        name="incident-ticket-link",
    ),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:alert_id>/declare/", views.alert_declare, name="alert-declare"),
    path("alerts/<int:alert_id>/attach/", views.alert_attach, name="alert-attach"),
    path("api/v1/metrics", views_api.metrics_api, name="api-metrics"),
    path("webhooks/pagerduty", webhooks.pagerduty_webhook, name="webhook-pagerduty"),
    path(
        "webhooks/slack/incident-report",
        webhooks.slack_incident_report,
        name="webhook-slack-incident-report",
    ),
]
