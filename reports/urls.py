from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("sprint/<int:number>/", views.sprint_report, name="sprint"),
    path("sprint/<int:number>/handoff/", views.handoff_edit, name="handoff"),
]
