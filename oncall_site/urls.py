from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oncall_site import views, views_api
from releases import views_api as releases_api

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("needs/", views.dashboard_needs, name="dashboard-needs"),
    path("api/v1/summary", views_api.summary_api, name="api-summary"),
    path("api/v1/oncall", views_api.oncall_api, name="api-oncall"),
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
    path("reports/", include("reports.urls")),
    path("releases/deploys/", include("releases.urls_deploys")),
    path("releases/", include("releases.urls")),
    path("api/v1/releases", releases_api.releases_api, name="api-releases"),
    path("admin/", admin.site.urls),
]
