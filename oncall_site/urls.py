from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oncall_site import views

admin.site.site_header = "On-call back office"
admin.site.site_title = "On-call back office"
admin.site.index_title = "Team, sprints and synced data"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("rotations/", include("rotations.urls")),
    path("", include("incidents.urls")),
    path("security/", include("security.urls")),
    path("releases/deploys/", include("releases.urls_deploys")),
    path("admin/", admin.site.urls),
]
