from django.urls import path

from esafety.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
]
