from django.urls import path

from rotations import views

urlpatterns = [
    path("", views.rotation_list, name="rotations"),
    path("engineers/<int:engineer_id>/", views.engineer_history, name="engineer-history"),
    path("sprints/<int:number>/confirm/", views.rotation_confirm, name="rotation-confirm"),
    path(
        "sprints/<int:number>/checklist/<str:item>/",
        views.checklist_toggle,
        name="checklist-toggle",
    ),
    path("calendar/", views.calendar_settings, name="calendar-settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
