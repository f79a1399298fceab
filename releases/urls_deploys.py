"""Deployment pages, under /releases/deploys/."""

from django.urls import path

from releases import views_deploys

urlpatterns = [
    path("", views_deploys.deploy_queue, name="deploy-queue"),
    path("new/", views_deploys.deploy_request_new, name="deploy-request-new"),
    path("requests/<int:request_id>/", views_deploys.deploy_request, name="deploy-request"),
    path(
        "requests/<int:request_id>/approve/",
        views_deploys.deploy_request_approve,
        name="deploy-request-approve",
    ),
    path(
        "requests/<int:request_id>/reject/",
        views_deploys.deploy_request_reject,
        name="deploy-request-reject",
    ),
    path(
        "requests/<int:request_id>/deployed/",
        views_deploys.deploy_request_deployed,
        name="deploy-request-deployed",
    ),
    path("deployments/", views_deploys.deployment_list, name="deployment-list"),
    path("deployments/new/", views_deploys.deployment_new, name="deployment-new"),
]
