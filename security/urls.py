"""Security pages, under /security/."""

from django.urls import path

from security import views_dependabot, views_secrel

urlpatterns = [
    path("secrel/", views_secrel.secrel_page, name="security-secrel"),
    path("dependabot/", views_dependabot.dependabot_queue, name="dependabot-queue"),
    path("dependabot/closed/", views_dependabot.dependabot_closed, name="dependabot-closed"),
]
