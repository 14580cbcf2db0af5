from django.urls import path

from esafety.checks import views

app_name = "checks"
urlpatterns = [
    path("", views.check, name="check"),
    path("approved/", views.approved, name="approved"),
    path("approved/<int:pk>/remove/", views.approved_remove, name="approved_remove"),
]
