"""Security pages."""

from django.urls import path

from security import views_secrel

urlpatterns = [
    path("secrel/", views_secrel.secrel_page, name="security-secrel"),
]
