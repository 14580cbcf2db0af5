from django.urls import path

from esafety.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("period/", views.set_period, name="set_period"),
    path("dry-run/", views.prepare, name="prepare"),
    path("runs.csv", views.runs_csv, name="runs_csv"),
    path("runs/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("runs/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("subject-access/", views.subject_search, name="subject_search"),
    path("subject-access/<int:pk>/", views.subject_preview, name="subject_preview"),
    path("subject-access/<int:pk>/bundle/", views.subject_export, name="subject_export"),
    path("dpia/", views.dpia_page, name="dpia"),
]
