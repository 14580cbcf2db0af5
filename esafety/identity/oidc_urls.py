"""The provider's login and callback addresses, with allauth's names, served by oidc.py's
strict views: /accounts/oidc/<provider_id>/login/ and .../login/callback/."""

from django.urls import path

from esafety.identity import oidc
from esafety.policies.middleware import gate_exempt

urlpatterns = [
    path("oidc/<str:provider_id>/login/", gate_exempt(oidc.login), name="openid_connect_login"),
    path("oidc/<str:provider_id>/login/callback/", gate_exempt(oidc.callback),
         name="openid_connect_callback"),
]
