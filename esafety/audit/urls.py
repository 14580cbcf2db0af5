from django.urls import path

from esafety.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("trail.csv", views.trail_export, name="export"),
    path("history-check/", views.history_check, name="history_check"),
    path("history-check/now/", views.history_check_now, name="history_check_now"),
]
