from django.urls import path

from esafety.network import views

app_name = "network"
urlpatterns = [
    path("", views.this_computer, name="this_computer"),
    path("sign-in/", views.signin, name="signin"),
    path("sign-out/", views.signout, name="signout"),
    path("aup/", views.aup, name="aup"),
    path("status/", views.status, name="status"),
    path("status/settings/", views.settings_save, name="settings"),
]
