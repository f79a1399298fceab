"""Release pages, under /releases/."""

from django.urls import path

from releases import views

urlpatterns = [
    path("", views.release_page, name="releases"),
    path("<int:number>/", views.release_detail, name="release-detail"),
    path("<int:number>/answer/<slug:team>/", views.release_answer, name="release-answer"),
    path("<int:number>/move/", views.release_move, name="release-move"),
    path("<int:number>/decide/", views.release_decide, name="release-decide"),
    path("<int:number>/remind/", views.release_remind, name="release-remind"),
]
