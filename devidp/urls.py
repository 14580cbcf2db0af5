from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from devidp import settings as conf
from devidp import views

# The OpenID Connect endpoints sit under the issuer's path (Entra: /<tenant>/v2.0/), so
# discovery is at <issuer>/.well-known/openid-configuration as the standard says.
_prefix = conf.CONFIG.issuer_path.lstrip("/")
_prefix = _prefix + "/" if _prefix else ""

oidc_patterns = (
    [path("authorize/", views.Authorize.as_view(), name="authorize")]
    + [p for p in oauth2_urls.base_urlpatterns if p.name != "authorize"]
    + oauth2_urls.oidc_urlpatterns,
    "oauth2_provider",
)

devidp_patterns = ([
    path("", views.home, name="home"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.signed_out, name="logout"),
    path("_devidp/users", views.api_users, name="api-users"),
    path("_devidp/clients", views.api_clients, name="api-clients"),
    path("_devidp/mode", views.api_mode, name="api-mode"),
    path("_devidp/info", views.api_info, name="api-info"),
], "devidp")

urlpatterns = [
    path(_prefix, include(oidc_patterns)),
    path("", include(devidp_patterns)),
]
