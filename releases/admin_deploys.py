"""Admin for deploy requests and deployments: corrections, and the rare manual fix."""

from django.contrib import admin

from releases.deploy_models import Deployment, DeployRequest


@admin.register(DeployRequest)
class DeployRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "team", "environment", "state", "requester", "requested_at")
    list_filter = ("state", "environment", "team")
    search_fields = ("reason", "requester__username")
    date_hierarchy = "requested_at"
    list_select_related = ("team", "requester")
    raw_id_fields = ("requester", "approved_by", "rejected_by", "deployed_by")


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = (
        "deployed_at",
        "environment",
        "deployed_by",
        "source",
        "rolled_back",
        "incident",
    )
    list_filter = ("environment", "source", "rolled_back")
    search_fields = ("deployed_by", "description", "ref")
    date_hierarchy = "deployed_at"
    list_select_related = ("incident",)
    raw_id_fields = ("incident", "request")
    readonly_fields = ("github_id", "recorded_at", "last_seen_at")
