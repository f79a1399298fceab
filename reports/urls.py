from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("sprint/<int:number>/", views.sprint_report, name="sprint"),
]
