"""Security pages, under /security/."""

from django.urls import path

from security import views_dependabot

urlpatterns = [
    path("dependabot/", views_dependabot.dependabot_queue, name="dependabot-queue"),
    path("dependabot/closed/", views_dependabot.dependabot_closed, name="dependabot-closed"),
]
