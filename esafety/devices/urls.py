from django.urls import path

from esafety.devices import views

app_name = "devices"

urlpatterns = [
    path("", views.home, name="home"),
]
