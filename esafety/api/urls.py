from django.urls import path

from esafety.api import views

app_name = "api"

urlpatterns = [
    path("check", views.check, name="check"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
]
